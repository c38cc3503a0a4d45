"""Presentation requests: templates, OpenID4VP requests and request objects, responses, results."""
