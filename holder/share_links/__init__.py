"""Share links: a public, revocable, expiring link to one credential, with a view count.

Not to be confused with ``holder.share``, which answers a verifier's OpenID4VP request.
"""
