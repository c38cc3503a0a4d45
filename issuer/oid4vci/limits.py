"""Rate limits of the token, nonce and credential endpoints (``shared.rate_limits``).

Per client address on all three; on the token endpoint also per offer, so that guesses at
an offer's tx_code spread over many addresses are still slowed down (the attempt limit of
``tx_code_max_failures`` then ends them). The offer is the one an authentic, fresh
pre-authorized code names: a forged code names nothing and counts against its sender's
address only, so no one can use up another learner's offer.
"""

from __future__ import annotations

from fastapi import Depends, Request

from issuer.models import RateLimitCounter
from issuer.oid4vci.codes import PreAuthorizedCodes
from issuer.settings import IssuerSettings
from shared.clock import utcnow
from shared.errors import CredstackError
from shared.rate_limits import rate_limit

PRE_AUTHORIZED_CODE_FIELD = "pre-authorized_code"


async def _offer_of_code(request: Request) -> str | None:
    code = (await request.form()).get(PRE_AUTHORIZED_CODE_FIELD)
    if not isinstance(code, str):
        return None
    settings: IssuerSettings = request.app.state.settings
    codes = PreAuthorizedCodes.of(settings, request.app.state.runtime.key_encryption_key)
    try:
        return codes.offer_id(code, utcnow())
    except CredstackError:
        return None  # the token endpoint says what is wrong with the code


TOKEN_LIMITS = [
    Depends(
        rate_limit(RateLimitCounter, "token/address", lambda s: s.rate_limit_token_per_address)
    ),
    Depends(
        rate_limit(
            RateLimitCounter,
            "token/offer",
            lambda s: s.rate_limit_token_per_offer,
            key_of=_offer_of_code,
        )
    ),
]
NONCE_LIMITS = [
    Depends(rate_limit(RateLimitCounter, "nonce/address", lambda s: s.rate_limit_nonce_per_address))
]
CREDENTIAL_LIMITS = [
    Depends(
        rate_limit(
            RateLimitCounter, "credential/address", lambda s: s.rate_limit_credential_per_address
        )
    )
]
