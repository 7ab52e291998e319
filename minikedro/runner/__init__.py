"""Runners: execute a pipeline's nodes with data from a catalog (Kedro: ``kedro.runner``).

Public names: ``AbstractRunner``, ``SequentialRunner``, ``ThreadRunner``,
``ParallelRunner``, ``run_node`` and ``WorkerCrashedError``.

All runners share one scheduling loop (``runner.py``) and one way to run a node
(``task.py``); they differ in the ``concurrent.futures`` executor they submit
nodes to: inline, a thread pool, or a process pool.
"""
from minikedro.runner.parallel_runner import ParallelRunner
from minikedro.runner.runner import AbstractRunner, WorkerCrashedError
from minikedro.runner.sequential_runner import SequentialRunner
from minikedro.runner.task import run_node
from minikedro.runner.thread_runner import ThreadRunner

__all__ = [
    "AbstractRunner",
    "ParallelRunner",
    "SequentialRunner",
    "ThreadRunner",
    "WorkerCrashedError",
    "run_node",
]
