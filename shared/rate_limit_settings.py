"""How a rate limit is written in settings: ``"30/minute"``, ``"10/hour"``, ``"5/10 seconds"``.

Apart from shared.rate_limits (which counts, with the database and web stack) because every
service's settings read these, and the operator commands load settings without that stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer
from pydantic_settings import NoDecode

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_TEXT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Limit:
    """``requests`` per ``seconds``; written in settings as ``"30/minute"`` or ``"10/2 hours"``."""

    requests: int
    seconds: int

    @classmethod
    def parse(cls, value: object) -> Limit:
        if isinstance(value, Limit):
            return value
        match = _LIMIT_TEXT.match(str(value).lower())
        if match is None or int(match.group(1)) < 1 or match.group(2) == "0":
            raise ValueError(
                f"{value!r} is not a rate limit; write it as a number of requests per unit, "
                "for example '30/minute', '10/hour' or '5/10 seconds'"
            )
        count = int(match.group(2) or 1)
        return cls(int(match.group(1)), count * _UNITS[match.group(3)])

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds} seconds"


# A settings field: read from text ("30/minute"), shown as text; NoDecode, because the
# environment holds these words, not the JSON pydantic-settings expects for a structure.
LimitSetting = Annotated[Limit, NoDecode, BeforeValidator(Limit.parse), PlainSerializer(str)]
