"""What a request's validation errors say, in words a person can act on.

pydantic describes a refusal in its own terms ("Input should be a valid dictionary or
instance of LocalizedText", "Tuple should have at least 1 item after validation, not 0").
This turns one of its error records into a sentence about the field, by the error's type;
a custom check's own message (our validators raise ValueError with a sentence) is kept as
it is, without pydantic's "Value error, " prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Context = Mapping[str, Any]


def _number(value: object) -> str:
    """``60`` for 60.0: limits as people write them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choices(context: Context) -> str:
    expected = str(context.get("expected", "")).replace("'", "")
    return f"must be one of: {expected}" if expected else "must be one of the allowed values"


_SENTENCES: dict[str, Callable[[Context], str]] = {
    "missing": lambda _: "is required",
    "extra_forbidden": lambda _: "is not a field this accepts; remove it",
    "string_type": lambda _: "must be text",
    "string_too_short": lambda c: f"needs at least {c.get('min_length')} characters",
    "string_too_long": lambda c: f"may have at most {c.get('max_length')} characters",
    "string_pattern_mismatch": lambda _: "is not in the expected form",
    "too_short": lambda c: f"needs at least {c.get('min_length')} item(s)",
    "too_long": lambda c: f"may have at most {c.get('max_length')} item(s)",
    "literal_error": _choices,
    "enum": _choices,
    "int_type": lambda _: "must be a whole number",
    "int_parsing": lambda _: "must be a whole number",
    "int_from_float": lambda _: "must be a whole number",
    "float_type": lambda _: "must be a number",
    "float_parsing": lambda _: "must be a number",
    "decimal_type": lambda _: "must be a number",
    "decimal_parsing": lambda _: "must be a number",
    "bool_type": lambda _: "must be true or false",
    "bool_parsing": lambda _: "must be true or false",
    "greater_than": lambda c: f"must be more than {_number(c.get('gt'))}",
    "greater_than_equal": lambda c: f"must be {_number(c.get('ge'))} or more",
    "less_than": lambda c: f"must be less than {_number(c.get('lt'))}",
    "less_than_equal": lambda c: f"must be {_number(c.get('le'))} or less",
    "date_type": lambda _: "must be a date such as 2025-03-01",
    "date_parsing": lambda _: "must be a date such as 2025-03-01",
    "date_from_datetime_parsing": lambda _: "must be a date such as 2025-03-01",
    "datetime_type": lambda _: "must be a date and time such as 2025-03-01T09:00:00Z",
    "datetime_parsing": lambda _: "must be a date and time such as 2025-03-01T09:00:00Z",
    "datetime_from_date_parsing": lambda _: "must be a date and time such as 2025-03-01T09:00:00Z",
    "url_type": lambda _: "must be a web address",
    "url_parsing": lambda _: "must be a web address such as https://example.org",
    "url_scheme": lambda _: "must be a web address starting with https://",
    "json_invalid": lambda _: "is not valid JSON",
    "json_type": lambda _: "must be JSON text",
    "dict_type": lambda _: "must be an object of named values",
    "model_type": lambda _: "must be an object of named values",
    "model_attributes_type": lambda _: "must be an object of named values",
    "list_type": lambda _: "must be a list",
    "tuple_type": lambda _: "must be a list",
    "set_type": lambda _: "must be a list",
    "union_tag_invalid": lambda _: "is not one of the accepted kinds",
    "union_tag_not_found": lambda _: "does not say which kind it is",
    "uuid_parsing": lambda _: "is not an identifier of the expected form",
}


def field_name(location: Sequence[Any]) -> str:
    """``["body", "title", "de"]`` → ``title (de)``; list positions count from 1."""
    parts = [part for part in location if part not in ("body", "query", "path", "header")]
    if not parts:
        return "the request"
    head, *rest = parts
    named = str(head)
    for part in rest:
        named += f" (item {part + 1})" if isinstance(part, int) else f" ({part})"
    return named


def sentence(error: Mapping[str, Any]) -> str:
    """One validation error as ``field: what is wrong``."""
    where = field_name(error.get("loc", ()))
    kind = str(error.get("type", ""))
    if kind == "value_error" or kind.startswith("assertion"):
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        message = message.removeprefix("Assertion failed, ")
        return f"{where}: {message}"
    describe = _SENTENCES.get(kind)
    what = describe(error.get("ctx") or {}) if describe else "is not a value this accepts"
    return f"{where} {what}."
