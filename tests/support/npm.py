"""npm packages written by others, installed once per folder with ``npm ci``.

Several pytest-xdist workers may ask for the same folder at the same moment; an exclusive
lock on a file in the folder makes one of them install while the others wait, so no two
``npm ci`` runs ever write the same node_modules.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NPM_CI_TIMEOUT = 600


def installed(folder: Path) -> bool:
    """Every package pinned in the folder's package.json is installed at its pinned version.

    npm writes node_modules/.package-lock.json last, so without it the folder is missing or
    half-installed; a node_modules cached before a package was added lacks that package.
    """
    modules = folder / "node_modules"
    if not (modules / ".package-lock.json").is_file():
        return False
    pinned = json.loads((folder / "package.json").read_text())["dependencies"]
    for name, version in pinned.items():
        manifest = modules / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["version"] != version:
            return False
    return True


def ensure_installed(folder: Path, needed_for: str) -> None:
    """Install the folder's pinned packages unless they are there; skip (fail on CI) without npm."""
    npm = shutil.which("npm")
    if npm is None:
        reason = f"npm is needed for {needed_for}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI must run it (install Debian's nodejs and npm)")
        pytest.skip(f"{reason}; install it (e.g. apt-get install nodejs npm) to run this test")
    with (folder / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed(folder):
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=folder,
                check=True,
                timeout=NPM_CI_TIMEOUT,
            )
