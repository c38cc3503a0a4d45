"""Loading the configured trust list when the verifier starts.

A file that cannot be read or is not valid does not stop the verifier: it is logged, with
the entry and what is wrong, and the stored list stays as it was (an empty list trusts
nobody, so nothing is verified by mistake in the meantime).
"""

from __future__ import annotations

import logging

from shared.db import session_scope
from shared.runtime import ServiceRuntime
from verifier.trust.document import TrustListRefused
from verifier.trust.service import TrustListService
from verifier.trust.source import configured_source

log = logging.getLogger(__name__)


async def load_trust_list_at_start(runtime: ServiceRuntime, configured: str | None) -> None:
    """``configured`` is ``VerifierSettings.trust_list_source``."""
    source = configured_source(configured, runtime.settings)
    if source is None:
        return
    try:
        async with session_scope(runtime.sessions) as session:
            outcome = await TrustListService(session).load(source, runtime.http, force=False)
    except TrustListRefused as exc:
        log.error("%s The trust list stored before was kept.", exc.description)
        return
    if outcome.loaded:
        log.info("trust list loaded: %d universities", outcome.entries)
    else:
        log.info("trust list file unchanged since it was last loaded; kept the stored list")
