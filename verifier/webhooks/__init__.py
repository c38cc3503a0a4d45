"""Results posted to the employer's own systems: signed, durable, retried, logged."""
