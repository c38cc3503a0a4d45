"""Settings of the holder (environment prefix HOLDER_, node-wide values from CREDSTACK_)."""

from shared.settings import ServiceSettings


class HolderSettings(ServiceSettings):
    service_name = "holder"
    default_port = 8002
