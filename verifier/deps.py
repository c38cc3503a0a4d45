"""FastAPI dependencies: the unit of work, settings, runtime and the signed-in employer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shared.runtime import RuntimeDep, SessionDep
from verifier.employers.auth import authenticate
from verifier.employers.service import Employer, require_operator
from verifier.requests.engine import CheckerFactory, ResponseChecker
from verifier.settings import VerifierSettings

__all__ = [
    "CheckerDep",
    "EmployerDep",
    "RuntimeDep",
    "SessionDep",
    "SettingsDep",
    "TrustOperatorDep",
]


# The dependencies are ``async def`` though they never wait: FastAPI runs a plain ``def``
# dependency in its thread pool, a thread hop (and its CPU) per request for each one.


async def get_settings(request: Request) -> VerifierSettings:
    settings: VerifierSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[VerifierSettings, Depends(get_settings)]


async def require_employer(request: Request, session: SessionDep) -> Employer:
    return await authenticate(session, request)


EmployerDep = Annotated[Employer, Depends(require_employer)]

CHANGE_TRUST_LIST = "change the trust list, which every organisation's results depend on"


async def require_trust_operator(employer: EmployerDep) -> Employer:
    require_operator(employer, CHANGE_TRUST_LIST)
    return employer


# An operator: the only kind of user who may change the node-wide trust list.
TrustOperatorDep = Annotated[Employer, Depends(require_trust_operator)]


async def get_checker(
    request: Request, session: SessionDep, runtime: RuntimeDep
) -> ResponseChecker:
    """The checks engine for this unit of work (tests build apps with a checker of their own)."""
    factory: CheckerFactory = request.app.state.checker_factory
    return factory(session, runtime)


CheckerDep = Annotated[ResponseChecker, Depends(get_checker)]
