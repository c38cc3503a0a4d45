"""Settings of the issuer (environment prefix ISSUER_, node-wide values from CREDSTACK_)."""

from shared.settings import ServiceSettings


class IssuerSettings(ServiceSettings):
    service_name = "issuer"
    default_port = 8001
