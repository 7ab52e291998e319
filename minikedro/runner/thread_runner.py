"""``ThreadRunner``: run independent nodes at the same time on a pool of threads.

Public names: ``ThreadRunner``. Kedro counterpart: ``kedro/runner/thread_runner.py``.

Threads share the catalog, so no data is copied between nodes; they suit
nodes that wait (on files, databases, the network) or release the GIL (NumPy,
compression). The scheduling loop is ``AbstractRunner._run``; this module only
chooses the executor and how many threads it gets.
"""
from __future__ import annotations

import os
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING

from minikedro.runner.runner import AbstractRunner, _most_nodes_at_once

if TYPE_CHECKING:
    from minikedro.pipeline import Pipeline

__all__ = ["ThreadRunner"]


class ThreadRunner(AbstractRunner):
    """Run nodes concurrently on threads.

    Args:
        max_workers: The most threads to use; default ``min(32, cpu count + 4)``
            (``ThreadPoolExecutor``'s rule, suited to nodes that wait), and never
            more than the pipeline can keep busy.
        is_async: Must be False: see Raises.

    Raises:
        ValueError: ``is_async=True`` (its nodes already run on threads; loading
            on more threads per node would only add contention: Kedro warns and
            ignores it), or ``max_workers`` is not a positive integer.
    """

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        if is_async:
            raise ValueError(
                "ThreadRunner does not support is_async=True: its nodes already run "
                "on threads, so loading and saving on more threads would only add "
                "contention. Use ThreadRunner() or SequentialRunner(is_async=True)."
            )
        if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
            raise ValueError(f"max_workers must be a positive integer, got {max_workers!r}")
        super().__init__(is_async=False)
        self._max_workers = max_workers

    def __repr__(self) -> str:
        return f"ThreadRunner(max_workers={self._max_workers})"

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        wanted = self._max_workers or min(32, (os.cpu_count() or 1) + 4)
        return min(wanted, _most_nodes_at_once(pipeline))

    def _get_executor(self, max_workers: int) -> Executor:
        return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="minikedro-node")
