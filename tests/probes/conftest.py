"""The schemathesis probes' summary lines, printed at the end of every run that has them
(CI output and ``pytest -s`` alike, whatever ``-r`` says)."""

from __future__ import annotations

import pytest

SUMMARIES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARIES:
        terminalreporter.section("schemathesis")
        for line in SUMMARIES:
            terminalreporter.write_line(line)
