"""Make concurrent units of work really race instead of hoping the scheduler interleaves them.

A race in a read-then-write sequence shows only when every party has read before any of them
writes. ``rendezvous`` holds each party right after its read until all have read; the
parties then write at once, as two replicas would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

# A party that never comes (the code under test took another path) fails the test with a
# TimeoutError instead of hanging the suite.
WAIT_SECONDS = 60


@contextmanager
def rendezvous(engine: AsyncEngine, parties: int, marker: str) -> Iterator[None]:
    """Hold the first ``parties`` statements whose SQL contains ``marker``, each just after it
    ran, until all of them have run. Later matches (a party retrying) pass at once.

    The parties must hold no lock another party waits for before its marked statement, or
    they would wait for each other for ever.
    """
    barrier = asyncio.Barrier(parties)
    arrived = 0

    def hold(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        nonlocal arrived
        if arrived < parties and marker in statement:
            arrived += 1
            # Event handlers are synchronous; run_async awaits on the connection's event loop.
            connection.connection.dbapi_connection.run_async(
                lambda _driver: asyncio.wait_for(barrier.wait(), WAIT_SECONDS)
            )

    event.listen(engine.sync_engine, "after_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", hold)
