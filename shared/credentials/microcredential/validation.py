"""Loading awards and catalogue entries, with errors that name the EU element at fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shared.credentials.microcredential.elements import ElementValueError, element_at
from shared.credentials.microcredential.model import Award, CatalogueEntry
from shared.errors import InvalidInput


@dataclass(frozen=True)
class Problem:
    element: str | None  # the Annex I element's label, when the field belongs to one
    field: str  # dotted path in the award, e.g. "entry.eqf_level"
    message: str

    def __str__(self) -> str:
        where = f"{self.element} ({self.field})" if self.element else self.field
        return f"{where}: {self.message}"


class InvalidMicroCredential(InvalidInput):
    """An award or catalogue entry that is incomplete or out of range."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems

    @property
    def elements(self) -> list[str]:
        """The labels of the EU elements at fault, in order, without repeats."""
        return list(dict.fromkeys(p.element for p in self.problems if p.element))

    def to_dict(self) -> dict[str, Any]:
        """The JSON error plus each problem on its own, so a form can mark every field."""
        return {
            **super().to_dict(),
            "problems": [
                {"field": p.field, "element": p.element, "message": p.message}
                for p in self.problems
            ],
        }


def load_award(data: Mapping[str, Any]) -> Award:
    """An Award from its JSON form; refuses it with InvalidMicroCredential."""
    try:
        return Award.model_validate(data)
    except ValidationError as exc:
        raise InvalidMicroCredential(problems_of(exc)) from exc


def load_catalogue_entry(data: Mapping[str, Any]) -> CatalogueEntry:
    try:
        return CatalogueEntry.model_validate(data)
    except ValidationError as exc:
        raise InvalidMicroCredential(problems_of(exc, prefix=("entry",))) from exc


def problems_of(exc: ValidationError, *, prefix: tuple[str, ...] = ()) -> list[Problem]:
    """Pydantic's errors, each placed on its EU element (paths are reported without prefix)."""
    return [_problem(error, prefix) for error in exc.errors()]


def _problem(error: ErrorDetails, prefix: tuple[str, ...]) -> Problem:
    loc = tuple(str(part) for part in error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    found = cause.element if isinstance(cause, ElementValueError) else element_at(prefix + loc)
    if error["type"] == "missing":
        message = "missing"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return Problem(found.label if found else None, ".".join(loc) or "(award)", message)
