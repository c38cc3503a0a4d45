"""Organisations, users and their API tokens.

A token is shown once, when it is made, and stored only as its SHA-256 hash
(shared.tokens): a database dump holds nothing anyone could sign in with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import new_id, utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.tokens import new_token, token_hash
from verifier.employers import repository
from verifier.models import ApiToken, Organisation, User

MEMBER, OPERATOR = "member", "operator"
ROLES = (MEMBER, OPERATOR)


@dataclass(frozen=True)
class Employer:
    """Who is asking: a user of one organisation. Everything they see and create is that
    organisation's; ``actor`` is what records name them by."""

    organisation_id: str
    organisation_slug: str
    organisation_name: str
    user_id: str
    user_name: str
    role: str = MEMBER

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"

    @property
    def is_operator(self) -> bool:
        """May change what every organisation of this node relies on (the trust list)."""
        return self.role == OPERATOR

    @classmethod
    def of(cls, user: User, organisation: Organisation) -> Employer:
        return cls(
            organisation_id=organisation.id,
            organisation_slug=organisation.slug,
            organisation_name=organisation.name,
            user_id=user.id,
            user_name=user.name,
            role=user.role if user.role in ROLES else MEMBER,
        )


def require_operator(employer: Employer, what: str) -> None:
    """Refuse a member: ``what`` says, in words, what only an operator may do."""
    if not employer.is_operator:
        raise Forbidden(
            f"Only an operator of this verifier may {what}; you may read it. "
            "Ask the person who runs this verifier to make the change."
        )


class Employers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create_organisation(self, slug: str, name: str) -> Organisation:
        if await repository.organisation_by_slug(self._session, slug) is not None:
            raise Conflict(f"An organisation with the short name {slug!r} exists already.")
        organisation = Organisation(id=new_id(), slug=slug, name=name, created_at=utcnow())
        self._session.add(organisation)
        await self._session.flush()
        return organisation

    async def find_organisation(self, slug: str) -> Organisation | None:
        return await repository.organisation_by_slug(self._session, slug)

    async def organisation(self, slug: str) -> Organisation:
        organisation = await self.find_organisation(slug)
        if organisation is None:
            raise NotFound(f"There is no organisation {slug!r}.")
        return organisation

    async def count(self) -> int:
        return await repository.organisation_count(self._session)

    async def add_user(
        self,
        organisation: Organisation,
        name: str,
        email: str | None = None,
        *,
        role: str = MEMBER,
    ) -> User:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        user = User(
            id=new_id(),
            organisation_id=organisation.id,
            name=name,
            email=email,
            created_at=utcnow(),
            role=role,
        )
        self._session.add(user)
        await self._session.flush()
        return user

    async def set_role(self, user_id: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        await repository.set_role(self._session, user_id, role)

    async def create_token(self, user: User, name: str) -> str:
        """A new token for ``user``, returned in clear: the only time anyone sees it."""
        token = new_token()
        self._session.add(
            ApiToken(
                id=new_id(),
                user_id=user.id,
                name=name,
                token_hash=token_hash(token),
                created_at=utcnow(),
            )
        )
        await self._session.flush()
        return token

    async def employer_for_token(self, token: str) -> Employer | None:
        found = await repository.user_and_organisation_for_token(self._session, token_hash(token))
        return None if found is None else Employer.of(*found)
