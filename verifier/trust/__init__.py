"""The universities this verifier trusts: who they are, where they are, who accredits them."""
