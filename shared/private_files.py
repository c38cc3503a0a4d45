"""Secret files in the data directory (the development KEK, the admin token).

Services start as separate processes at the same moment, so a reader must never see a
file half written: content goes to a private temporary file first and appears under its
real name in one atomic step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private_file(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600), replacing any earlier content atomically."""
    staged = _staged_copy(path, data)
    try:
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def create_private_file_once(path: Path, text: str) -> str:
    """Create ``path`` with ``text`` unless it exists; return what the file holds.

    When several processes race, exactly one creates the file and all of them return that
    one's content: ``os.link`` fails if the name is taken, and the name only ever points
    at a complete file.
    """
    if not path.exists():
        staged = _staged_copy(path, text)
        try:
            os.link(staged, path)
        except FileExistsError:
            pass
        finally:
            staged.unlink(missing_ok=True)
    return path.read_text()


def _staged_copy(path: Path, data: str | bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    with os.fdopen(fd, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(name)
