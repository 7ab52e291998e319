"""``ParallelRunner``: run independent nodes at the same time in worker processes.

Public names: ``ParallelRunner``. Kedro counterpart: ``kedro/runner/parallel_runner.py``.

How data and hook calls move (the manager's server is a thread of the parent,
not a process of its own)::

    parent process                                        worker processes
    ┌─────────────────────────────────────────────┐
    │ main thread: the scheduling loop (runner.py)│  node + its slice of the catalog
    │   ProcessPoolExecutor ──────────────────────┼────────────────▶ run_node()
    │                                             │                   │  │
    │ server thread (multiprocessing manager):    │  load / save      │  │
    │   MemoryDataset objects: the shared data  ◀─┼───────────────────┘  │
    │   _HookRelay: calls the parent's hooks    ◀─┼──────────────────────┘
    │     with the parent's node and catalog      │  hook name, node name, arguments;
    └─────────────────────────────────────────────┘  before_node_run's reply comes back

So memory datasets live in the parent, a worker receives only the datasets
its node touches, and every node and dataset hook runs in the parent, under
fork and spawn alike: what a hook records is there after the run (Kedro
re-creates hooks in each worker and loses what they record). Only hooks that
have an implementation are forwarded; each costs one round trip to the parent.
As under the other runners, a hook that raises fails the run with its own
exception object, ``sys.exc_info()`` works in ``on_node_error``, and a
``before_node_run`` hook that sets ``node.func`` changes what the worker runs.
A node's exception that cannot be pickled arrives as a stand-in of its nearest
built-in class, with its message (``_pickling.portable_error``).

Before any node runs, the runner refuses: a catalog that is not a
``SharedMemoryDataCatalog``, datasets that cannot be pickled, outputs to
process-local memory datasets, and nodes that cannot be pickled (each named,
with the culprit). ``KEDRO_MP_CONTEXT`` (``fork``, ``spawn``, ``forkserver``)
picks the start method. A worker that dies raises ``WorkerCrashedError``
naming the nodes in flight. Ctrl-C (or SIGTERM) terminates the workers: each
removes the temporary file of a save in progress and exits at once, without
finishing its node (``end_on_sigterm``). Pool and server live in ``with``
blocks, so nothing outlives a run.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any

from minikedro.datasets.files import remove_unfinished_writes
from minikedro.io import DataCatalog, MemoryDataset, SharedMemoryDataCatalog, SharedMemoryDataset
from minikedro.runner._pickling import portable_error, why_unpicklable
from minikedro.runner._shared_state import (
    HookFailed,
    SharedState,
    forward_logs,
    logger_levels,
    relayed_hooks,
    worker_relay,
)
from minikedro.runner.runner import _MAX_WINDOWS_WORKERS, AbstractRunner, _most_nodes_at_once
from minikedro.runner.task import run_node

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["ParallelRunner"]

_START_METHODS = ("fork", "spawn", "forkserver")

# In a worker: the proxy of the parent's hook relay, set once per process.
_parent_hooks: Any = None


class ParallelRunner(AbstractRunner):
    """Run nodes concurrently in worker processes; for CPU-bound pure-Python nodes.

    Args:
        max_workers: The most worker processes; default the CPU count, and never
            more than the pipeline can keep busy.
        is_async: Load each node's inputs and save its outputs concurrently on
            threads inside the worker.

    Raises:
        ValueError: ``max_workers`` is 0 or negative.
        TypeError: ``max_workers`` is not an integer.

    Example:
        >>> catalog = SharedMemoryDataCatalog(raw_data={"xs": [1, 2, 3]})
        >>> outputs = ParallelRunner().run(pipeline, catalog)
    """

    catalog_class = SharedMemoryDataCatalog  # what KedroSession builds for it (and subclasses)

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        if max_workers is not None:
            self._validate_max_workers(max_workers)
        super().__init__(is_async=is_async)
        self._max_workers = max_workers
        self._context: Any = None
        self._shared: SharedState | None = None

    def __repr__(self) -> str:
        return f"ParallelRunner(max_workers={self._max_workers}, is_async={self._is_async})"

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        wanted = self._validate_max_workers(self._max_workers)
        if sys.platform == "win32":
            wanted = min(wanted, _MAX_WINDOWS_WORKERS)
        return min(wanted, _most_nodes_at_once(pipeline))

    def _run(
        self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None, run_id: str | None = None
    ) -> None:
        self._context = _start_method()
        _check_catalog(pipeline, catalog)
        _check_nodes(pipeline.nodes)
        with SharedState(pipeline, catalog, hook_manager) as shared:
            self._shared = shared
            catalog.set_manager_datasets(shared.manager)
            try:
                super()._run(pipeline, catalog, hook_manager, run_id)
            finally:
                self._shared = None
                catalog.set_manager_datasets(None)  # results stay loadable after the run

    def _get_executor(self, max_workers: int) -> Executor:
        start_method = self._context.get_start_method()
        executor = ProcessPoolExecutor(
            max_workers=max_workers,
            mp_context=self._context,
            initializer=_start_worker,
            initargs=(*self._shared.relay_address, start_method, logger_levels()),
        )
        if start_method == "fork":
            # A fork-based pool forks all its workers at the first submit: do it
            # while this process has a single thread, before the server starts.
            try:
                executor.submit(int).result()
            except BaseException:
                executor.shutdown(wait=True)
                raise
        self._shared.serve()
        return executor

    def _submit_node(
        self, executor: Executor, node: Node, catalog: Any, hook_manager: Any, run_id: str | None
    ) -> Future:
        # Only what the node touches travels: pickling the whole catalog for
        # every node would cost time quadratic in the pipeline's size.
        touched = dict.fromkeys([*node.inputs, *node.outputs, *node.confirms])
        datasets = DataCatalog({name: catalog[name] for name in touched if name in catalog})
        return executor.submit(
            _run_node_in_worker, node, datasets, self._shared.hook_names, self._is_async, run_id
        )

    def _failure(self, failures: list[tuple[Node, BaseException]]) -> BaseException:
        # A hook that raised in this process fails its node with its own exception.
        shared = self._shared
        if shared is not None:
            failures = [(node, shared.original_error(error)) for node, error in failures]
        return super()._failure(failures)

    def _interrupt(self, executor: Executor) -> None:
        # Waiting for running nodes would make Ctrl-C hang: stop the workers.
        stop_processes(executor)
        executor.shutdown(wait=True)  # quick now, and it reaps the terminated workers


def stop_processes(executor: Any) -> bool:
    """End a process pool's workers now (its queued nodes cannot be cancelled); say if it was one.

    Its futures then fail with ``BrokenProcessPool``: cancelling them as well
    makes Python < 3.12 print an ``InvalidStateError`` from the pool's thread.
    """
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return True
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    return bool(processes)


def end_on_sigterm() -> None:
    """In a worker process: let SIGTERM (``stop_processes``) end it at once, and cleanly.

    Python's default would leave a save's temporary file behind. Letting the
    node unwind would not do either: the pool would catch the exception,
    report it, and hand the worker its next node.
    """
    signal.signal(signal.SIGTERM, _end_worker)


def _end_worker(signum: int, frame: Any) -> None:
    remove_unfinished_writes()
    os._exit(128 + signum)


def _start_worker(address: Any, relay_id: str, start_method: str, levels: dict) -> None:
    """Prepare a worker process: reach the parent's hook relay; leave Ctrl-C to the parent.

    A worker that was not forked has no logging set up: its records go to the
    parent through the relay.
    """
    global _parent_hooks
    end_on_sigterm()  # a forked worker would otherwise keep the parent's handler
    _parent_hooks = worker_relay(address, relay_id)
    if start_method != "fork":
        forward_logs(_parent_hooks, levels)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_node_in_worker(
    node: Node, catalog: Any, hook_names: frozenset, is_async: bool, run_id: str | None
) -> None:
    """Run one node in a worker process; its hooks run in the parent.

    An exception that could not be pickled back to the parent would surface
    there as a pickling error, or as a dead worker when it fails to unpickle;
    it is sent as a stand-in with the same message instead.
    """
    try:
        run_node(node, catalog, relayed_hooks(_parent_hooks, hook_names), is_async, run_id)
    except HookFailed:
        raise
    except Exception as error:
        portable = portable_error(error, f"raised by node '{node.name}' in a worker process")
        if portable is error:
            raise
        raise portable from error  # the worker's traceback still shows the original


def _start_method() -> Any:
    """Return the multiprocessing context that ``KEDRO_MP_CONTEXT`` asks for.

    ``MINIKEDRO_MP_CONTEXT`` (what Kedro's docs say after ``kedro`` ->
    ``minikedro``) is read too, and wins when both are set.

    Raises:
        ValueError: The variable holds something other than a start method this
            platform offers.
    """
    variable = "MINIKEDRO_MP_CONTEXT" if os.environ.get("MINIKEDRO_MP_CONTEXT") else "KEDRO_MP_CONTEXT"
    method = os.environ.get(variable, "").strip()
    if not method:
        return multiprocessing.get_context()
    available = multiprocessing.get_all_start_methods()
    if method not in available:
        why = "is not a start method" if method not in _START_METHODS else "is not available here"
        raise ValueError(
            f"{variable}={method!r} {why}: valid values are "
            f"{', '.join(m for m in _START_METHODS if m in available)}, "
            f"or leave it unset for the platform default "
            f"({multiprocessing.get_start_method(allow_none=False)!r})."
        )
    return multiprocessing.get_context(method)


def _check_catalog(pipeline: Pipeline, catalog: Any) -> None:
    """Refuse a catalog whose data could not be shared with worker processes."""
    if not isinstance(catalog, SharedMemoryDataCatalog):
        raise TypeError(
            f"ParallelRunner needs a SharedMemoryDataCatalog, got {type(catalog).__name__}: "
            f"build it with SharedMemoryDataCatalog(...) or "
            f"SharedMemoryDataCatalog.from_config(...) so that memory datasets are "
            f"shared between the worker processes."
        )
    catalog.validate_catalog(pipeline.datasets())
    local = sorted(
        name
        for name in pipeline.all_outputs()
        if isinstance(catalog.get(name), MemoryDataset)
        and not isinstance(catalog.get(name), SharedMemoryDataset)
    )
    if local:
        raise ValueError(
            f"ParallelRunner cannot save output(s) {', '.join(map(repr, local))} to a "
            f"MemoryDataset: each worker process would save into its own copy, which "
            f"no other node sees. Remove these catalog entries (the catalog then "
            f"shares them) or make them SharedMemoryDataset()."
        )


def _check_nodes(nodes: list[Node]) -> None:
    """Refuse, all at once, the nodes that cannot be sent to a worker process."""
    problems = []
    for node in nodes:
        try:
            ForkingPickler.dumps(node)
        except Exception as error:
            problems.append(f"- '{node.name}': {why_unpicklable(node.func, error)}")
    if problems:
        raise ValueError(
            f"ParallelRunner cannot send {len(problems)} node(s) to worker processes, "
            f"because they cannot be pickled:\n" + "\n".join(problems) + "\n"
            "Define node functions with def at the top level of a module (decorators "
            "need functools.wraps), or run with ThreadRunner or SequentialRunner."
        )
