"""What a run shows as it goes and when it ends: a progress line and one line of timings.

Public names: ``ProgressLine``, ``timing_summary``, ``critical_path``, ``format_seconds``.
Kedro has neither built in (a progress bar is Kedro issue #2209): there a run ends with
"completed successfully" and no timings. :class:`~minikedro.observe.records.RunRecorder`
measures the nodes and calls these; nothing here knows about hooks or files.
"""
from __future__ import annotations

import heapq
import logging
import shutil
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minikedro.pipeline import Pipeline

__all__ = ["ProgressLine", "critical_path", "format_seconds", "timing_summary"]

_CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it


def format_seconds(seconds: float) -> str:
    """A duration as people read it: ``"12 ms"``, ``"0.4 s"``, ``"2 min 5 s"``, ``"1 h 3 min"``."""
    if seconds < 0.1:
        return f"{seconds * 1000:.2g} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


class ProgressLine:
    """One line on a terminal, redrawn in place, that log records written there clear first.

    A drawn line leaves the cursor at its start: a log record that slips in between the
    clearing and the writing (different threads) writes over the line instead of after it.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self._shown = False

    def __repr__(self) -> str:
        return f"ProgressLine(stream={self.stream!r})"

    def attach(self) -> None:
        """Be cleared before each record of the root logger's handlers writing to the same stream."""
        for handler in logging.getLogger().handlers:
            if getattr(handler, "stream", None) is self.stream:
                handler.addFilter(self)

    def detach(self) -> None:
        """Undo ``attach`` and clear the line."""
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self)
        self.clear()

    def draw(self, text: str) -> None:
        """Replace the line with ``text``, cut to the terminal's width."""
        width = shutil.get_terminal_size().columns - 1
        self.stream.write(f"{_CLEAR}{text[:width]}\r")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._shown = False
            self.stream.write(_CLEAR)
            self.stream.flush()

    def filter(self, record: logging.LogRecord) -> bool:
        """As a logging filter: clear the line, and let the record through."""
        self.clear()
        return True


def critical_path(pipeline: Pipeline, seconds: dict[str, float]) -> tuple[float, list[str]]:
    """The chain of dependent nodes whose measured ``seconds`` (by node name; others count 0)
    add up the most: its total and its node names, first to last. Linear: one pass over
    ``pipeline.node_dependencies``, which lists the nodes in topological order.
    """
    longest: dict[Any, tuple[float, Any]] = {}  # node -> (longest chain ending there, its parent)
    for node, parents in pipeline.node_dependencies.items():
        parent = max(parents, key=lambda p: (longest[p][0], p.name), default=None)
        before = longest[parent][0] if parent is not None else 0.0
        longest[node] = (before + seconds.get(node.name, 0.0), parent)
    if not longest:
        return 0.0, []
    last = max(longest, key=lambda n: (longest[n][0], n.name))
    total, chain = longest[last][0], []
    while last is not None:
        chain.append(last.name)
        last = longest[last][1]
    return total, chain[::-1]


def timing_summary(pipeline: Pipeline, seconds: dict[str, float], wall: float, workers: int) -> str:
    """One line on a run's times: nodes run, ``wall`` time, the slowest nodes, and with more
    than one of ``workers``, the critical path and how busy they were. ``seconds`` gives how
    long each node that ran took, by name.
    """
    slowest = heapq.nsmallest(3, seconds.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"Ran {len(seconds)} of {len(pipeline.nodes)} nodes in {format_seconds(wall)}"]
    if slowest:
        parts.append("slowest: " + ", ".join(f"{name} {format_seconds(s)}" for name, s in slowest))
    if workers > 1:
        length, chain = critical_path(pipeline, seconds)
        shown = chain if len(chain) <= 4 else chain[:2] + ["...", chain[-1]]
        parts.append(f"critical path {format_seconds(length)} through {len(chain)} node(s) "
                     f"({' -> '.join(shown)})")
        busy = sum(seconds.values()) / (wall * workers) if wall > 0 else 0.0
        parts.append(f"{workers} workers {busy:.0%} busy")
    return "; ".join(parts)
