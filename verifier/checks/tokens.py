"""Reading what a wallet posted: the ``vp_token`` (and draft-era ``presentation_submission``)
as a list of presentations, each with the query it answers, plus what is wrong with the
answer as a whole (the "response" check).

Shapes (OpenID4VP 1.0 §3 and drafts, spec notes §3, §6):
- DCQL (1.0): a JSON object keyed by credential query id, each value an array of
  presentations (an object for ``ldp_vc``, a compact JWT for ``jwt_vc_json``);
- Presentation Exchange (drafts): one presentation, or an array of several, with a
  ``presentation_submission`` whose ``descriptor_map`` says which answers which descriptor.
Both may arrive as JSON text (a form field). The wallet is not trusted to have followed
the query (§5.6): everything is checked here, and every size is bounded before any
signature is looked at (security checklist C.7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.credentials.formats.base import SignedDocument
from shared.crypto.jose import unverified_claims
from shared.errors import CredstackError

MAX_TEXT_CHARS = 1024 * 1024
MAX_DEPTH = 40
MAX_PRESENTATIONS = 10
MAX_CREDENTIALS = 20
LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"
_PE_PATH = re.compile(r"^\$(?:\[(\d{1,3})\])?$")
_VP_MEMBERS = frozenset({"@context", "type", "proof", "holder", "verifiableCredential"})


@dataclass
class Presentation:
    document: SignedDocument
    format: str  # ldp_vc (a JSON object) or jwt_vc_json (a compact JWT)
    answers: str | None = None  # the query or input descriptor id it answers
    claims: dict[str, Any] | None = None  # a JWT's claims, unverified, as read_format read them


@dataclass
class Answer:
    presentations: list[Presentation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def decode(value: object, what: str) -> tuple[object, str | None]:
    """A form field's JSON text as JSON, a compact JWT as is; or why it cannot be read."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT_CHARS:
            return None, f"The {what} is larger than credstack accepts (1 MiB)."
        if text[:1] not in ("{", "[", '"'):
            return text, None  # a compact JWT
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None, f"The {what} is not valid JSON."
    if _too_deep(value):
        return None, f"The {what} is nested deeper than any credential needs."
    return value, None


def format_of(document: object) -> str | None:
    """ldp_vc for a JSON object, jwt_vc_json for a compact JWT whose claims are not nested
    deeper than MAX_DEPTH (the formats copy claims recursively); None for anything else."""
    return read_format(document)[0]


def read_format(document: object) -> tuple[str | None, dict[str, Any] | None]:
    """``format_of``, and a readable JWT's claims (unverified), read once for the callers
    that need them next."""
    if isinstance(document, dict):
        return LDP_VC, None
    if isinstance(document, str) and document.count(".") == 2:
        try:
            claims = unverified_claims(document)
        except CredstackError:
            return JWT_VC_JSON, None  # unreadable: the format says why, in words
        return (None, None) if _too_deep(claims) else (JWT_VC_JSON, claims)
    return None, None


def looks_like_presentation(value: object) -> bool:
    return isinstance(value, dict) and bool(_VP_MEMBERS & set(value))


def read_answer(
    vp_token: object,
    submission: object,
    *,
    dcql_query: Mapping[str, Any] | None,
    presentation_definition: Mapping[str, Any] | None,
) -> Answer:
    token, problem = decode(vp_token, "vp_token")
    if problem:
        return Answer(problems=[problem])
    if token is None or token == "" or token == {} or token == []:
        return Answer(problems=["The answer carries no presentation (vp_token is empty)."])
    keyed = isinstance(token, dict) and not looks_like_presentation(token)
    if dcql_query is not None:
        if not keyed:
            answer = _unkeyed(token)
            answer.problems.insert(
                0,
                "The request asked in DCQL, which wants presentations keyed by query id; "
                "the answer is not.",
            )
            return answer
        assert isinstance(token, dict)
        return _dcql(token, dcql_query)
    if keyed:
        assert isinstance(token, dict)
        answer = _dcql(token, None)
        if presentation_definition is not None:
            answer.problems.insert(
                0, "The request used Presentation Exchange; the answer is keyed as for DCQL."
            )
        return answer
    answer = _unkeyed(token)
    if presentation_definition is not None:
        answer.problems += _submission_problems(answer, submission, presentation_definition)
    return answer


def _unkeyed(token: object) -> Answer:
    items = token if isinstance(token, list) else [token]
    answer = Answer()
    if len(items) > MAX_PRESENTATIONS:
        answer.problems.append(
            f"The answer holds {len(items)} presentations; credstack reads at most "
            f"{MAX_PRESENTATIONS}."
        )
        items = items[:MAX_PRESENTATIONS]
    for position, item in enumerate(items):
        _add(answer, item, None, f"Presentation {position + 1}")
    return answer


def _dcql(token: dict[str, Any], query: Mapping[str, Any] | None) -> Answer:
    answer = Answer()
    queries = _dcql_queries(query)
    for key, value in list(token.items())[: MAX_PRESENTATIONS + 1]:
        name = str(key)[:40]
        if query is not None and key not in queries:
            answer.problems.append(
                f"The answer includes {name!r}, which the request did not ask for."
            )
            continue
        if not isinstance(value, list) or not value:
            answer.problems.append(f"The answer to {name!r} is not a list of presentations.")
            continue
        wanted = queries.get(key, {})
        if len(value) > 1 and wanted.get("multiple") is not True:
            answer.problems.append(
                f"The answer to {name!r} has several presentations; one was asked."
            )
        for item in value:
            if len(answer.presentations) >= MAX_PRESENTATIONS:
                answer.problems.append(
                    f"The answer holds more than {MAX_PRESENTATIONS} presentations; "
                    "the rest were not read."
                )
                return answer
            presentation = _add(answer, item, key, f"The answer to {name!r}")
            asked = wanted.get("format")
            if presentation and isinstance(asked, str) and presentation.format != asked:
                answer.problems.append(
                    f"The answer to {name!r} is in {presentation.format}; the request asked "
                    f"for {asked[:20]}."
                )
    if query is not None:
        answered = {p.answers for p in answer.presentations}
        missing = _unmet_dcql(query, queries, answered)
        if missing:
            answer.problems.append(
                f"The answer has nothing for {', '.join(missing)}, which the request requires."
            )
    return answer


def _dcql_queries(query: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    credentials = query.get("credentials") if query else None
    return {
        item["id"]: item
        for item in (credentials if isinstance(credentials, list) else [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def _unmet_dcql(
    query: Mapping[str, Any], queries: dict[str, dict[str, Any]], answered: set[str | None]
) -> list[str]:
    """DCQL: without credential_sets every query is required; with them, each required set
    needs one option whose ids are all answered."""
    sets = query.get("credential_sets")
    if not isinstance(sets, list):
        return sorted(q for q in queries if q not in answered)
    missing: list[str] = []
    for item in sets:
        if not isinstance(item, dict) or item.get("required") is False:
            continue
        options = [o for o in item.get("options") or [] if isinstance(o, list)]
        if not any(all(i in answered for i in option) for option in options):
            missing.append(" or ".join("+".join(map(str, o)) for o in options) or "a set")
    return missing


def _submission_problems(
    answer: Answer, submission: object, definition: Mapping[str, Any]
) -> list[str]:
    decoded, problem = decode(submission, "presentation_submission")
    if problem:
        return [problem]
    if not isinstance(decoded, dict):
        return ["The answer has no presentation_submission saying which presentation answers what."]
    problems = []
    if decoded.get("definition_id") != definition.get("id"):
        problems.append("The presentation_submission answers another presentation definition.")
    descriptors = {
        d["id"]
        for d in definition.get("input_descriptors") or []
        if isinstance(d, dict) and isinstance(d.get("id"), str)
    }
    entries = decoded.get("descriptor_map")
    entries = entries if isinstance(entries, list) else []
    single = len(answer.presentations) == 1
    answered: set[str] = set()
    for entry in entries[:MAX_PRESENTATIONS]:
        if not isinstance(entry, dict) or entry.get("id") not in descriptors:
            problems.append(
                "The presentation_submission names an input the request did not ask for."
            )
            continue
        match = _PE_PATH.match(str(entry.get("path")))
        position = None if match is None else (0 if match.group(1) is None else int(match.group(1)))
        if (
            position is None
            or position >= len(answer.presentations)
            or (match is not None and match.group(1) is None and not single)
        ):
            problems.append(
                f"The presentation_submission points {str(entry.get('id'))[:40]!r} at a "
                "presentation the answer does not have."
            )
            continue
        answer.presentations[position].answers = str(entry["id"])
        answered.add(str(entry["id"]))
    missing = sorted(descriptors - answered)
    if missing:
        problems.append(
            f"The answer has nothing for {', '.join(missing)}, which the request requires."
        )
    return problems


def _add(answer: Answer, item: object, answers: str | None, label: str) -> Presentation | None:
    item, problem = decode(item, "presentation") if isinstance(item, str) else (item, None)
    kind, claims = read_format(item)
    if problem or kind is None or not isinstance(item, dict | str):
        answer.problems.append(f"{label} is neither a JSON presentation nor a JWT.")
        return None
    presentation = Presentation(item, kind, answers, claims)
    answer.presentations.append(presentation)
    return presentation


def _too_deep(value: object) -> bool:
    """Nesting beyond MAX_DEPTH, found without recursion (a hostile document cannot blow
    the stack here)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if depth > MAX_DEPTH or seen > 200_000:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False
