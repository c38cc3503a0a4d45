-- One database per service: they share a server, never tables.
CREATE DATABASE issuer;
CREATE DATABASE holder;
CREATE DATABASE verifier;
