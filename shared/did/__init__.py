"""did:key, did:jwk and did:web: building DID documents and resolving them to public keys.

Any cryptography (point checks, JWK handling) is delegated to shared.crypto; this package
only knows the DID methods' encodings and document shapes. Remote fetches go through an
injected ``httpx.AsyncClient``.
"""
