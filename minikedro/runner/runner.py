"""Runners: check a run, drive it through the one scheduling loop, report what failed.

Public names: ``AbstractRunner``, ``SequentialRunner``, ``ThreadRunner``,
``WorkerCrashedError``. Kedro counterparts: ``kedro/runner/runner.py``,
``sequential_runner.py`` and ``thread_runner.py`` (whose logger names are kept).

Runners differ only in the ``concurrent.futures.Executor`` that ``_get_executor``
returns: ``None`` runs the nodes one by one in this thread, in ``pipeline.nodes``
order (a topological order, ties by name); any executor goes through this loop::

    graphlib get_ready() ─▶ _submit_node(run_node) ─▶ a future completes ─▶ done()
                                                          │
                        release datasets nobody reads any more, log progress

The loop keeps at most two tasks per worker in flight and takes ready nodes in
``pipeline.nodes`` order, so runs are reproducible. When a node fails nothing new
starts (with ``keep_going``, only what depends on it), what is running finishes,
the nodes that did not run and the argument that resumes the run are logged
(``runner.resume_hint``), and the node's exception is re-raised unchanged. On Ctrl-C what has not started is cancelled
and ``_interrupt`` stops the executor (ThreadRunner waits for running nodes).
"""
from __future__ import annotations

import gc
import logging
import os
import sys
import warnings
from abc import ABC, abstractmethod
from collections import Counter
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor
from graphlib import TopologicalSorter
from heapq import heappop, heappush
from itertools import chain
from queue import SimpleQueue
from time import perf_counter
from typing import TYPE_CHECKING, Any

from minikedro.hooks import _create_hook_manager
from minikedro.runner.task import run_node

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["AbstractRunner", "SequentialRunner", "ThreadRunner", "WorkerCrashedError"]

_MAX_WINDOWS_WORKERS = 61  # ProcessPoolExecutor's limit on Windows


class WorkerCrashedError(BrokenExecutor):
    """A worker died (killed, out of memory, ``os._exit``) while running nodes.

    Attributes:
        node_names: The nodes that were in flight on the broken executor.
    """

    def __init__(self, message: str, node_names: list[str]) -> None:
        super().__init__(message)
        self.node_names = node_names


class AbstractRunner(ABC):
    """Base class of all runners: Kedro's ``run``/``_run``/``_get_executor`` contract.

    Subclasses implement ``_get_executor(max_workers)``; a runner that does
    something else entirely (a dry run) overrides ``_run``.

    Attributes:
        keep_going: When a node fails, run every node that does not depend on it.
        resume_hint: After a failed run, the command that resumes it, e.g.
            ``minikedro run --from-nodes "a,b"``; otherwise ``None``.
        failed_nodes: After a failed run, the nodes whose task raised, by name.
        skipped_nodes: After a ``keep_going`` run, the nodes an ancestor's failure kept from running.
    """

    def __init__(self, is_async: bool = False, *, keep_going: bool = False) -> None:
        """``is_async``: load each node's inputs, and save its outputs, concurrently on threads."""
        self._is_async, self.keep_going = is_async, keep_going
        self.resume_hint: str | None = None
        self.failed_nodes: list[Node] = []
        self.skipped_nodes: list[Node] = []

    @property
    def _logger(self) -> logging.Logger:
        """The logger of the runner's module, as in Kedro (the runners here: Kedro's modules')."""
        return logging.getLogger(vars(type(self)).get("_log_as", self.__module__))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(is_async={self._is_async})"

    def run(self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None,
            run_id: str | None = None, only_missing_outputs: bool = False) -> dict[str, Any]:
        """Run the pipeline with data from, and results to, the catalog.

        ``hook_manager``'s node and dataset hooks fire, with ``run_id``;
        ``only_missing_outputs`` skips the nodes whose persisted outputs exist.

        Returns:
            ``{name: dataset}`` for the free outputs, in pipeline order: call ``.load()``.

        Raises:
            ValueError: Free inputs missing from the catalog (all are named).
            Exception: A node's exception, unchanged (with ``keep_going``, if it was the
                only one to fail and nothing was skipped; else ``NodesFailedError``).
        """
        self.resume_hint, self.failed_nodes, self.skipped_nodes = None, [], []
        if only_missing_outputs:
            from minikedro.runner._resume import only_missing_outputs as keep_missing

            pipeline = keep_missing(pipeline, catalog, self._logger)
        missing = sorted(name for name in pipeline.inputs() if name not in catalog)
        if missing:
            raise ValueError(
                f"Pipeline input(s) {', '.join(map(repr, missing))} not found in the "
                f"{type(catalog).__name__}: add them to the catalog (a catalog entry, or "
                f"catalog[{missing[0]!r}] = data) or run the nodes that produce them too.")
        # A full garbage collection traverses every object it tracks: at 100,000 nodes,
        # the pipeline and the catalog's datasets, again and again (a third of the run).
        # They outlive the run: freeze them for it, unless objects are frozen already (by
        # the program, or Python 3.12 at start-up): unfreezing would thaw those too.
        freeze = gc.isenabled() and not gc.get_freeze_count()
        if freeze:
            gc.freeze()
        try:
            for name in pipeline.datasets():  # names the catalog lacks become memory datasets
                catalog.get(name, fallback_to_runtime_pattern=True)
            if freeze:
                gc.freeze()  # the datasets just made, too
            if self._is_async:
                self._logger.info("Asynchronous mode is enabled for loading and saving data.")
            started = perf_counter()
            self._run(pipeline, catalog, _create_hook_manager() if hook_manager is None
                      else hook_manager, run_id)
        finally:
            if freeze:
                gc.unfreeze()
        self._logger.info("Pipeline execution completed successfully in %.1f sec.",
                          perf_counter() - started)
        free = pipeline.outputs()  # in pipeline order: sorting 100k names would cost more
        return {name: catalog.get(name) for node in pipeline.nodes for name in node.outputs
                if name in free}

    def run_only_missing(self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None
                         ) -> dict[str, Any]:
        """Kedro 0.19's name for ``run(..., only_missing_outputs=True)``."""
        return self.run(pipeline, catalog, hook_manager, only_missing_outputs=True)

    @abstractmethod
    def _get_executor(self, max_workers: int) -> Executor | None:
        """Return the executor to submit nodes to, or None to run them one by one here."""

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        """How many workers the pipeline can use at most; 1 for sequential runners."""
        return 1

    @classmethod
    def _validate_max_workers(cls, max_workers: int | None) -> int:
        """Return ``max_workers``, or for None the CPU count (at most 61 on Windows).

        Raises ``TypeError`` if it is not an int, ``ValueError`` if it is not positive.
        """
        if max_workers is None:
            default = os.cpu_count() or 1
            return min(default, _MAX_WINDOWS_WORKERS) if sys.platform == "win32" else default
        if isinstance(max_workers, bool) or not isinstance(max_workers, int):
            raise TypeError(f"max_workers should be a positive int, or None for the default; "
                            f"got {type(max_workers).__name__} {max_workers!r}")
        if max_workers <= 0:
            raise ValueError(f"max_workers should be positive, got {max_workers}: pass how many "
                             f"workers to use at most (1 or more), or None for the default")
        return max_workers

    def _submit_node(self, executor: Executor, node: Node, catalog: Any, hook_manager: Any,
                     run_id: str | None) -> Future:
        """Submit one node's task; runners whose workers cannot share objects override it."""
        return executor.submit(run_node, node, catalog, hook_manager, self._is_async, run_id)

    def _interrupt(self, executor: Executor) -> None:
        """Stop the executor without waiting: the run was interrupted (Ctrl-C)."""
        executor.shutdown(wait=False)

    def _run(self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None,
             run_id: str | None = None) -> None:
        """Run every node once its parents are done: the one scheduling loop."""
        hook_manager = _create_hook_manager() if hook_manager is None else hook_manager
        nodes, logger, done = pipeline.nodes, self._logger, []
        readers_left = Counter(chain.from_iterable(node.inputs for node in nodes))
        kept = pipeline.inputs() | pipeline.outputs()
        progress = logger.isEnabledFor(logging.INFO)

        def completed(node: Node) -> None:
            """Note the node done; release the inputs nobody reads any more (intermediates only)."""
            done.append(node)
            for name in node.inputs:
                readers_left[name] -= 1
                if not readers_left[name] and name not in kept:
                    catalog.release(name)
            if progress:  # node.run has logged "Running node: <name>"
                logger.info("Completed node: %s", node.name)
                logger.info("Completed %d out of %d tasks", len(done), len(nodes))

        max_workers = self._get_required_workers_count(pipeline)
        executor = self._get_executor(max_workers)
        in_flight: dict[Future, Node] = {}
        failures: list[tuple[Node, BaseException]] = []
        try:
            if executor is None:
                stopped: set[Node] = set()  # failed, or skipped because an ancestor failed
                parents_of = pipeline.node_dependencies if self.keep_going else {}
                for node in nodes:
                    if stopped and not stopped.isdisjoint(parents_of[node]):
                        stopped.add(node)
                        continue
                    try:
                        run_node(node, catalog, hook_manager, self._is_async, run_id)
                    except (Exception, SystemExit) as error:
                        failures.append((node, error))
                        if not self.keep_going:
                            break
                        stopped.add(node)
                        continue
                    completed(node)
                if failures:
                    raise self._failure(pipeline, failures, done)
                return
            # graphlib works on positions in pipeline.nodes: ints hash faster than nodes.
            position = {node: i for i, node in enumerate(nodes)}
            sorter = TopologicalSorter({position[node]: {position[p] for p in parents}
                                        for node, parents in pipeline.node_dependencies.items()})
            sorter.prepare()
            ready: list[int] = []  # a heap of positions: earliest in pipeline.nodes first
            finished: SimpleQueue[Future] = SimpleQueue()  # futures, as they complete
            stop = False  # a node failed, and the run does not keep going
            most_in_flight = 1 if max_workers == 1 else 2 * max_workers
            with executor:
                try:
                    while True:
                        if not stop:
                            for i in sorter.get_ready():
                                heappush(ready, i)
                            while ready and len(in_flight) < most_in_flight:
                                node = nodes[heappop(ready)]
                                future = self._submit_node(executor, node, catalog,
                                                           hook_manager, run_id)
                                in_flight[future] = node
                                future.add_done_callback(finished.put)
                        if not in_flight:
                            break
                        future = finished.get()
                        node = in_flight.pop(future)
                        if future.cancelled():
                            continue
                        error = future.exception()
                        if error is not None:
                            failures.append((node, error))
                            stop = stop or not self.keep_going or isinstance(error, BrokenExecutor)
                            for other in in_flight if stop else ():  # not started: never will
                                other.cancel()
                            continue
                        sorter.done(position[node])
                        completed(node)
                except BaseException:  # Ctrl-C, or a failing release: stop now
                    for future in in_flight:
                        future.cancel()
                    self._interrupt(executor)
                    raise
            if failures:
                raise self._failure(pipeline, failures, done)
        except BaseException:
            running = sorted(node.name for future, node in in_flight.items() if not future.done())
            if running:
                logger.warning("%d node(s) abandoned mid-run: %s", len(running), ", ".join(running))
            for future, node in in_flight.items():  # finished while the run stopped
                if future.done() and not future.cancelled() and future.exception() is None:
                    done.append(node)
                    logger.info("Completed node: %s", node.name)
            self._suggest_resume_scenario(pipeline, done, catalog)
            raise

    def _failure(self, pipeline: Pipeline, failures: list[tuple[Node, BaseException]],
                 done: list[Node]) -> BaseException:
        """Log the failed nodes once; return the exception to raise (``_resume.py``)."""
        from minikedro.runner._resume import failure_to_raise

        return failure_to_raise(self, pipeline, failures, set(done))

    def _suggest_resume_scenario(self, pipeline: Pipeline, done_nodes: Any,
                                 catalog: Any = None) -> None:
        """Log the nodes that did not run and how to resume (``_resume.py``); set ``resume_hint``."""
        from minikedro.runner._resume import report_unfinished

        self.resume_hint = report_unfinished(pipeline, catalog, set(done_nodes), self._logger)


class SequentialRunner(AbstractRunner):
    """Run nodes one by one, in ``pipeline.nodes`` order: the default, and the easiest to debug.

    ``is_async`` loads a node's inputs, and saves its outputs, concurrently on threads.
    """

    _log_as = "minikedro.runner.sequential_runner"

    def _get_executor(self, max_workers: int) -> None:
        return None


class ThreadRunner(AbstractRunner):
    """Run independent nodes at the same time on threads: for nodes that wait or release the GIL.

    ``max_workers``: the most threads (``ValueError``/``TypeError`` if not a positive
    int); default, as in Kedro, as many as the pipeline can keep busy. ``is_async`` is
    ignored with a warning, as in Kedro. A thread cannot be stopped from outside: on
    Ctrl-C (or SIGTERM) the runner waits for the running nodes; a second Ctrl-C abandons them.
    """

    _log_as = "minikedro.runner.thread_runner"

    def __init__(self, max_workers: int | None = None, is_async: bool = False, *,
                 keep_going: bool = False) -> None:
        if is_async:
            warnings.warn("ThreadRunner doesn't support loading and saving the node inputs and "
                          "outputs asynchronously with threads. Setting 'is_async' to False.",
                          stacklevel=2)
        if max_workers is not None:
            self._validate_max_workers(max_workers)
        super().__init__(is_async=False, keep_going=keep_going)
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
        # stops this wait, and nothing waits again (_NodeThreads).
        self._logger.warning("Interrupted: no new node will start; waiting for the nodes already "
                             "running to finish (threads cannot be stopped from outside). "
                             "Press Ctrl-C again to abandon them.")
        executor.shutdown(wait=True)


class _NodeThreads(ThreadPoolExecutor):
    """A thread pool that, left by an exception, does not wait for its threads (see above)."""

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown(wait=exc_info[0] is None)


def _most_nodes_at_once(pipeline: Pipeline) -> int:
    """An upper bound on how many nodes can run at the same time (Kedro's estimate)."""
    return max(1, len(pipeline.nodes) - len(pipeline.grouped_nodes) + 1)
