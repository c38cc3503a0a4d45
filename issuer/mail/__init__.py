"""Offers delivered by e-mail: an outbox in the issuer's database and a worker that sends it."""
