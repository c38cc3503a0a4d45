"""Fixtures of the interop tests: node with the pinned npm packages, and our issuer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.interop.our_issuer import running_issuer
from tests.interop.test_digitalbazaar_verifier import node  # noqa: F401 (a fixture)
from tests.support.processes import Service


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Our issuer as a process, shared by a module's tests (each makes its own awards)."""
    with running_issuer(tmp_path_factory.mktemp("issuer")) as service:
        yield service
