"""A university's issuer node: catalogue, awards, OpenID4VCI issuance, status lists."""
