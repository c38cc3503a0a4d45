"""Templates: named kinds of request ("any micro-credential from a trusted university").

The built-in ones are data (verifier/templates.json) and every organisation sees them; an
organisation adds its own, which only it sees. A name is unique among both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import new_id, utcnow
from shared.errors import Conflict, NotFound
from verifier.checks.constraints import Constraints
from verifier.employers.service import Employer
from verifier.models import Template
from verifier.requests import repository

TEMPLATES_FILE = "templates.json"


@dataclass(frozen=True)
class TemplateView:
    name: str
    title: str
    constraints: Constraints
    builtin: bool


@cache
def _builtin_data() -> tuple[tuple[str, str, str], ...]:
    text = resources.files("verifier").joinpath(TEMPLATES_FILE).read_text("utf-8")
    return tuple(
        (item["name"], item["title"], json.dumps(item["constraints"])) for item in json.loads(text)
    )


def builtin_templates() -> list[TemplateView]:
    return [
        TemplateView(name, title, Constraints.model_validate_json(constraints), builtin=True)
        for name, title, constraints in _builtin_data()
    ]


class Templates:
    """One organisation's templates (the built-in ones included)."""

    def __init__(self, session: AsyncSession, employer: Employer) -> None:
        self._session = session
        self._employer = employer

    async def all(self) -> list[TemplateView]:
        own = await repository.templates(self._session, self._employer.organisation_id)
        return builtin_templates() + [_view(template) for template in own]

    async def get(self, name: str) -> TemplateView:
        for template in builtin_templates():
            if template.name == name:
                return template
        found = await repository.template(self._session, self._employer.organisation_id, name)
        if found is None:
            raise NotFound(f"There is no template named {name!r}.")
        return _view(found)

    async def create(self, name: str, title: str, constraints: Constraints) -> TemplateView:
        taken = any(t.name == name for t in builtin_templates()) or await repository.template(
            self._session, self._employer.organisation_id, name
        )
        if taken:
            raise _taken(name)
        template = Template(
            id=new_id(),
            organisation_id=self._employer.organisation_id,
            name=name,
            title=title,
            constraints=constraints.model_dump(mode="json"),
            created_at=utcnow(),
            created_by=self._employer.actor,
        )
        try:
            # A savepoint: a name taken by a concurrent request (the unique key) is a
            # Conflict, and the caller's unit of work stays usable.
            async with self._session.begin_nested():
                self._session.add(template)
        except IntegrityError:
            raise _taken(name) from None
        return _view(template)


def _taken(name: str) -> Conflict:
    return Conflict(f"A template named {name!r} exists already; choose another name.")


def _view(template: Template) -> TemplateView:
    return TemplateView(
        name=template.name,
        title=template.title,
        constraints=Constraints.model_validate(template.constraints),
        builtin=False,
    )
