"""The verifier's checks engine: what a wallet posted (or a person pasted) in, a Report out.

- ``engine``: ``Verifier`` (check_response, check_document), which puts the checks in order;
- ``expectation``: ``Expectation``, what the request expects (nonce, audience, constraints);
- ``tokens``: reading vp_token shapes (DCQL, Presentation Exchange);
- ``presentation_checks``: the presenter's signature, nonce, audience;
- ``credential_checks``: the issuer's signature, holder binding, the OB 3.0 shape;
  ``dates``: validity dates; ``issuer_trust``: the trust list; ``credential_status``:
  revocation and suspension; ``response_checks``: the answer as a whole, the claims asked
  for, the constraints;
- ``report``: ``Report``, ``Check``, ``Outcome``, ``PresentedCredential``, check names/titles;
  ``wording``: reasons in a recruiter's words;
- ``constraints``: what an employer asks for (``Constraints``), ``evaluate``,
  ``constraint_errors`` (refusals in words); ``claims``: the claims a DCQL query asks for;
- ``facts``: the EU elements as JSON; ``isced``: fields of study.
"""
