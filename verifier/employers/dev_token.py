"""Where a development node keeps its demo user's token, so the CLI finds it with no set-up.

Kept apart from the service so the command line can find the file without loading the
database stack.
"""

DEV_TOKEN_FILE = "verifier-employer-token"  # noqa: S105 (a file name)
