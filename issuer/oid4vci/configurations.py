"""The credential configurations this issuer offers: every micro-credential in both formats.

A wallet picks the format it supports; the award comes from the pre-authorized code, so one
configuration per format serves the whole catalogue.
"""

from __future__ import annotations

LDP_VC = "MicroCredential_ldp_vc"
JWT_VC_JSON = "MicroCredential_jwt_vc_json"
FORMAT_OF = {LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc_json"}
ALL = tuple(FORMAT_OF)
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
