"""Coded values of the EU elements (participation, supervision, integration) and their IRIs.

The members are code, because the model validates against them; their IRIs and labels are
data (``data/vocabulary.json``), because they come from vocabularies we do not own.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Self


@cache
def vocabulary() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", "vocabulary.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class _Coded(StrEnum):
    """A value whose IRI and English label are in the vocabulary file under ``_section``."""

    @classmethod
    def _section(cls) -> str:
        raise NotImplementedError

    @property
    def iri(self) -> str:
        return str(vocabulary()[self._section()][self.value]["iri"])

    @property
    def label(self) -> str:
        return str(vocabulary()[self._section()][self.value]["label"])

    @classmethod
    def from_iri(cls, iri: str) -> Self | None:
        for member in cls:
            if member.iri == iri:
                return member
        return None


class ParticipationMode(_Coded):
    """Form of participation in the learning activity."""

    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"

    @classmethod
    def _section(cls) -> str:
        return "participation"


class Supervision(_Coded):
    """Supervision and identity verification during assessment (Annex I values)."""

    UNSUPERVISED_NO_ID_VERIFICATION = "unsupervised_no_id_verification"
    SUPERVISED_NO_ID_VERIFICATION = "supervised_no_id_verification"
    SUPERVISED_WITH_ID_VERIFICATION = "supervised_with_id_verification"

    @classmethod
    def _section(cls) -> str:
        return "supervision"


class IntegrationOption(_Coded):
    """Stand-alone micro-credential, or integrated (stackable towards another credential)."""

    STAND_ALONE = "stand_alone"
    INTEGRATED = "integrated"

    @classmethod
    def _section(cls) -> str:
        return "integration"


def vocabulary_iri() -> str:
    return str(vocabulary()["vocabulary"])


def eqf_iri(level: int) -> str:
    return f"{vocabulary()['eqf']['iri_prefix']}{level}"


def eqf_level_from_iri(iri: str) -> int | None:
    prefix = str(vocabulary()["eqf"]["iri_prefix"])
    if iri.startswith(prefix) and iri[len(prefix) :].isdigit():
        return int(iri[len(prefix) :])
    return None


def eqf_framework() -> str:
    return str(vocabulary()["eqf"]["framework"])


def esco_skill_prefix() -> str:
    return str(vocabulary()["esco"]["skill_prefix"])


def esco_framework() -> str:
    return str(vocabulary()["esco"]["framework"])


def nqf_target_type() -> str:
    return str(vocabulary()["nqf"]["target_type"])


def ob_result_types() -> frozenset[str]:
    return frozenset(vocabulary()["ob_result_types"])


def ob_identity_types() -> frozenset[str]:
    return frozenset(vocabulary()["ob_identity_types"])
