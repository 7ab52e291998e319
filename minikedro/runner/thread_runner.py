"""``ThreadRunner``: run independent nodes at the same time on a pool of threads.

Public names: ``ThreadRunner``. Kedro counterpart: ``kedro/runner/thread_runner.py``.

Threads share the catalog, so no data is copied between nodes; they suit
nodes that wait (on files, databases, the network) or release the GIL (NumPy,
compression). The scheduling loop is ``AbstractRunner._run``; this module only
chooses the executor and how many threads it gets.

A thread cannot be stopped from outside: on Ctrl-C (or SIGTERM) the runner
starts nothing new and waits for the running nodes to finish. A second Ctrl-C
stops the wait: the run ends at once, abandoning the nodes still running.
"""
from __future__ import annotations

import warnings
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from minikedro.runner.runner import AbstractRunner, _most_nodes_at_once

if TYPE_CHECKING:
    from minikedro.pipeline import Pipeline

__all__ = ["ThreadRunner"]


class ThreadRunner(AbstractRunner):
    """Run nodes concurrently on threads.

    Args:
        max_workers: The most threads to use. Default, as in Kedro: as many as
            the pipeline can keep busy (its node count less its layers, plus
            one), so every node that is ready runs at once, whatever the CPU
            count: threads are for nodes that wait.
        is_async: Ignored with a warning, as in Kedro: the nodes already run on
            threads, and loading on more threads per node only adds contention.

    Raises:
        ValueError: ``max_workers`` is 0 or negative.
        TypeError: ``max_workers`` is not an integer.
    """

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        if is_async:
            warnings.warn(
                "ThreadRunner doesn't support loading and saving the node inputs and "
                "outputs asynchronously with threads. Setting 'is_async' to False.",
                stacklevel=2,
            )
        if max_workers is not None:
            self._validate_max_workers(max_workers)
        super().__init__(is_async=False)
        self._max_workers = max_workers

    def __repr__(self) -> str:
        return f"ThreadRunner(max_workers={self._max_workers})"

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        most = _most_nodes_at_once(pipeline)
        return min(most, self._max_workers) if self._max_workers else most

    def _get_executor(self, max_workers: int) -> Executor:
        return _NodeThreads(max_workers=max_workers, thread_name_prefix="minikedro-node")

    def _interrupt(self, executor: Executor) -> None:
        # Wait here, not when the loop leaves the pool: a second Ctrl-C then
        # stops the wait, and nothing waits again (_NodeThreads).
        self._logger.warning(
            "Interrupted: no new node will start; waiting for the nodes already "
            "running to finish (threads cannot be stopped from outside). "
            "Press Ctrl-C again to abandon them."
        )
        executor.shutdown(wait=True)


class _NodeThreads(ThreadPoolExecutor):
    """A thread pool that, left by an exception, does not wait for its threads.

    ``ThreadRunner._interrupt`` has waited for them already, unless a second
    Ctrl-C stopped that wait: then the nodes still running are abandoned.
    """

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown(wait=exc_info[0] is None)
