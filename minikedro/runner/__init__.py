"""Runners: execute a pipeline's nodes with data from a catalog (Kedro: ``kedro.runner``).

Public names: ``AbstractRunner``, ``SequentialRunner``, ``ThreadRunner``,
``ParallelRunner``, ``ExecutorRunner``, ``DaskRunner``, ``run_node``, ``Task``
and ``WorkerCrashedError``.

All runners share one scheduling loop (``runner.py``) and one way to run a node
(``task.py``); they differ in the ``concurrent.futures`` executor they submit
nodes to: inline, a thread pool, a process pool, or any executor you pass in.

The process-based runners are imported on first use (PEP 562 ``__getattr__``):
``multiprocessing`` and its managers cost ~20 ms to import, which a
``minikedro run`` with the default SequentialRunner should not pay.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from minikedro.runner.runner import AbstractRunner, WorkerCrashedError
from minikedro.runner.sequential_runner import SequentialRunner
from minikedro.runner.task import Task, run_node
from minikedro.runner.thread_runner import ThreadRunner

_LAZY = {
    "ParallelRunner": "minikedro.runner.parallel_runner",
    "ExecutorRunner": "minikedro.runner.executor_runner",
    "DaskRunner": "minikedro.runner.dask_runner",
}

__all__ = [
    "AbstractRunner",
    "DaskRunner",
    "ExecutorRunner",
    "ParallelRunner",
    "SequentialRunner",
    "Task",
    "ThreadRunner",
    "WorkerCrashedError",
    "run_node",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'minikedro.runner' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
