"""``AbstractRunner``: checks a run, then drives it through the one scheduling loop.

Public names: ``AbstractRunner``, ``WorkerCrashedError``. Kedro counterpart:
``kedro/runner/runner.py``.

Every runner shares the loop in ``AbstractRunner._run``; they differ only in the
``concurrent.futures.Executor`` that ``_get_executor`` returns (inline, threads,
processes, or anything else with ``submit``). How one node travels::

    graphlib.get_ready() ─▶ submit(run_node) ─▶ wait(FIRST_COMPLETED) ─▶ done()
                                                   │
                      release datasets nobody reads any more, log progress

The loop keeps at most two tasks per worker in flight (one for a single
worker), so ``wait`` looks at a bounded set and a run costs time linear in
nodes + edges (plus a heap's log factor). Ready nodes start in
``pipeline.nodes`` order, so runs are reproducible and a sequential run is
exactly that order.

When a node fails the loop submits nothing new, lets what is running finish,
logs which nodes did not run and the ``--from-nodes`` argument that resumes
from the nearest persisted data (also kept in ``runner.resume_hint``), and
re-raises the node's exception unchanged; a node that calls ``sys.exit()``
fails with a ``RuntimeError`` saying so. On Ctrl-C it cancels what has not
started and stops the executor (``_interrupt``) before re-raising; nodes that
finish meanwhile count as completed, and those still running (a second
Ctrl-C stopped the wait for them) are logged as abandoned.
"""
from __future__ import annotations

import logging
import os
import sys
from abc import ABC, abstractmethod
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from graphlib import TopologicalSorter
from heapq import heappop, heappush
from itertools import chain
from operator import attrgetter
from time import perf_counter
from typing import TYPE_CHECKING, Any, Callable

from minikedro.framework.hooks import _create_hook_manager
from minikedro.runner._resume import nodes_to_resume_from, nodes_with_missing_outputs
from minikedro.runner.task import run_node

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["AbstractRunner", "WorkerCrashedError"]

_by_name = attrgetter("name")
_LISTED = 20  # node names shown in a log line before "and N more"
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

    Subclasses implement ``_get_executor(max_workers)``; returning ``None``
    runs nodes one by one in the calling thread. ``_run`` is the shared loop; a
    runner that does something else entirely (the seed's ``DryRunner``)
    overrides it.

    Attributes:
        resume_hint: After a failed run, the command that resumes it, e.g.
            ``minikedro run --from-nodes "a,b"``; ``None`` otherwise.
        failed_nodes: After a failed run, the nodes whose task raised (loading
            an input, the function itself, or saving an output), by name.
    """

    def __init__(self, is_async: bool = False) -> None:
        """Args:
            is_async: Load each node's inputs and save its outputs concurrently
                on threads.
        """
        self._is_async = is_async
        self.resume_hint: str | None = None

    @property
    def _logger(self) -> logging.Logger:
        return logging.getLogger(self.__module__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(is_async={self._is_async})"

    def run(
        self,
        pipeline: Pipeline,
        catalog: Any,
        hook_manager: Any = None,
        run_id: str | None = None,
        only_missing_outputs: bool = False,
    ) -> dict[str, Any]:
        """Run the pipeline with data from, and results to, the catalog.

        Args:
            pipeline: The pipeline to run.
            catalog: The ``DataCatalog`` (``SharedMemoryDataCatalog`` for
                ``ParallelRunner``).
            hook_manager: The ``PluginManager`` whose node and dataset hooks fire.
            run_id: The id of the run, passed to the hooks.
            only_missing_outputs: Skip nodes whose outputs are persisted and exist
                (see ``nodes_with_missing_outputs``).

        Returns:
            ``{name: dataset}`` for the pipeline's free outputs: call ``.load()``.

        Raises:
            ValueError: Free inputs missing from the catalog (all are named).
            Exception: A node's exception, unchanged.
        """
        self.resume_hint = None
        self.failed_nodes: list[Node] = []
        if only_missing_outputs:
            pipeline = self._only_missing_outputs(pipeline, catalog)
        missing = sorted(name for name in pipeline.inputs() if name not in catalog)
        if missing:
            raise ValueError(
                f"Pipeline input(s) {', '.join(map(repr, missing))} not found in the "
                f"{type(catalog).__name__}: add them to the catalog (a catalog entry, or "
                f"catalog[{missing[0]!r}] = data) or run the nodes that produce them too."
            )
        for name in pipeline.datasets():  # names the catalog lacks become memory datasets
            catalog.get(name, fallback_to_runtime_pattern=True)
        if hook_manager is None:
            hook_manager = _create_hook_manager()
        if self._is_async:
            self._logger.info("Asynchronous mode is enabled for loading and saving data.")

        started = perf_counter()
        self._run(pipeline, catalog, hook_manager, run_id)
        self._logger.info(
            "Pipeline execution completed successfully in %.1f sec.", perf_counter() - started
        )
        return {name: catalog.get(name) for name in sorted(pipeline.outputs())}

    def run_only_missing(
        self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None
    ) -> dict[str, Any]:
        """Run only the nodes whose persisted outputs are missing (Kedro 0.18's name).

        The same as ``run(..., only_missing_outputs=True)``, kept because Kedro's
        "slice a pipeline" docs call it.
        """
        return self.run(pipeline, catalog, hook_manager, only_missing_outputs=True)

    @abstractmethod
    def _get_executor(self, max_workers: int) -> Executor | None:
        """Return the executor to submit nodes to, or None to run them inline."""

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        """How many workers the pipeline can use at most; 1 for sequential runners."""
        return 1

    @classmethod
    def _validate_max_workers(cls, max_workers: int | None) -> int:
        """Check a ``max_workers`` argument; return it, or the CPU count for None.

        Kedro's helper, kept for custom runners; on Windows the default is at
        most 61, the most a process pool takes there.

        Raises:
            TypeError: ``max_workers`` is not an int (nor None).
            ValueError: ``max_workers`` is 0 or negative.
        """
        if max_workers is None:
            default = os.cpu_count() or 1
            return min(default, _MAX_WINDOWS_WORKERS) if sys.platform == "win32" else default
        if isinstance(max_workers, bool) or not isinstance(max_workers, int):
            raise TypeError(
                f"max_workers should be a positive int, or None for the default; got "
                f"{type(max_workers).__name__} {max_workers!r}"
            )
        if max_workers <= 0:
            raise ValueError(
                f"max_workers should be positive, got {max_workers}: pass how many "
                f"workers to use at most (1 or more), or None for the default"
            )
        return max_workers

    def _submit_node(
        self, executor: Executor, node: Node, catalog: Any, hook_manager: Any, run_id: str | None
    ) -> Future:
        """Submit one node's task; runners whose workers cannot share objects override it."""
        return executor.submit(run_node, node, catalog, hook_manager, self._is_async, run_id)

    def _interrupt(self, executor: Executor) -> None:
        """Stop the executor without waiting: the run was interrupted (Ctrl-C)."""
        executor.shutdown(wait=False)

    def _run(
        self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None, run_id: str | None = None
    ) -> None:
        """Run every node once its parents are done: the one scheduling loop.

        Args:
            pipeline: The pipeline, its inputs already checked by ``run``.
            catalog: The catalog.
            hook_manager: The hook manager.
            run_id: The id of the run.
        """
        nodes = pipeline.nodes
        total = len(nodes)
        logger = self._logger
        progress = logger.isEnabledFor(logging.INFO)
        if hook_manager is None:
            hook_manager = _create_hook_manager()

        sorter = TopologicalSorter(pipeline.node_dependencies)
        sorter.prepare()
        readers_left = Counter(chain.from_iterable(node.inputs for node in nodes))
        kept = pipeline.inputs() | pipeline.outputs()

        def release_unused(node: Node) -> None:
            """Free the inputs no other node will read; Kedro's rule: intermediates only."""
            for name in node.inputs:
                readers_left[name] -= 1
                if readers_left[name] == 0 and name not in kept:
                    catalog.release(name)
        max_workers = self._get_required_workers_count(pipeline)
        # Two per worker keeps a process pool's queue fed; one worker takes one
        # node at a time, so a sequential run follows pipeline.nodes exactly.
        most_in_flight = 1 if max_workers == 1 else 2 * max_workers
        # Ready nodes start in the pipeline's own order (topological, ties by
        # name): reproducible, and Kedro's order under SequentialRunner.
        rank = {node: position for position, node in enumerate(nodes)}

        ready: list[tuple[int, Node]] = []  # a heap, smallest rank first
        in_flight: dict[Future, Node] = {}
        done: list[Node] = []
        failures: list[tuple[Node, BaseException]] = []
        try:
            with self._get_executor(max_workers) or _InlineExecutor() as executor:
                try:
                    while True:
                        if not failures:
                            for node in sorter.get_ready():
                                heappush(ready, (rank[node], node))
                            while ready and len(in_flight) < most_in_flight:
                                node = heappop(ready)[1]
                                future = self._submit_node(
                                    executor, node, catalog, hook_manager, run_id
                                )
                                in_flight[future] = node
                        if not in_flight:
                            break
                        finished = wait(in_flight, return_when=FIRST_COMPLETED).done
                        for future in [f for f in in_flight if f in finished]:
                            node = in_flight.pop(future)
                            if future.cancelled():
                                continue
                            error = future.exception()
                            if error is not None:
                                failures.append((node, error))
                                for other in in_flight:  # those not started yet never will
                                    other.cancel()
                                continue
                            sorter.done(node)
                            done.append(node)
                            release_unused(node)
                            if progress:  # node.run has logged "Running node: <name>"
                                logger.info("Completed node: %s", node.name)
                                logger.info("Completed %d out of %d tasks", len(done), total)
                except BaseException:  # Ctrl-C, or a failing release: stop now
                    for future in in_flight:
                        future.cancel()
                    self._interrupt(executor)
                    raise
            if failures:
                raise self._failure(failures)
        except BaseException:
            running = sorted(node.name for future, node in in_flight.items() if not future.done())
            if running:
                logger.warning("%d node(s) abandoned mid-run: %s", len(running), ", ".join(running))
            for future, node in in_flight.items():  # finished while the run stopped
                if future.done() and not future.cancelled() and future.exception() is None:
                    done.append(node)
                    logger.info("Completed node: %s", node.name)
            self._suggest_resume(pipeline, catalog, done)
            raise

    def _failure(self, failures: list[tuple[Node, BaseException]]) -> BaseException:
        """Log the failed nodes once and return the exception to raise."""
        failures = [(node, _exit_as_error(error)) for node, error in failures]
        self.failed_nodes = sorted((node for node, _ in failures), key=_by_name)
        crashed = sorted(node.name for node, error in failures if isinstance(error, BrokenExecutor))
        if crashed:
            cause = next(e for _, e in failures if isinstance(e, BrokenExecutor))
            message = (
                f"A worker died while running node(s) {', '.join(map(repr, crashed))} "
                f"(the executor reported: {cause}). Something ended the worker process "
                f"from outside Python's error handling: os._exit(), a signal such as "
                f"SIGKILL from the out-of-memory killer, or a crash in native code."
            )
            self._logger.error("%s", message)
            crash = WorkerCrashedError(message, crashed)
            crash.__cause__ = cause
            return crash
        for node, error in failures:
            self._logger.error(
                "Node '%s' failed with %s: %s", node.name, type(error).__name__, error
            )
        return failures[0][1]

    def _suggest_resume(self, pipeline: Pipeline, catalog: Any, done: list[Node]) -> None:
        """Log the nodes that did not run and how to resume; set ``resume_hint``."""
        finished = set(done)
        unfinished = [node for node in pipeline.nodes if node not in finished]
        if not unfinished:
            return
        names = sorted(node.name for node in unfinished)
        more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
        self._logger.warning(
            "%d node(s) did not run: %s%s", len(names), ", ".join(names[:_LISTED]), more
        )
        if not done:
            self._logger.warning("No nodes ran. Repeat the previous command to attempt a new run.")
            return
        try:
            start = nodes_to_resume_from(pipeline, unfinished, catalog)
        except Exception:  # never hide the run's own error behind this one
            self._logger.debug("Could not work out where to resume from", exc_info=True)
            return
        argument = f'--from-nodes "{",".join(start)}"'
        self.resume_hint = f"minikedro run {argument}"
        self._logger.warning(
            "You can resume the pipeline run from the nearest nodes with persisted inputs "
            "by adding the following argument to your previous command:\n  %s", argument
        )

    def _suggest_resume_scenario(
        self, pipeline: Pipeline, done_nodes: Any, catalog: Any = None
    ) -> None:
        """Kedro's name for ``_suggest_resume``, for custom runners that call it."""
        finished = set(done_nodes)
        self._suggest_resume(pipeline, catalog, [n for n in pipeline.nodes if n in finished])

    def _only_missing_outputs(self, pipeline: Pipeline, catalog: Any) -> Pipeline:
        to_run = nodes_with_missing_outputs(pipeline, catalog)
        skipped = len(pipeline.nodes) - len(to_run)
        if skipped:
            kept = set(to_run)
            names = sorted(node.name for node in pipeline.nodes if node not in kept)
            self._logger.info(
                "Skipping %d node(s) with existing outputs: %s", skipped, ", ".join(names)
            )
        self._logger.info("Running %d out of %d nodes", len(to_run), len(pipeline.nodes))
        return type(pipeline)(to_run)


def _exit_as_error(error: BaseException) -> BaseException:
    """Turn a node's ``sys.exit()`` into a node failure: it must not end the program unreported."""
    if not isinstance(error, SystemExit):
        return error
    failure = RuntimeError(
        f"called sys.exit({error.code!r}): a node ends by returning its outputs, "
        f"or fails by raising an exception"
    )
    failure.__cause__ = error
    return failure


def _most_nodes_at_once(pipeline: Pipeline) -> int:
    """An upper bound on how many nodes can run at the same time (Kedro's estimate)."""
    return max(1, len(pipeline.nodes) - len(pipeline.grouped_nodes) + 1)


class _InlineExecutor(Executor):
    """An executor that runs each call at once, in the calling thread.

    It lets sequential runs go through the same loop as the others. Like a
    real executor it stores an exception, or a node's ``SystemExit``, in the
    future; Ctrl-C (``KeyboardInterrupt``) propagates at once.
    """

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            result = fn(*args, **kwargs)
        except (Exception, SystemExit) as error:
            future.set_exception(error)
        else:
            future.set_result(result)
        return future

    def __repr__(self) -> str:
        return "<inline executor>"
