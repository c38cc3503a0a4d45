"""Keys, encryption at rest, JOSE and Linked Data proofs: the only package that imports
didkit, jwcrypto and cryptography."""
