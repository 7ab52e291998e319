"""``ExecutorRunner``: run a pipeline on any ``concurrent.futures`` executor, other machines too.

Public names: ``ExecutorRunner``. Kedro counterpart: none built in; Kedro's
deployment docs have users copy a hand-written ``DaskRunner``. This is the
generic form, and ``DaskRunner`` (``dask_runner.py``) is a small subclass.

A worker may be another machine: it shares nothing with this process (the
*driver*) and receives only what one node needs::

    driver (this process)                         worker (wherever the executor runs it)
    main thread: the scheduling loop, runner.py
    a driver thread per node in flight:
      load its memory inputs (their hooks fire)
      before_node_run
      executor.submit ─────────────────────────▶  run_in_worker (_remote.py):
        node, memory inputs' values,                load the other inputs
        the other datasets, pickled                 call the node
                                                    save the other outputs
      replay, in order: ◀──────────────────────── events: memory outputs' values,
        dataset hooks, after_node_run or            the hook calls it recorded
        on_node_error, memory outputs saved

- Memory datasets (``_EPHEMERAL``: ``MemoryDataset``, ``SharedMemoryDataset``,
  parameters) live in the driver; their values travel with each task and back
  with its result. Other datasets travel pickled, and the worker loads and
  saves them itself: their data must be where every worker can reach it.
- Every hook fires in the driver, so what a hook records stays there.
  ``before_node_run`` fires before the task is sent; the dataset hooks of the
  worker's loads and saves, then ``after_node_run`` or ``on_node_error``, fire
  when the worker reports, in the order things happened there. Data crosses
  only when a hook asks for it: if a node hook declares ``inputs``, every
  input is loaded in the driver (hooks see, and may replace, what
  ``SequentialRunner`` gives them); a dataset hook declaring ``data``, or an
  ``after_node_run`` declaring ``outputs``, makes the worker send those back.
- Nodes, and the datasets that travel, must pickle: every culprit is named
  before any node runs. Workers must import minikedro and the project's code.
- Ctrl-C cancels the nodes not started yet, and ends the processes of a pool
  the runner made. It cannot stop nodes running on your executor: the run
  ends once those finish.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import pkgutil
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from minikedro.framework.hooks import _create_hook_manager
from minikedro.runner._pickling import unsendable_function
from minikedro.runner._remote import (
    EVENTS, before_node_run, check_portable, hooks_plan, lives_in_driver, replay, run_in_worker,
)
from minikedro.runner.parallel_runner import end_on_sigterm, stop_processes
from minikedro.runner.runner import AbstractRunner, _most_nodes_at_once
from minikedro.runner.task import _load

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["ExecutorRunner"]


class ExecutorRunner(AbstractRunner):
    """Run nodes on any ``concurrent.futures.Executor``: processes, a cluster, threads.

    Args:
        executor: An executor you own (a process pool, Dask's
            ``client.get_executor()``, ...); the runner never shuts it down.
        executor_factory: Makes the executor for each run, which the runner
            shuts down afterwards: a callable; or, as in configuration, a
            string: the dotted path of an ``Executor`` subclass
            (``"concurrent.futures.ProcessPoolExecutor"``) or a name the
            project's ``settings.py`` registers in ``EXECUTOR_FACTORIES``.
            Default, when ``executor`` is not given either: a
            ``ProcessPoolExecutor`` whose workers are spawned.
        factory_kwargs: Keyword arguments for ``executor_factory``.
        is_async: Load a node's inputs and save its outputs concurrently on
            threads in the worker.
        **more_factory_kwargs: Also passed to ``executor_factory``, so that
            ``--runner-params executor_factory=...,max_workers=2`` works.

    Raises:
        ValueError: ``executor`` with ``executor_factory`` or factory
            arguments, an argument given twice, or a factory string that
            names neither an ``Executor`` subclass nor a registered factory.
        TypeError: ``executor`` has no ``submit``, or ``executor_factory`` is
            neither callable nor a string.

    Example:
        >>> with ProcessPoolExecutor(4) as pool:
        ...     outputs = ExecutorRunner(executor=pool).run(pipeline, catalog)
    """

    def __init__(
        self,
        executor: Executor | None = None,
        executor_factory: Callable[..., Executor] | str | None = None,
        factory_kwargs: dict[str, Any] | None = None,
        is_async: bool = False,
        **more_factory_kwargs: Any,
    ) -> None:
        kwargs = dict(factory_kwargs or {})
        twice = sorted(set(kwargs) & set(more_factory_kwargs))
        if twice:
            raise ValueError(f"factory argument(s) {', '.join(twice)} given twice: in "
                             f"factory_kwargs and as keyword arguments; give each once")
        kwargs.update(more_factory_kwargs)
        if executor is not None:
            if executor_factory is not None or kwargs:
                extra = "executor_factory" if executor_factory else ", ".join(sorted(kwargs))
                raise ValueError(
                    f"ExecutorRunner got executor= and {extra}: pass your executor, or "
                    f"executor_factory= with the arguments to make one, not both"
                )
            if not callable(getattr(executor, "submit", None)):
                raise TypeError(f"executor must be a concurrent.futures.Executor (something "
                                f"with submit()), got {type(executor).__name__}")
        super().__init__(is_async=is_async)
        self._executor = executor
        self._factory = None if executor is not None else _resolve_factory(executor_factory)
        self._factory_kwargs = kwargs
        self._active_executor: Any = None  # the state of the run in progress
        self._workers = 1  # how many nodes it runs at once
        self._hooks_plan: tuple[bool, dict[str, bool]] = (False, {})
        self._sent: set[Future] = set()  # its tasks, cancelled on Ctrl-C
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        if self._executor is not None:
            return f"ExecutorRunner(executor={self._executor!r}, is_async={self._is_async})"
        name = f"{self._factory.__module__}.{self._factory.__qualname__}"
        return (f"ExecutorRunner(executor_factory={name}, factory_kwargs="
                f"{self._factory_kwargs}, is_async={self._is_async})")

    # -- the shared loop's extension points (runner.py) -------------------------------

    def _run(
        self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None, run_id: str | None = None
    ) -> None:
        """Check what must travel, open the executor, and run the shared loop on it."""
        hook_manager = hook_manager if hook_manager is not None else _create_hook_manager()
        check_portable(pipeline, catalog, self._dumps, type(self).__name__)
        self._hooks_plan = hooks_plan(hook_manager)
        with self._open_executor() as executor:
            self._active_executor, self._workers = executor, max(1, self._workers_of(executor))
            try:
                super()._run(pipeline, catalog, hook_manager, run_id)
            finally:
                self._active_executor = None

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        return min(self._workers, _most_nodes_at_once(pipeline))

    def _get_executor(self, max_workers: int) -> Executor:
        # The loop keeps up to 2 * max_workers nodes in flight; each gets a
        # driver thread, which mostly waits for its worker.
        return ThreadPoolExecutor(2 * max_workers, thread_name_prefix="minikedro-driver")

    def _submit_node(
        self, executor: Executor, node: Node, catalog: Any, hook_manager: Any, run_id: str | None
    ) -> Future:
        return executor.submit(self._run_remotely, node, catalog, hook_manager, run_id)

    def _interrupt(self, executor: Executor) -> None:
        made_here = self._active_executor is not self._executor
        if not (made_here and stop_processes(self._active_executor)):
            with self._lock:
                sent = list(self._sent)
            for future in sent:  # our tasks only: the executor may be the user's
                future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)

    # -- what a subclass for another executor changes --------------------------------------

    @contextmanager
    def _open_executor(self) -> Iterator[Executor]:
        """Provide the run's executor; shut it down afterwards if the runner made it."""
        if self._executor is not None:
            yield self._executor
            return
        executor = self._factory(**self._factory_kwargs)
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor_factory {self._factory!r} returned a "
                            f"{type(executor).__name__}, which has no submit()")
        try:
            yield executor
        finally:
            executor.shutdown(wait=True)

    def _workers_of(self, executor: Executor) -> int:
        """How many nodes ``executor`` runs at once: the stdlib pools say; else a guess."""
        return (getattr(executor, "_max_workers", None)
                or self._factory_kwargs.get("max_workers") or os.cpu_count() or 1)

    def _dumps(self, obj: Any) -> bytes:
        """Pickle ``obj`` as the executor will (DaskRunner: with cloudpickle)."""
        return pickle.dumps(obj)

    # -- one node, driver side ---------------------------------------------------------------

    def _run_remotely(
        self, node: Node, catalog: Any, hook_manager: Any, run_id: str | None
    ) -> Node:
        """Load what lives here, send the node to the executor, replay what it reports."""
        inputs_here, recorded = self._hooks_plan
        values, datasets, outbox = {}, {}, []
        for name in dict.fromkeys(node.inputs):
            if inputs_here or lives_in_driver(catalog.get(name)):
                values[name] = _load(name, node, catalog, hook_manager)
            else:
                datasets[name] = catalog.get(name)
        func = node.func
        overrides = before_node_run(node, catalog, values, hook_manager, self._is_async, run_id)
        if node.func is not func:  # a hook wrapped it (Kedro's retry example): it must travel
            try:
                self._dumps(node.func)
            except Exception as error:
                runner = type(self).__name__
                raise unsendable_function(node.name, node.func, error, runner) from None
        for name in node.outputs:
            if lives_in_driver(catalog.get(name)):
                outbox.append(name)
            else:
                datasets[name] = catalog.get(name)
        for name in node.confirms:
            datasets.setdefault(name, catalog.get(name))

        self._logger.info("Sending node to a worker: %s", node)
        future = self._active_executor.submit(
            run_in_worker, node, values, datasets, outbox, overrides, recorded,
            self._is_async, run_id,
        )
        with self._lock:
            self._sent.add(future)
        context = (node, catalog, hook_manager, {**values, **overrides}, self._is_async, run_id)
        try:
            events = future.result()
        except BaseException as error:
            replay(getattr(error, "__dict__", {}).pop(EVENTS, []), *context, error)
            raise
        finally:
            with self._lock:
                self._sent.discard(future)
        replay(events, *context)
        return node


def _spawned_processes(max_workers: int | None = None, **kwargs: Any) -> Executor:
    """The default executor: processes started fresh (``spawn``), as remote workers are.

    They inherit nothing but ``sys.path``, so a run that works here does not
    fail on a cluster for relying on what a forked worker would have copied;
    and the driver, which runs threads, never forks. Stopped on Ctrl-C, a
    worker leaves no temporary file behind (``end_on_sigterm``).
    """
    kwargs.setdefault("mp_context", multiprocessing.get_context("spawn"))
    kwargs.setdefault("initializer", end_on_sigterm)
    return ProcessPoolExecutor(max_workers, **kwargs)


def _resolve_factory(spec: Callable[..., Executor] | str | None) -> Callable[..., Executor]:
    """Turn ``executor_factory`` into a callable; a string must name an executor class.

    A string comes from configuration (``--runner-params``, a run file), which
    is data: it may name a ``concurrent.futures.Executor`` subclass, or a
    factory the project registers by name in ``settings.py``
    (``EXECUTOR_FACTORIES = {"dask": make_executor}``), never any other
    function, since the runner calls it with the configuration's arguments.
    A callable passed from Python is the caller's own code, used as given.

    Raises:
        TypeError: Neither a callable nor a string.
        ValueError: A string that names nothing importable, or something
            other than an ``Executor`` subclass or a registered factory.
    """
    if spec is None:
        return _spawned_processes
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"executor_factory must be a callable or a dotted path such as "
                        f"'concurrent.futures.ProcessPoolExecutor', got {type(spec).__name__}")
    from minikedro.framework.project import settings  # the configured project's, or none

    registered = dict(settings.EXECUTOR_FACTORIES)
    if spec in registered:
        if not callable(registered[spec]):
            raise TypeError(f"EXECUTOR_FACTORIES[{spec!r}] in settings.py must be a callable that "
                            f"returns an executor, got {type(registered[spec]).__name__}")
        return registered[spec]
    valid = (f"valid forms: the dotted path of a concurrent.futures.Executor subclass "
             f"('concurrent.futures.ProcessPoolExecutor', 'pkg.module:MyExecutor'), or a name "
             f"registered in settings.py as EXECUTOR_FACTORIES = {{'name': make_executor}} "
             f"(registered: {', '.join(sorted(registered)) or 'none'})")
    if "." not in spec and ":" not in spec:
        raise ValueError(f"executor_factory {spec!r} is not a dotted path; {valid}")
    try:
        factory = pkgutil.resolve_name(spec)
    except ImportError as error:
        raise ValueError(f"executor_factory {spec!r}: cannot import {error.name!r} "
                         f"({error}); {valid}") from error
    except (AttributeError, ValueError) as error:
        raise ValueError(f"executor_factory {spec!r}: {error}; {valid}") from error
    if not (isinstance(factory, type) and issubclass(factory, Executor)):
        kind = "class" if isinstance(factory, type) else type(factory).__name__
        raise ValueError(f"executor_factory {spec!r} names a {kind}, not a concurrent.futures."
                         f"Executor subclass, so it was not called; {valid}")
    return factory
