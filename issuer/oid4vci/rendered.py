"""Metadata documents rendered once per change and served as the same bytes until then.

The credential issuer metadata is a pure function of the settings and the catalogue (its
organisations and micro-credentials); building it from the database on every request cost
two queries, every catalogue entry loaded and validated, and the JSON encoded again, for
a document that changes when a registrar edits the catalogue. Each worker keeps its own
rendering with the version it was rendered at (``repository.catalogue_version``: one
aggregate query), so an edit made through any worker is served by all of them at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse


class RenderedDocuments:
    """The last rendering of each document, by name, with the version it was made at."""

    def __init__(self) -> None:
        self._documents: dict[str, tuple[Hashable, bytes]] = {}

    async def body(
        self, name: str, version: Hashable, render: Callable[[], Awaitable[Any]]
    ) -> bytes:
        """The document's JSON bytes at ``version``, rendered only when the version moved."""
        cached = self._documents.get(name)
        if cached is not None and cached[0] == version:
            return cached[1]
        body = bytes(JSONResponse(await render()).body)
        self._documents[name] = (version, body)
        return body


def rendered_documents(app: FastAPI) -> RenderedDocuments:
    """The app's renderings (one set per app, so each test's app starts empty)."""
    documents: RenderedDocuments | None = getattr(app.state, "oid4vci_documents", None)
    if documents is None:
        documents = app.state.oid4vci_documents = RenderedDocuments()
    return documents
