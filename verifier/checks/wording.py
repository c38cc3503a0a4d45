"""Check reasons in a recruiter's words, never a library's.

The formats (``shared.credentials.formats``) pass on what didkit, jose or a parser said when
a document cannot be read: "didkit could not read it: Invalid context at line 1 column 105",
"Expansion failed: Key expansion failed", "data did not match any variant of untagged enum
OneOrMany". A recruiter can do nothing with that. ``plain`` turns each known case into a
sentence (the technical text goes to the log, for whoever runs the verifier), and
``in_words`` is the last line for every reason of a report: a reason that still looks like
library text becomes a plain sentence too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from verifier.checks.report import Check, Report

log = logging.getLogger(__name__)

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

# What library text looks like: parser positions, JSON-LD and serde messages, pydantic's
# "validation error", tracebacks, Python exception class names.
LIBRARY_TEXT = re.compile(
    r"line \d+ column \d+|Expansion failed|validation error|Traceback|didkit|untagged enum|"
    r"unknown variant|missing field|invalid type:|input_value=|signature error|"
    r"Verification equation|with the given \w+ key|"
    r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b"
)

# (library text, the sentence in its place); the first match wins. ``{what}`` is "credential"
# or "presentation".
_KNOWN: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"Invalid context|context.*(?:not found|could not be loaded|unknown)", re.I),
        "The {what} names a vocabulary (JSON-LD context) this verifier does not know, so its "
        "signature cannot be checked.",
    ),
    (
        re.compile(r"Expansion failed|Key expansion", re.I),
        "The {what} contains a term that its vocabulary does not define, so its signature "
        "cannot be checked; it may have been changed after it was signed.",
    ),
    (
        re.compile(r"signature error|Verification equation|does not verify with", re.I),
        "The signature does not match the {what}: it was changed after it was signed, or "
        "signed with another key.",
    ),
    (
        re.compile(
            r"untagged enum|unknown variant|missing field|invalid type|validation error",
            re.I,
        ),
        "The {what} is not laid out as a verifiable {what} should be (a part of it holds the "
        "wrong kind of value), so it cannot be checked.",
    ),
]
_UNREADABLE = "The {what} could not be read as a signed document, so it cannot be checked."


def uses_vc2(document: object) -> bool:
    """Whether ``document`` (or a credential inside it) uses the VC Data Model 2.0 context,
    which didkit 0.3.3, and so this verifier, does not read yet."""
    if not isinstance(document, Mapping):
        return False
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if VC2_CONTEXT in contexts:
        return True
    inner = document.get("verifiableCredential")
    return any(uses_vc2(item) for item in (inner if isinstance(inner, list) else [inner]))


def vc2_sentence(what: str) -> str:
    return (
        f"The {what} uses a newer data model (VC 2.0) that this verifier does not read yet; "
        "ask for the credential in the VC 1.1 form, or check it with another verifier."
    )


def plain(problems: Iterable[str], what: str, document: Any = None) -> list[str]:
    """``problems`` with every library message replaced by a sentence; each sentence once."""
    sentences: list[str] = []
    for problem in problems:
        sentence = _sentence(problem, what, document)
        if sentence != problem:
            log.info("%s reason in words %r; technical detail: %s", what, sentence, problem)
        sentences.append(sentence)
    return list(dict.fromkeys(sentences))


def _sentence(problem: str, what: str, document: Any) -> str:
    if not LIBRARY_TEXT.search(problem):
        return problem
    if uses_vc2(document):
        return vc2_sentence(what)
    for pattern, sentence in _KNOWN:
        if pattern.search(problem):
            return sentence.format(what=what)
    return _UNREADABLE.format(what=what)


def in_words(report: Report) -> Report:
    """The report with any reason that still reads like library text put in words."""
    checks = [_check_in_words(check) for check in report.checks]
    return replace(report, checks=checks)


def _check_in_words(check: Check) -> Check:
    if not LIBRARY_TEXT.search(check.reason):
        return check
    what = "credential" if check.credential is not None else "presentation"
    log.info("check %s: technical reason replaced: %s", check.name, check.reason)
    return replace(check, reason=_sentence(check.reason, what, None))
