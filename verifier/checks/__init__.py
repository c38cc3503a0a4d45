"""The verifier's checks engine: what a wallet posted (or a person pasted) in, a Report out.

- ``engine``: ``Verifier`` (check_response, check_document) and ``Expectation``;
- ``report``: ``Report``, ``Check``, ``Outcome``, ``PresentedCredential``, check names/titles;
- ``constraints``: what an employer asks for (``Constraints``), ``evaluate``,
  ``constraint_errors`` (refusals in words);
- ``tokens``: reading vp_token shapes (DCQL, Presentation Exchange); ``facts``: the EU
  elements as JSON; ``isced``: fields of study.
"""
