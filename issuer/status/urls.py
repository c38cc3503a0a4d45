"""Where status list credentials are published."""

from __future__ import annotations


def status_list_url(base_url: str, list_id: str) -> str:
    return f"{base_url}/status/{list_id}"
