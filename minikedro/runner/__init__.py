"""Runners: execute a pipeline's nodes with data from a catalog (Kedro: ``kedro.runner``).

``SequentialRunner`` and ``ThreadRunner`` share one loop (``runner.py``) and one way
to run a node (``task.py``). The process and cluster runners, and Kedro's ``Task``,
are imported on first use (PEP 562): a plain run does not pay for ``multiprocessing``.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from minikedro.runner.runner import AbstractRunner, SequentialRunner, ThreadRunner, WorkerCrashedError
from minikedro.runner.task import run_node

_LAZY = {"ParallelRunner": "parallel_runner", "ExecutorRunner": "executor_runner",
         "DaskRunner": "dask_runner", "Task": "compat", "NodesFailedError": "_resume"}

__all__ = ["AbstractRunner", "SequentialRunner", "ThreadRunner", "WorkerCrashedError", "run_node",
           *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"minikedro.runner.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'minikedro.runner' has no attribute {name!r}")
