"""The sign-up rate limit per client address (``shared.rate_limits``): each account costs a
key pair and a row, and a script making thousands of them should be slowed down on every
replica alike."""

from __future__ import annotations

from fastapi import Depends

from holder.models import RateLimitCounter
from shared.rate_limits import rate_limit

SIGNUP_LIMITS = [
    Depends(
        rate_limit(RateLimitCounter, "signup/address", lambda s: s.rate_limit_signup_per_address)
    )
]
