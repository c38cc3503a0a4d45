"""Sharing credentials with verifiers over OpenID4VP 1.0 (and draft-era Presentation Exchange).

request.py reads and checks the verifier's request; dcql.py and presentation_exchange.py
read its query, matching.py finds the learner's credentials that answer it, disclosure.py
lists what each would disclose, presentation.py signs and posts the answer; service.py holds
the rules, endpoints.py and pages.py are the API and the screens.
"""
