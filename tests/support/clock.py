"""A clock a test moves, for workers that take ``clock=``: retries and leases without waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.clock import utcnow


class Clock:
    """The workers' time, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
