"""DIF Presentation Exchange 2.0, as draft-era OpenID4VP requests use it (drafts up to 25).

Supported: ``presentation_definition`` with ``id``, ``name``, ``purpose``, ``format`` and
``input_descriptors`` (``id``, ``name``, ``purpose``, ``format``, ``constraints.fields``
with ``path``, ``filter``, ``optional``, and ``constraints.limit_disclosure``). Every input
descriptor must be answered. Refused as unsupported: ``submission_requirements``. A
descriptor with ``limit_disclosure: required`` matches nothing, because ``ldp_vc`` and
``jwt_vc_json`` credentials can only be disclosed whole.

A field matches when one of its paths selects a value that passes its filter (PE 2.0
§ Input Evaluation). Paths are the safe JSONPath subset of jsonpath.py; for a VC-JWT they
are tried against the JWT payload (``$.vc.type``) and against the credential itself
(``$.type``), since verifiers write both. Filters are JSON Schema draft 7, bounded
(security checklist C.7): at most 8 KiB, no ``$ref``, each ``pattern`` at most 200
characters without nested or alternating quantified groups (the shapes that backtrack
exponentially), and matched against strings of at most 4096 characters. ``format``
entries name the format family only; their proof types and algorithms are left to the
verifier to judge.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators
from jsonschema.exceptions import SchemaError

from holder.i18n import _, any_of
from holder.share.jsonpath import JsonPath, compile_path
from holder.share.matching import FORMAT_FAMILIES, JWT_VC_JSON, LDP_VC, Candidate
from shared.errors import InvalidInput

MAX_DESCRIPTORS = 20
MAX_FIELDS = 50
MAX_PATHS = 10
MAX_FILTER_CHARS = 8 * 1024
MAX_PATTERN_CHARS = 200
MAX_PATTERN_SUBJECT_CHARS = 4096

# The presentation format each wallet format travels in, and its VP path for the submission.
VP_FORMATS = {LDP_VC: "ldp_vp", JWT_VC_JSON: "jwt_vp_json"}

# A quantified group whose body holds a quantifier or an alternation: (a+)+, (a|ab)*.
_DANGEROUS_PATTERN = re.compile(r"\((?:[^()\\]|\\.)*(?:[*+?}|])(?:[^()\\]|\\.)*\)\s*[*+?{]")


def _invalid(description: str) -> InvalidInput:
    return InvalidInput(f"The presentation definition is not valid: {description}")


def _bounded_pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    if len(instance) > MAX_PATTERN_SUBJECT_CHARS or not re.search(pattern, instance):
        yield ValidationError(f"{instance[:40]!r} does not match {pattern!r}")


_FilterValidator = validators.extend(Draft7Validator, {"pattern": _bounded_pattern})


@dataclass(frozen=True)
class Field:
    paths: tuple[JsonPath, ...]
    filter: Mapping[str, Any] | None
    optional: bool
    validator: Any = field(compare=False, repr=False, default=None)

    def matches(self, documents: Sequence[Any]) -> bool:
        for path in self.paths:
            for document in documents:
                for value in path.values(document):
                    if self.validator is None or self.validator.is_valid(value):
                        return True
        return False

    def describe(self) -> str:
        text = self.paths[0].text
        if self.filter is not None:
            text += f" {_describe_filter(self.filter)}"
        return _("%(field)s (optional)", field=text) if self.optional else text


def _describe_filter(schema: Mapping[str, Any]) -> str:
    if "const" in schema:
        return f"= {schema['const']}"
    if isinstance(schema.get("enum"), list):
        return _("one of: %(options)s", options=any_of(schema["enum"]))
    contains = schema.get("contains")
    if isinstance(contains, Mapping) and "const" in contains:
        return _("includes %(value)s", value=contains["const"])
    if "pattern" in schema:
        return f"matching {schema['pattern']}"
    for bound, word in (("minimum", "at least"), ("exclusiveMinimum", "more than")):
        if bound in schema:
            return f"{word} {schema[bound]}"
    return "meeting the verifier's rule"


@dataclass(frozen=True)
class InputDescriptor:
    id: str
    name: str | None
    purpose: str | None
    formats: frozenset[str] | None
    fields: tuple[Field, ...]
    limit_disclosure: str | None

    multiple = False

    def matches(self, candidate: Candidate) -> bool:
        if self.formats is not None and not (
            FORMAT_FAMILIES.get(candidate.format, frozenset()) & self.formats
        ):
            return False
        if self.limit_disclosure == "required":
            return False
        documents: list[Any] = [candidate.credential]
        if candidate.jwt_claims is not None:
            documents.insert(0, candidate.jwt_claims)
        return all(f.matches(documents) for f in self.fields if not f.optional)

    def asks_for(self) -> list[str]:
        asked = []
        if self.formats:
            asked.append(_("format %(format)s", format=any_of(sorted(self.formats))))
        asked.extend(f.describe() for f in self.fields)
        return asked or [_("any credential")]


@dataclass(frozen=True)
class PresentationDefinition:
    id: str
    descriptors: tuple[InputDescriptor, ...]

    @property
    def queries(self) -> Sequence[InputDescriptor]:
        return self.descriptors

    def is_required(self, query_id: str) -> bool:
        return True

    def unmet(self, answered: set[str]) -> list[str]:
        return [
            _("%(query)r needs a credential.", query=d.id)
            for d in self.descriptors
            if d.id not in answered
        ]


def parse_definition(definition: Mapping[str, Any]) -> PresentationDefinition:
    definition_id = definition.get("id")
    descriptors = definition.get("input_descriptors")
    if not isinstance(definition_id, str) or not definition_id:
        raise _invalid("it has no id.")
    if "submission_requirements" in definition:
        raise InvalidInput(
            _(
                "This wallet does not support submission_requirements in a presentation "
                "definition yet."
            )
        )
    if not isinstance(descriptors, list) or not descriptors:
        raise _invalid("input_descriptors must be a non-empty array.")
    if len(descriptors) > MAX_DESCRIPTORS:
        raise _invalid(f"more than {MAX_DESCRIPTORS} input descriptors.")
    formats = _formats(definition.get("format"))
    name, purpose = _text(definition.get("name")), _text(definition.get("purpose"))
    parsed = tuple(_descriptor(item, formats, name, purpose) for item in descriptors)
    ids = [descriptor.id for descriptor in parsed]
    if len(set(ids)) != len(ids):
        raise _invalid("input descriptor ids must be unique.")
    return PresentationDefinition(definition_id, parsed)


def _descriptor(
    item: Any, formats: frozenset[str] | None, name: str | None, purpose: str | None
) -> InputDescriptor:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise _invalid("each input descriptor is an object with an id.")
    constraints = item.get("constraints")
    if not isinstance(constraints, dict):
        raise _invalid(f"input descriptor {item['id']!r} has no constraints.")
    fields = constraints.get("fields", [])
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise _invalid(f"{item['id']!r}: fields must be an array (at most {MAX_FIELDS}).")
    limit = constraints.get("limit_disclosure")
    return InputDescriptor(
        id=item["id"],
        name=_text(item.get("name")) or name,
        purpose=_text(item.get("purpose")) or purpose,
        formats=_formats(item.get("format")) or formats,
        fields=tuple(_field(item["id"], entry) for entry in fields),
        limit_disclosure=limit if isinstance(limit, str) else None,
    )


def _field(descriptor_id: str, entry: Any) -> Field:
    if not isinstance(entry, dict):
        raise _invalid(f"{descriptor_id!r}: each field is an object.")
    paths = entry.get("path")
    if not isinstance(paths, list) or not paths or len(paths) > MAX_PATHS:
        raise _invalid(f"{descriptor_id!r}: a field's path is a non-empty array of JSONPaths.")
    schema = entry.get("filter")
    validator = None
    if schema is not None:
        _check_filter(descriptor_id, schema)
        validator = _FilterValidator(schema)
    optional = entry.get("optional", False)
    return Field(
        paths=tuple(compile_path(path) for path in paths),
        filter=schema,
        optional=optional is True,
        validator=validator,
    )


def _check_filter(descriptor_id: str, schema: Any) -> None:
    if not isinstance(schema, dict) or len(json.dumps(schema)) > MAX_FILTER_CHARS:
        raise _invalid(f"{descriptor_id!r}: a filter is a JSON Schema of at most 8 KiB.")
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        raise _invalid(f"{descriptor_id!r}: the filter is not JSON Schema: {exc.message}") from None
    for key, value in _members(schema):
        if key == "$ref":
            raise _invalid(f"{descriptor_id!r}: filters may not use $ref.")
        if (
            key == "pattern"
            and isinstance(value, str)
            and (len(value) > MAX_PATTERN_CHARS or _DANGEROUS_PATTERN.search(value))
        ):
            raise _invalid(f"{descriptor_id!r}: the filter pattern {value[:40]!r} is refused.")


def _members(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair anywhere in a JSON document."""
    if isinstance(value, dict):
        for key, member in value.items():
            yield key, member
            yield from _members(member)
    elif isinstance(value, list):
        for item in value:
            yield from _members(item)


def _formats(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise _invalid("format must be an object naming formats.")
    return frozenset(value)


def _text(value: Any) -> str | None:
    return (value.strip()[:500] or None) if isinstance(value, str) else None
