"""Settings of the wallet (environment prefix HOLDER_, node-wide values from CREDSTACK_)."""

from pydantic import Field

from shared.rate_limit_settings import Limit, LimitSetting
from shared.settings import ServiceSettings


class HolderSettings(ServiceSettings):
    service_name = "holder"
    default_port = 8002

    session_ttl_seconds: int = 14 * 24 * 3600
    # An opened offer waits this long for the learner to accept it.
    pending_offer_ttl_seconds: int = 900
    display_name: str = "credstack wallet"
    # Seed one demo learner into an empty development wallet (its login in the data dir).
    seed_demo: bool = True

    # Password guessing, per e-mail address (with an account or not): after this many failed
    # logins in a row the address is locked for login_lockout_seconds, twice as long after
    # each further failure, up to login_lockout_max_seconds. A success forgets the failures,
    # and so does a time without attempts of login_failures_kept_seconds.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=30, ge=1)
    login_lockout_max_seconds: int = Field(default=15 * 60, ge=1)
    login_failures_kept_seconds: int = Field(default=24 * 3600, ge=1)

    # New accounts per client address (counted in the database across replicas; 429 and
    # Retry-After beyond it; RATE_LIMITS_ENABLED=false turns it off). "10/hour", "3/minute".
    rate_limit_signup_per_address: LimitSetting = Limit(10, 3600)
