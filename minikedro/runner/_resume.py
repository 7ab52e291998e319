"""What a failed run reports, and which nodes must (re)run, judged from what is persisted.

Data kept only in memory (an *ephemeral* dataset, or a name the catalog does
not know) is gone when a run ends, so whoever needs it must run again; data a
persisted dataset holds can be picked up where it lies. Kedro counterparts:
``_find_nodes_to_resume_from`` and ``_filter_pipeline_for_missing_outputs``.
Only a failed run or ``run(only_missing_outputs=True)`` imports this module;
both walks are linear in nodes + edges and ask each ``exists()`` at most once.
"""
from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import BrokenExecutor
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Iterable

from minikedro.io.core import is_parameter

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["NodesFailedError", "failure_to_raise", "nodes_to_resume_from", "nodes_with_missing_outputs", "only_missing_outputs",
           "report_unfinished"]

_LISTED = 20  # node names shown in a log line before "and N more"


def report_unfinished(pipeline: Pipeline, catalog: Any, done: set[Node],
                      logger: logging.Logger) -> str | None:
    """Log the nodes that did not run, and the argument that resumes the run; return the command."""
    unfinished = [node for node in pipeline.nodes if node not in done]
    if not unfinished:
        return None
    names = sorted(node.name for node in unfinished)
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    logger.warning("%d node(s) did not run: %s%s", len(names), ", ".join(names[:_LISTED]), more)
    if not done:
        logger.warning("No nodes ran. Repeat the previous command to attempt a new run.")
        return None
    try:
        argument = f'--from-nodes "{",".join(nodes_to_resume_from(pipeline, unfinished, catalog))}"'
    except Exception:  # never hide the run's own error behind this one
        logger.debug("Could not work out where to resume the run", exc_info=True)
        return None
    logger.warning("You can resume the pipeline run from the nearest nodes with persisted inputs "
                   "by adding the following argument to your previous command:\n  %s", argument)
    return f"minikedro run {argument}"


def nodes_to_resume_from(pipeline: Pipeline, unfinished: Iterable[Node], catalog: Any) -> list[str]:
    """The sorted names for ``--from-nodes`` that rerun every ``unfinished`` node.

    Walks back through ephemeral inputs (their producers must recreate them),
    stopping at persisted or free ones, adds everything downstream, and
    answers the nodes of that set with no parent inside it.
    """
    producer_of = {name: node for node in pipeline.nodes for name in node.outputs}
    rerun = set(unfinished)
    queue = deque(rerun)
    while queue:
        for name in queue.popleft().inputs:
            producer = producer_of.get(name)
            if producer is not None and producer not in rerun and _is_ephemeral(name, catalog):
                rerun.add(producer)
                queue.append(producer)

    rerun.update(pipeline.from_nodes(*(node.name for node in rerun)).nodes)
    parents_of = pipeline.node_dependencies
    return sorted(node.name for node in rerun if not parents_of[node] & rerun)


def nodes_with_missing_outputs(pipeline: Pipeline, catalog: Any) -> list[Node]:
    """The nodes, in pipeline order, to run so that every missing output gets made.

    From the last node back, a node runs when it has no outputs (it is there
    for its side effects); a persisted output of it is missing; an output is a
    free output kept in memory (memory does not survive a run, and the caller
    gets free outputs from ``run()``); or a node that runs reads an output of
    it that is ephemeral or missing.
    """
    children_of = _children(pipeline.node_dependencies)
    free_outputs = pipeline.outputs()
    exists: dict[str, bool] = {}

    def missing(name: str) -> bool:
        if name not in exists:
            exists[name] = bool(catalog.exists(name)) if name in catalog else False
        return not exists[name]

    to_run: set[Node] = set()
    for node in reversed(pipeline.nodes):
        outputs = node.outputs
        wanted = set()
        for child in children_of[node]:
            if child in to_run:
                wanted.update(child.inputs)
        if (
            not outputs
            or any(not _is_ephemeral(name, catalog) and missing(name) for name in outputs)
            or any(name in free_outputs and _is_ephemeral(name, catalog) for name in outputs)
            or any(_is_ephemeral(name, catalog) or missing(name) for name in outputs if name in wanted)
        ):
            to_run.add(node)
    return [node for node in pipeline.nodes if node in to_run]


def only_missing_outputs(pipeline: Pipeline, catalog: Any, logger: logging.Logger) -> Pipeline:
    """The part of ``pipeline`` that makes the missing outputs; log what it skips."""
    to_run = nodes_with_missing_outputs(pipeline, catalog)
    if len(to_run) < len(pipeline.nodes):
        kept = set(to_run)
        names = sorted(node.name for node in pipeline.nodes if node not in kept)
        logger.info("Skipping %d node(s) with existing outputs: %s", len(names), ", ".join(names))
    logger.info("Running %d out of %d nodes", len(to_run), len(pipeline.nodes))
    return type(pipeline)(to_run)


def _is_ephemeral(name: str, catalog: Any) -> bool:
    """True when the data lives only in memory (or the catalog would make it so)."""
    if is_parameter(name):
        return False  # served from configuration: always there
    dataset = catalog.get(name)
    return dataset is None or bool(getattr(dataset, "_EPHEMERAL", False))


def _children(parents_of: dict[Node, set[Node]]) -> dict[Node, list[Node]]:
    children_of: dict[Node, list[Node]] = {node: [] for node in parents_of}
    for node, parents in parents_of.items():
        for parent in parents:
            children_of[parent].append(node)
    return children_of


class NodesFailedError(RuntimeError):
    """Nodes failed in a ``keep_going`` run (more than one, or some were skipped).

    Attributes:
        errors: ``{failed node name: its exception}``.
        skipped: ``{failed node name: the names of the nodes skipped because of it}``.
    """

    def __init__(self, message: str, errors: dict[str, BaseException],
                 skipped: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.errors, self.skipped = errors, skipped


def failure_to_raise(runner: Any, pipeline: Pipeline, failures: list[tuple[Node, BaseException]],
                     done: set[Node]) -> BaseException:
    """Log the failed nodes once, set ``runner.failed_nodes``/``skipped_nodes``; return what to raise:
    a ``WorkerCrashedError`` if a worker died, the node's own error if it alone failed,
    else a ``NodesFailedError`` naming each failure and what it kept from running."""
    from minikedro.runner.runner import WorkerCrashedError
    from minikedro.runner.task import _exit_as_error

    failures = [(node, _exit_as_error(error)) for node, error in failures]
    runner.failed_nodes = sorted((node for node, _ in failures), key=attrgetter("name"))
    crashed = sorted(node.name for node, error in failures if isinstance(error, BrokenExecutor))
    if crashed:
        cause = next(e for _, e in failures if isinstance(e, BrokenExecutor))
        message = (f"A worker died while running node(s) {', '.join(map(repr, crashed))} "
                   f"(the executor reported: {cause}). Something ended the worker process "
                   f"from outside Python's error handling: os._exit(), a signal such as "
                   f"SIGKILL from the out-of-memory killer, or a crash in native code.")
        runner._logger.error("%s", message)
        crash = WorkerCrashedError(message, crashed)
        crash.__cause__ = cause
        return crash
    for node, error in failures:
        runner._logger.error("Node '%s' failed with %s: %s", node.name, type(error).__name__, error)
    if not runner.keep_going:
        return failures[0][1]
    runner.skipped_nodes, because = _skipped_because(pipeline, [n for n, _ in failures], done)
    if len(failures) == 1 and not runner.skipped_nodes:
        return failures[0][1]
    lines = [f"- '{node.name}' failed with {type(error).__name__}: {error}; skipped because of "
             f"it: {', '.join(sorted(because[node.name])) or 'none'}"
             for node, error in sorted(failures, key=lambda failure: failure[0].name)]
    failed = NodesFailedError(
        f"{len(failures)} node(s) failed and {len(runner.skipped_nodes)} node(s) were skipped "
        f"because they depend on them:\n" + "\n".join(lines),
        {node.name: error for node, error in failures},
        {name: sorted(names) for name, names in because.items()})
    failed.__cause__ = failures[0][1]
    return failed


def _skipped_because(pipeline: Pipeline, failed: list[Node], done: set[Node]
                     ) -> tuple[list[Node], dict[str, list[str]]]:
    """The nodes that did not run because a failed node is upstream, in pipeline order,
    and ``{failed node's name: their names}``: one walk over the graph."""
    causes: dict[Node, set[str]] = {node: {node.name} for node in failed}
    skipped: list[Node] = []
    because: dict[str, list[str]] = {node.name: [] for node in failed}
    for node, parents in pipeline.node_dependencies.items():
        if node not in done and node not in causes:
            causes[node] = set().union(*(causes.get(parent, ()) for parent in parents))
            if causes[node]:
                skipped.append(node)
            for name in causes[node]:
                because[name].append(node.name)
    return skipped, because
