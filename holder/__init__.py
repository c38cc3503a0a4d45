"""The learner's wallet: receive, keep, stack and share micro-credentials."""
