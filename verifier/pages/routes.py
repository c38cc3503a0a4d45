"""Every verifier page, as one router for ``create_app``."""

from __future__ import annotations

from fastapi import APIRouter

from verifier.pages import auth, done, requests, trust, verify, webhooks

router = APIRouter(include_in_schema=False)
for pages in (auth, requests, trust, webhooks, verify, done):
    router.include_router(pages.router)
