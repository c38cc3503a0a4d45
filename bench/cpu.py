"""CPU time of a process and its descendants, from Linux's /proc.

Wall-clock rates on a shared two-core machine move with whatever else runs; the CPU a
process spent on a run hardly does, so the benches print both. Every thread counts (didkit
signs on native threads of its own), and so does every worker process of a service.
"""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (that are still running)."""
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (a service's workers are its children)."""
    if not Path(f"/proc/{pid}").exists():
        return []
    return [pid, *(grandchild for child in children(pid) for grandchild in process_tree(child))]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far, every thread included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its descendants so far."""
    return sum(cpu_seconds(each) for each in process_tree(pid))


def per_process_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time so far of ``pid`` and of each of its descendants, by process id: how the work
    was shared between a service's workers."""
    return {each: cpu_seconds(each) for each in process_tree(pid)}
