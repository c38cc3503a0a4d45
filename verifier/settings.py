"""Settings of the verifier (environment prefix VERIFIER_, node-wide values from CREDSTACK_)."""

from shared.settings import ServiceSettings


class VerifierSettings(ServiceSettings):
    service_name = "verifier"
    default_port = 8003
