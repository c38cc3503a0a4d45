"""EU micro-credentials (Council Recommendation 2022/C 243/02) on Open Badges 3.0.

- ``model``: the catalogue entry and the award, refusing incomplete micro-credentials;
  ``validation.load_award`` / ``load_catalogue_entry`` name the EU element at fault
  (``elements`` lists them); ``catalogue`` reads catalogue files and the demo catalogue.
- ``build.build_credential``: an award as an unsigned OB 3.0 AchievementCredential, with
  the extension context from ``context`` embedded and concept URIs from ``vocab``.
- ``parse.parse_credential``: any OB 3.0 credential as a tolerant ``readmodel.CredentialView``.
- ``i18n``: texts in several languages and Accept-Language negotiation.

docs/eu-microcredential-mapping.md says where each element goes in the credential.
"""
