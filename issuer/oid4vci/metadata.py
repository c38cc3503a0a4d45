"""Credential issuer metadata (OpenID4VCI 1.0 §12.2) and authorization server metadata (RFC 8414).

The issuer identifier is the node's base URL with no path, so the 1.0 well-known URL
(inserted after the host) and the draft-13 one (appended) are the same URL. Each
configuration carries the 1.0 ``credential_metadata`` (some clients, e.g.
``@openid4vc/openid4vci``, only treat metadata as 1.0 when it is there: interop note 3)
and, where draft 13 put the same facts elsewhere, those members too (``display`` and
``credential_definition.credentialSubject``); 1.0 wallets ignore members they do not know.

Each micro-credential of the catalogue has configurations of its own (one per format) whose
display ``name`` is the course title in each of its languages and whose ``description``
says its workload, EQF level and awarding organisation: the standard place where any wallet
looks before the learner accepts. They are lean (display only, no claims: those are the
format's, published once on the catalogue-wide configurations) to keep the document small
with hundreds of courses. Everything here is a pure function of its arguments, so the
endpoint can cache the document until the catalogue changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from issuer.catalogue.service import CatalogueItem
from issuer.oid4vci.configurations import (
    BINDING_METHODS,
    CONFIGURATIONS,
    PRE_AUTHORIZED_GRANT,
    PROOF_SIGNING_ALGS,
    PROOF_TYPE_JWT,
    Configuration,
    achievement_configuration_id,
)
from issuer.settings import IssuerSettings
from shared.credentials.microcredential.i18n import LocalizedText

# Every display list offers at least these; more come from the organisations' names.
DISPLAY_LANGUAGES = ("en", "de")

TOKEN_PATH = "/token"  # noqa: S105 (a path)
NONCE_PATH = "/nonce"
CREDENTIAL_PATH = "/credential"
NOTIFICATION_PATH = "/notification"

_CREDENTIAL_DISPLAY = {
    "en": {
        "name": "EU micro-credential",
        "description": "A micro-credential as defined by the Council Recommendation of "
        "16 June 2022, issued as an Open Badges 3.0 achievement credential.",
    },
    "de": {
        "name": "EU-Microcredential",
        "description": "Ein Microcredential im Sinne der Empfehlung des Rates vom "
        "16. Juni 2022, ausgestellt als Open-Badges-3.0-Nachweis.",
    },
}


@dataclass(frozen=True)
class Claim:
    path: tuple[str | None, ...]
    names: dict[str, str]
    mandatory: bool = False


# What a wallet shows of a micro-credential; paths into the credential as built by
# shared.credentials.microcredential.build (None walks every element of an array).
CLAIMS = (
    Claim(("credentialSubject", "achievement", "name"), {"en": "Title", "de": "Titel"}, True),
    Claim(
        ("credentialSubject", "achievement", "description"),
        {"en": "Description", "de": "Beschreibung"},
        True,
    ),
    Claim(("issuer", "name"), {"en": "Awarded by", "de": "Vergeben von"}, True),
    Claim(("issuanceDate",), {"en": "Awarded on", "de": "Vergeben am"}, True),
    Claim(
        ("credentialSubject", "achievement", "ectsCredits"),
        {"en": "ECTS credits", "de": "ECTS-Punkte"},
    ),
    Claim(
        ("credentialSubject", "achievement", "workloadHours"),
        {"en": "Workload (hours)", "de": "Arbeitsaufwand (Stunden)"},
    ),
    Claim(
        ("credentialSubject", "achievement", "learningOutcome", None, "name"),
        {"en": "Learning outcomes", "de": "Lernergebnisse"},
    ),
    Claim(("credentialSubject", "result", None, "value"), {"en": "Grade", "de": "Note"}),
    Claim(("credentialSubject", "activityStartDate"), {"en": "Started on", "de": "Begonnen am"}),
    Claim(("credentialSubject", "activityEndDate"), {"en": "Ended on", "de": "Beendet am"}),
)


# How a course's display description words its workload and level, per language; other
# languages get the English words (numbers and "ECTS" read the same everywhere).
_COURSE_WORDS = {
    "en": {"level": "EQF level {level}", "hours": "{hours} hours", "by": "awarded by {name}"},
    "de": {"level": "EQR-Niveau {level}", "hours": "{hours} Stunden", "by": "vergeben von {name}"},
    "fr": {"level": "niveau CEC {level}", "hours": "{hours} heures", "by": "délivré par {name}"},
    "es": {"level": "nivel MEC {level}", "hours": "{hours} horas", "by": "otorgado por {name}"},
    "it": {"level": "livello EQF {level}", "hours": "{hours} ore", "by": "rilasciato da {name}"},
    "nl": {"level": "EQF-niveau {level}", "hours": "{hours} uur", "by": "uitgereikt door {name}"},
    "pl": {"level": "poziom ERK {level}", "hours": "{hours} godz.", "by": "wydane przez {name}"},
}


@dataclass(frozen=True)
class Course:
    """What a per-achievement configuration says of one catalogue entry."""

    achievement_id: str
    title: LocalizedText
    organisation: LocalizedText
    eqf_level: int
    ects: Decimal | None = None
    workload_hours: Decimal | None = None


def credential_issuer_metadata(
    settings: IssuerSettings,
    organisation_names: Iterable[LocalizedText],
    courses: Iterable[Course] = (),
) -> dict[str, Any]:
    base = settings.base_url
    supported = {
        configuration.id: configuration_metadata(configuration)
        for configuration in CONFIGURATIONS.values()
    }
    for course in courses:
        display = course_display(course)
        for configuration in CONFIGURATIONS.values():
            identifier = achievement_configuration_id(configuration.id, course.achievement_id)
            supported[identifier] = course_configuration_metadata(configuration, display)
    return {
        "credential_issuer": base,
        "credential_endpoint": base + CREDENTIAL_PATH,
        "nonce_endpoint": base + NONCE_PATH,
        "notification_endpoint": base + NOTIFICATION_PATH,
        "display": issuer_display(settings.display_name, list(organisation_names)),
        "credential_configurations_supported": supported,
    }


def authorization_server_metadata(settings: IssuerSettings) -> dict[str, Any]:
    return {
        "issuer": settings.base_url,
        "token_endpoint": settings.base_url + TOKEN_PATH,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        # Learners' wallets are not registered clients: the pre-authorized code is the grant.
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
    }


def issuer_display(
    display_name: str, organisation_names: list[LocalizedText]
) -> list[dict[str, str]]:
    """The node's name with the organisations it issues for, in every language we know."""
    languages = list(DISPLAY_LANGUAGES)
    for name in organisation_names:
        languages += [language for language in name.languages() if language not in languages]
    entries = []
    for language in languages:
        names = [name.get(language) or name.text for name in organisation_names]
        label = f"{display_name}: {', '.join(names)}" if names else display_name
        entries.append({"name": label, "locale": language})
    return entries


def course_display(course: Course) -> list[dict[str, str]]:
    """``credential_metadata.display`` for one course: its title as the name, in each of its
    languages, and "6 ECTS · EQF level 6 · awarded by …" as the description."""
    entries = []
    for language, title in course.title.texts().items():
        words = _COURSE_WORDS.get(language.split("-")[0].lower(), _COURSE_WORDS["en"])
        parts = []
        if course.ects is not None:
            parts.append(f"{_number(course.ects)} ECTS")
        elif course.workload_hours is not None:
            parts.append(words["hours"].format(hours=_number(course.workload_hours)))
        parts.append(words["level"].format(level=course.eqf_level))
        organisation = course.organisation.get(language) or course.organisation.text
        parts.append(words["by"].format(name=organisation))
        entries.append({"name": title, "locale": language, "description": " · ".join(parts)})
    return entries


def _number(value: Decimal) -> str:
    """6.00 → "6", 2.50 → "2.5"."""
    return format(value.normalize(), "f")


def catalogue_courses(
    items: Iterable[CatalogueItem], organisation_names: Mapping[str, LocalizedText]
) -> list[Course]:
    """The courses of the catalogue (retired ones too: their offers may still be open)."""
    courses = []
    for item in items:
        entry = item.entry
        courses.append(
            Course(
                achievement_id=item.achievement.id,
                title=entry.title,
                organisation=organisation_names[item.achievement.organisation_id],
                eqf_level=entry.eqf_level,
                ects=entry.ects,
                workload_hours=entry.workload_hours,
            )
        )
    return courses


def course_configuration_metadata(
    configuration: Configuration, display: list[dict[str, str]]
) -> dict[str, Any]:
    """The format's configuration with the course's display (1.0 and draft 13 places)."""
    return {
        **_issuance_members(configuration),
        "credential_definition": configuration.credential_definition(),
        "credential_metadata": {"display": display},
        "display": display,  # draft 13
    }


def _issuance_members(configuration: Configuration) -> dict[str, Any]:
    return {
        "format": configuration.format,
        "cryptographic_binding_methods_supported": list(BINDING_METHODS),
        "credential_signing_alg_values_supported": list(configuration.signing_algs),
        "proof_types_supported": {
            PROOF_TYPE_JWT: {"proof_signing_alg_values_supported": list(PROOF_SIGNING_ALGS)}
        },
    }


def configuration_metadata(configuration: Configuration) -> dict[str, Any]:
    display = [{"locale": language, **texts} for language, texts in _CREDENTIAL_DISPLAY.items()]
    return {
        **_issuance_members(configuration),
        "credential_definition": {
            **configuration.credential_definition(),
            "credentialSubject": _draft13_subject_claims(),  # draft 13
        },
        "credential_metadata": {"display": display, "claims": [_claim(c) for c in CLAIMS]},
        "display": display,  # draft 13
    }


def _claim(claim: Claim) -> dict[str, Any]:
    return {
        "path": list(claim.path),
        "mandatory": claim.mandatory,
        "display": [{"name": name, "locale": locale} for locale, name in claim.names.items()],
    }


def _draft13_subject_claims() -> dict[str, Any]:
    """Draft 13 nests claim display under ``credentialSubject`` by member name; array steps
    (None in a 1.0 path) have no place there and are skipped."""
    tree: dict[str, Any] = {}
    for claim in CLAIMS:
        if claim.path[0] != "credentialSubject":
            continue
        steps = [step for step in claim.path[1:] if step is not None]
        node = tree
        for step in steps[:-1]:
            node = node.setdefault(step, {})
        node[steps[-1]] = {
            "mandatory": claim.mandatory,
            "display": [{"name": name, "locale": locale} for locale, name in claim.names.items()],
        }
    return tree
