"""A refused request body is described in words, never in the validation library's own."""

from __future__ import annotations

from typing import Literal

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, Field, ValidationError, field_validator

from shared.validation_words import sentence
from shared.web import install_error_handlers

LIBRARY_WORDS = ("Input should", "Field required", "validation", "Value error", "instance of")


class Inner(BaseModel):
    language: str = Field(min_length=2, max_length=5)


class Body(BaseModel):
    scheme: Literal["decentralized_identifier", "redirect_uri"]
    ects: float = Field(ge=0, le=60)
    names: list[Inner] = Field(min_length=1)
    purpose: str

    @field_validator("purpose")
    @classmethod
    def _words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Say in a few words why you ask.")
        return value


def _errors(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(data)
    return [sentence(error) for error in caught.value.errors()]


def test_each_kind_of_refusal_is_a_sentence_about_its_field() -> None:
    found = _errors(
        {"scheme": "x509", "ects": 90, "names": [{"language": "e"}, {}], "purpose": " "}
    )
    assert found == [
        "scheme must be one of: decentralized_identifier or redirect_uri.",
        "ects must be 60 or less.",
        "names (item 1) (language) needs at least 2 characters.",
        "names (item 2) (language) is required.",
        "purpose: Say in a few words why you ask.",
    ]
    assert _errors({"scheme": "redirect_uri", "ects": "many", "names": [], "purpose": "x"}) == [
        "ects must be a number.",
        "names needs at least 1 item(s).",
    ]


async def test_an_api_answers_a_bad_body_in_words() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/api/v1/things")
    async def things(body: Body) -> dict[str, str]:
        return {"scheme": body.scheme}

    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        for content in ('{"scheme": 3}', "{not json", "[[[]]]"):
            answer = await client.post(
                "/api/v1/things", content=content, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 400, answer.text
            described = answer.json()["error_description"]
            assert answer.json()["error"] == "invalid_request"
            assert described
            for words in LIBRARY_WORDS:
                assert words not in described, described
