"""Secret files written by several processes at once: one content wins, nobody reads a half."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from shared.private_files import create_private_file_once, write_private_file

RACERS = 8


def _race(
    path: str, text: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    start.wait()
    out.put(create_private_file_once(Path(path), text))


def test_processes_racing_to_create_a_file_all_read_the_one_complete_winner(
    tmp_path: Path,
) -> None:
    context = multiprocessing.get_context("spawn")
    for attempt in range(5):
        path = tmp_path / f"secret-{attempt}"
        start = context.Barrier(RACERS)
        out: multiprocessing.Queue[str] = context.Queue()
        texts = [f"content of racer {n} " * 200 for n in range(RACERS)]
        racers = [
            context.Process(target=_race, args=(str(path), text, start, out)) for text in texts
        ]
        for racer in racers:
            racer.start()
        seen = [out.get(timeout=30) for _ in racers]
        for racer in racers:
            racer.join(timeout=30)
            assert racer.exitcode == 0
        assert len(set(seen)) == 1
        assert seen[0] in texts
        assert path.read_text() == seen[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"secret-{n}" for n in range(5)]


def test_an_existing_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    assert create_private_file_once(path, "first") == "first"
    assert create_private_file_once(path, "second") == "first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_writing_replaces_content_and_stays_private(tmp_path: Path) -> None:
    path = tmp_path / "token"
    write_private_file(path, "old")
    write_private_file(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["token"]
