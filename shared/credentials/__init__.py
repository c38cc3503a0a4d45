"""Verifiable credentials: the micro-credential model, and signing/verifying VCs and VPs."""
