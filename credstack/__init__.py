"""The `credstack` command: runs, migrates and supervises the three services."""
