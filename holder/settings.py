"""Settings of the wallet (environment prefix HOLDER_, node-wide values from CREDSTACK_)."""

from shared.settings import ServiceSettings


class HolderSettings(ServiceSettings):
    service_name = "holder"
    default_port = 8002

    session_ttl_seconds: int = 14 * 24 * 3600
    # An opened offer waits this long for the learner to accept it.
    pending_offer_ttl_seconds: int = 900
    display_name: str = "credstack wallet"
