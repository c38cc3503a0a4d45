"""An employer's or admissions office's verifier: request, check and report proofs."""
