"""What the accounts API takes and gives: never a password hash, never key material."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from holder.accounts.service import SignUp
from holder.models import Learner
from shared.credentials.microcredential.i18n import LanguageTag


class SignUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    display_name: str = Field(default="", max_length=200)
    language: LanguageTag = "en"

    def to_sign_up(self) -> SignUp:
        return SignUp(self.email, self.password, self.display_name, self.language)


class LogInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class SessionOut(BaseModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)
    expires_in: int  # seconds


class MeOut(BaseModel):
    """The learner's own account: who they are and the DID their credentials are bound to."""

    email: str
    display_name: str
    language: str
    did: str

    @classmethod
    def of(cls, learner: Learner) -> MeOut:
        return cls(
            email=learner.email,
            display_name=learner.display_name,
            language=learner.language,
            did=learner.did,
        )
