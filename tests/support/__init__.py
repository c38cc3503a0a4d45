"""Helpers shared by the test suite (databases, running apps, real processes)."""
