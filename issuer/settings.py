"""Settings of the issuer (environment prefix ISSUER_, node-wide values from CREDSTACK_)."""

from typing import Literal

from pydantic import Field, SecretStr

from shared.rate_limit_settings import Limit, LimitSetting
from shared.settings import ServiceSettings, public_url_of


class IssuerSettings(ServiceSettings):
    service_name = "issuer"
    default_port = 8001

    # did:key needs nothing but a key; did:web needs the node on HTTPS at its public URL.
    did_method: Literal["key", "web"] = "key"
    # An offer is e-mailed or printed, so its link must outlive a coffee break; it stays
    # single-use. Each fetch of it mints a pre-authorized code, which must be short-lived
    # (security checklist A.1: 5 to 10 minutes).
    offer_ttl_seconds: int = 7 * 24 * 3600
    pre_authorized_code_ttl_seconds: int = 600
    access_token_ttl_seconds: int = 300
    nonce_ttl_seconds: int = 300
    tx_code_max_failures: int = 5
    proof_max_age_seconds: int = 300
    # Seed a demo organisation and two micro-credentials into an empty development node.
    seed_demo: bool = True
    display_name: str = "credstack issuer"
    # Where "open in wallet" links point: our wallet's receive page. It follows the wallet's
    # own setting (HOLDER_PUBLIC_BASE_URL, else HOLDER_PORT), so one setting moves every link.
    wallet_url: str = Field(default_factory=lambda: public_url_of("holder"))

    # Rate limits of the protocol endpoints, counted in the database across replicas
    # (429 and Retry-After beyond them; RATE_LIMITS_ENABLED=false turns all of them off).
    # Written as "30/minute", "10/hour", "5/10 seconds". One wallet needs a token, a nonce
    # and a credential or two per offer; these leave room for a campus behind one address.
    rate_limit_token_per_address: LimitSetting = Limit(30, 60)
    rate_limit_token_per_offer: LimitSetting = Limit(10, 60)
    rate_limit_nonce_per_address: LimitSetting = Limit(60, 60)
    rate_limit_credential_per_address: LimitSetting = Limit(30, 60)

    # E-mail delivery of offers (issuer.mail). Without a host, development keeps the messages
    # in a local outbox the registrar's pages show (/admin/outbox), and production says that
    # e-mail is not available. The port defaults to the TLS mode's: 465 tls, 587 starttls,
    # 25 none. The PIN goes in a second message ("separate") or is shown only to the
    # registrar, who passes it on by another channel ("registrar").
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from_address: str = "credentials@localhost"
    mail_from_name: str | None = None  # display_name when not set
    mail_pin_policy: Literal["separate", "registrar"] = "registrar"
    mail_max_attempts: int = Field(default=6, ge=1, le=100)
    mail_retry_base_seconds: float = Field(default=60.0, gt=0)
    mail_poll_seconds: float = Field(default=2.0, gt=0)
