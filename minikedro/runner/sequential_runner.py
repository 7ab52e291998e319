"""``SequentialRunner``: run the nodes one after the other, in the calling thread.

Public names: ``SequentialRunner``. Kedro counterpart:
``kedro/runner/sequential_runner.py``.

It goes through the same scheduling loop as every other runner
(``AbstractRunner._run``); its executor simply runs each submitted node at
once, one node at a time, so nodes run exactly in ``pipeline.nodes`` order (as
in Kedro) and a failure stops the run before the next node starts.
"""
from __future__ import annotations

from concurrent.futures import Executor

from minikedro.runner.runner import AbstractRunner, _InlineExecutor

__all__ = ["SequentialRunner"]


class SequentialRunner(AbstractRunner):
    """Run nodes one by one: the default, and the easiest to debug.

    Args:
        is_async: Load each node's inputs and save its outputs concurrently on
            threads (useful when a node reads several slow files).

    Example:
        >>> outputs = SequentialRunner().run(pipeline, catalog)
        >>> outputs["v"].load()
    """

    def _get_executor(self, max_workers: int) -> Executor:
        return _InlineExecutor()
