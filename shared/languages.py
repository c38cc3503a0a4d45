"""The languages credstack speaks to people in: the wallet's screens and the issuer's e-mails
to learners (credstack's alliances span these). Each is named in itself, for a chooser; the
source language, English, first."""

from __future__ import annotations

LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pl": "Polski",
}
