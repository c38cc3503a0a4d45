"""Make concurrent units of work really race instead of hoping the scheduler interleaves them.

A race in a read-then-write sequence shows only when every party has read before any of them
writes. ``rendezvous`` holds each party right after its read until all have read; the
parties then write at once, as two replicas would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

# A party that never comes (the code under test took another path) fails the test with a
# TimeoutError instead of hanging the suite.
WAIT_SECONDS = 60


@contextmanager
def rendezvous(
    engine: AsyncEngine | Sequence[AsyncEngine], parties: int, marker: str
) -> Iterator[None]:
    """Hold the first ``parties`` statements whose SQL contains ``marker``, each just after it
    ran, until all of them have run. Later matches (a party retrying) pass at once. Several
    engines (two replicas of a service on one database) share one rendezvous.

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

    engines = [engine] if isinstance(engine, AsyncEngine) else list(engine)
    for each in engines:
        event.listen(each.sync_engine, "after_cursor_execute", hold)
    try:
        yield
    finally:
        for each in engines:
            event.remove(each.sync_engine, "after_cursor_execute", hold)
