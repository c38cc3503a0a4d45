"""The import rules that keep the services interoperable and the crypto in one place."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.processes import REPO_ROOT

CRYPTO_LIBRARIES = {"didkit", "jwcrypto", "cryptography"}
SERVICES = {"issuer", "holder", "verifier"}
PACKAGES = ["shared", "issuer", "holder", "verifier", "credstack"]


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _sources() -> list[Path]:
    return [path for package in PACKAGES for path in (REPO_ROOT / package).rglob("*.py")]


def test_only_shared_crypto_imports_crypto_libraries() -> None:
    crypto_dir = REPO_ROOT / "shared" / "crypto"
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imported_roots(path) & CRYPTO_LIBRARIES)
        for path in _sources()
        if crypto_dir not in path.parents and _imported_roots(path) & CRYPTO_LIBRARIES
    }
    assert offenders == {}


def test_no_service_imports_another_and_shared_imports_none() -> None:
    offenders = {}
    for path in _sources():
        owner = path.relative_to(REPO_ROOT).parts[0]
        if owner == "credstack":
            continue  # the command line is the composition root
        forbidden = SERVICES - {owner}
        found = _imported_roots(path) & forbidden
        if found:
            offenders[str(path.relative_to(REPO_ROOT))] = sorted(found)
    assert offenders == {}


def test_the_scanner_sees_imports() -> None:
    """Guards the two tests above against passing because they read nothing."""
    assert "didkit" in _imported_roots(REPO_ROOT / "shared" / "crypto" / "didkit_bridge.py")
    assert len(_sources()) > 20


def test_import_linter_contracts_hold() -> None:
    beside_python = Path(sys.executable).parent / "lint-imports"
    lint_imports = str(beside_python) if beside_python.exists() else shutil.which("lint-imports")
    assert lint_imports, "import-linter is not installed (pip install -e '.[test]')"
    result = subprocess.run(
        [lint_imports], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
