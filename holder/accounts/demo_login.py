"""Where a development wallet keeps its demo learner's login, for `credstack up` to print.

Kept apart from the seed so the command line finds the file without loading the database
stack.
"""

DEMO_EMAIL = "learner@example.org"
DEMO_LOGIN_FILE = "wallet-demo-login"
