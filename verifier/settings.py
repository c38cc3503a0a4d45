"""Settings of the verifier (environment prefix VERIFIER_, node-wide values from CREDSTACK_)."""

from pydantic import Field

from shared.settings import ServiceSettings


class VerifierSettings(ServiceSettings):
    service_name = "verifier"
    default_port = 8003

    # A presentation request is answered while the employer watches the QR code: ten minutes
    # is long enough to find the wallet, short enough that a nonce does not linger.
    request_ttl_seconds: int = 600
    # Issuers' status lists (revocation, suspension): reused for this long, and a list older
    # than the staleness limit (because the issuer cannot be reached) makes the status
    # "unknown", never "valid" (interop note 8). Passed to the checks engine.
    status_cache_ttl_seconds: int = 300
    status_max_staleness_seconds: int = 24 * 3600
    # Where the trust list comes from: a JSON file path or an https URL (read by
    # verifier.trust); None: only issuers added through the API are trusted.
    trust_list_source: str | None = None
    # Seed "Demo Employer", its user token and the `microcredential` template into an empty
    # development node.
    seed_demo: bool = True
    # A response's size and number of presentations are capped (security checklist C.7).
    max_response_bytes: int = 1024 * 1024
    display_name: str = "credstack verifier"
    # Webhooks: a failed delivery is tried again after 30 s, then 60 s, 120 s… up to six
    # hours apart, ten times in all; a worker's claim on a delivery lasts a minute.
    webhook_max_attempts: int = Field(default=10, ge=1, le=100)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
