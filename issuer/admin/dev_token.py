"""Where a development node keeps its admin token, so the CLI finds it with no set-up.

Kept apart from ``tokens`` so the command line can find the file without loading the
database stack.
"""

DEV_TOKEN_FILE = "issuer-admin-token"  # noqa: S105 (a file name)
