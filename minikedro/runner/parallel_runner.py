"""``ParallelRunner``: run independent nodes at the same time in worker processes.

Public names: ``ParallelRunner``. Kedro counterpart: ``kedro/runner/parallel_runner.py``.
Nodes travel to a ``ProcessPoolExecutor`` and their hooks run here, as under every
remote runner (``remote.py``). ``SharedMemoryDataset`` s keep their data in a
``multiprocessing`` manager started for the run, where workers load and save it::

    this process: scheduling loop, relay ──── node ────▶ worker processes
    manager process: the shared data ◀──── load / save ────┘

``KEDRO_MP_CONTEXT`` (or ``MINIKEDRO_MP_CONTEXT``) picks the start method. The
results are copied back here at the end, so they stay loadable.
"""
from __future__ import annotations

import functools
import itertools
import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.managers import BaseManager
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any, Iterator

from minikedro.io import MemoryDataset, SharedMemoryDataCatalog, SharedMemoryDataset
from minikedro.runner._worker import start_worker
from minikedro.runner.remote import RemoteRunner
from minikedro.runner.runner import _MAX_WINDOWS_WORKERS, _most_nodes_at_once

if TYPE_CHECKING:
    from minikedro.pipeline import Pipeline

__all__ = ["ParallelRunner"]

_START_METHODS = ("fork", "spawn", "forkserver")


class ParallelRunner(RemoteRunner):
    """Run nodes concurrently in worker processes; for CPU-bound pure-Python nodes.

    Args:
        max_workers: The most worker processes; default the CPU count, never more
            than the pipeline can keep busy (ValueError if not positive).
        is_async: Load and save each node's data concurrently on threads in the worker.
    """

    catalog_class = SharedMemoryDataCatalog  # what KedroSession builds for it (and subclasses)

    def __init__(self, max_workers: int | None = None, is_async: bool = False, *,
                 keep_going: bool = False) -> None:
        if max_workers is not None:
            self._validate_max_workers(max_workers)
        super().__init__(is_async=is_async, keep_going=keep_going)
        self._max_workers = max_workers
        self._context: Any = None

    def __repr__(self) -> str:
        return f"ParallelRunner(max_workers={self._max_workers}, is_async={self._is_async})"

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        wanted = self._validate_max_workers(self._max_workers)
        if sys.platform == "win32":
            wanted = min(wanted, _MAX_WINDOWS_WORKERS)
        return min(wanted, _most_nodes_at_once(pipeline))

    def _dumps(self, obj: Any) -> Any:
        return ForkingPickler.dumps(obj)

    def _check(self, pipeline: Pipeline, catalog: Any, datasets: bool = True) -> None:
        self._context = _start_method()
        _check_catalog(pipeline, catalog)
        super()._check(pipeline, catalog, datasets=False)  # validate_catalog checked those

    @contextmanager
    def _open_executor(self, pipeline: Pipeline, catalog: Any) -> Iterator[tuple]:
        """Start the run's data manager, then its process pool."""
        forked = self._context.get_start_method() == "fork"
        # A forked worker inherits this process's logging; a spawned one sends its records.
        self._levels = None if forked else _levels()
        workers = self._get_required_workers_count(pipeline)
        with _DataServer(ctx=self._context) as server:
            catalog.set_manager_datasets(server)
            try:
                with self._made_here(functools.partial(
                        ProcessPoolExecutor, workers, self._context, start_worker)) as pool:
                    if forked:  # a fork-based pool forks all its workers at the first submit:
                        pool.submit(int).result()  # now, while this process has one thread
                    yield pool, workers
            finally:  # results stay loadable after the run: fetch them all in one go
                _shelves[server.address] = _Shelf(_shelf_at(server.address).copy())
                catalog.set_manager_datasets(None)
                del _shelves[server.address]


def _levels() -> dict[str, int]:
    """The levels set on this process's loggers ('' is the root): what a spawned worker copies."""
    loggers = logging.Logger.manager.loggerDict.items()
    return {"": logging.getLogger().level, **{name: logger.level for name, logger in list(loggers)
            if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET}}


# -- the shared data: one shelf in the manager's process, one handle per dataset

_shelves: dict[Any, Any] = {}  # manager address -> this process's proxy of its shelf


class _Shelf(dict):
    """In the manager's process: every shared dataset's data, by key."""

    def load(self, key: int) -> Any:
        return self[key] if key in self else MemoryDataset().load()  # MemoryDataset's own error

    def release(self, key: int) -> None:  # not pop(): that would send the data back
        self.pop(key, None)


_served = _Shelf()  # in the manager's process: the one shelf (elsewhere, unused and empty)


def _the_shelf() -> _Shelf:
    return _served


class _DataServer(BaseManager):
    """The run's manager. Its ``MemoryDataset()`` (what ``SharedMemoryDataset`` calls)
    hands out a ``_Shelved`` handle, not a proxy of a new object: a proxy costs three
    connections to make and two more each time a worker unpickles it (~1 ms each)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keys = itertools.count()

    def MemoryDataset(self) -> _Shelved:  # noqa: N802 (the name SharedMemoryDataset calls)
        return _Shelved(self.address, next(self._keys))


_DataServer.register("shelf", callable=_the_shelf,
                     exposed=("load", "__setitem__", "__contains__", "release", "copy"))


def _shelf_at(address: Any) -> Any:
    """This process's proxy of the shelf at ``address``: connect on first use, as remote managers do."""
    shelf = _shelves.get(address)
    if shelf is None:
        manager = _DataServer(address, authkey=multiprocessing.current_process().authkey)
        manager.connect()
        shelf = _shelves[address] = manager.shelf()
    return shelf


class _Shelved:
    """One shared dataset's data on the run's shelf; pickles as the shelf's address and a key."""

    def __init__(self, address: Any, key: int) -> None:
        self._address, self._key = address, key

    def load(self) -> Any:
        return _shelf_at(self._address).load(self._key)

    def save(self, data: Any) -> None:
        _shelf_at(self._address)[self._key] = data

    def exists(self) -> bool:
        return self._key in _shelf_at(self._address)

    def release(self) -> None:
        _shelf_at(self._address).release(self._key)


# -- what is checked before a run


def _start_method() -> Any:
    """The context ``MINIKEDRO_MP_CONTEXT`` or ``KEDRO_MP_CONTEXT`` names (ValueError if none here)."""
    variable = "MINIKEDRO_MP_CONTEXT" if os.environ.get("MINIKEDRO_MP_CONTEXT") else "KEDRO_MP_CONTEXT"
    method = os.environ.get(variable, "").strip()
    if not method:
        return multiprocessing.get_context()
    available = multiprocessing.get_all_start_methods()
    if method not in available:
        why = "is not a start method" if method not in _START_METHODS else "is not available here"
        raise ValueError(
            f"{variable}={method!r} {why}: valid values are "
            f"{', '.join(m for m in _START_METHODS if m in available)}, or leave it unset for "
            f"the platform default ({multiprocessing.get_start_method(allow_none=False)!r})."
        )
    return multiprocessing.get_context(method)


def _check_catalog(pipeline: Pipeline, catalog: Any) -> None:
    """Refuse a catalog whose data could not be shared with worker processes."""
    if not isinstance(catalog, SharedMemoryDataCatalog):
        raise TypeError(
            f"ParallelRunner needs a SharedMemoryDataCatalog, got {type(catalog).__name__}: "
            f"build it with SharedMemoryDataCatalog(...) or SharedMemoryDataCatalog.from_config"
            f"(...) so that memory datasets are shared between the worker processes."
        )
    catalog.validate_catalog(pipeline.datasets())
    local = sorted(name for name in pipeline.all_outputs()
                   if isinstance(catalog.get(name), MemoryDataset)
                   and not isinstance(catalog.get(name), SharedMemoryDataset))
    if local:
        raise ValueError(
            f"ParallelRunner cannot save output(s) {', '.join(map(repr, local))} to a "
            f"MemoryDataset: each worker process would save into its own copy, which no "
            f"other node sees. Remove these catalog entries (the catalog then shares them) "
            f"or make them SharedMemoryDataset()."
        )
