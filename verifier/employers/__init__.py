"""Employers: organisations, their users, and the bearer tokens users and scripts sign in with."""
