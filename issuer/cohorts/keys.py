"""The idempotency key of a cohort upload: the same file for the same micro-credential is
the same upload.

The command line and the registrar's page derive it from the file's bytes and the
micro-credential, so that running the same command again (after a timeout, a crash of the
issuer, a double click) finds the first cohort instead of awarding everyone twice. API
clients may send their own (``Idempotency-Key``); without one the issuer derives it the same
way. Light on purpose: the command line imports it.
"""

from __future__ import annotations

import hashlib

HEADER = "Idempotency-Key"
MAX_LENGTH = 200


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def derived_key(achievement_id: str, data: bytes) -> str:
    """``file:`` and a SHA-256 over the micro-credential's id and the file's bytes."""
    digest = hashlib.sha256(achievement_id.encode() + b"\n" + data).hexdigest()
    return f"file:{digest}"
