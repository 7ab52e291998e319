"""Which nodes must (re)run, judged from what the catalog has persisted.

Two questions, one idea: data kept only in memory (an *ephemeral* dataset,
``_EPHEMERAL = True``, or a name the catalog does not know) is gone when a run
ends, so whoever needs it must run again; data a persisted dataset holds can be
picked up where it lies.

- ``nodes_to_resume_from(pipeline, unfinished, catalog)``: after a failed run,
  the smallest set of node names to pass to ``--from-nodes`` so that every
  unfinished node runs again (``report_unfinished`` logs it). Kedro:
  ``_find_nodes_to_resume_from`` in ``kedro/runner/runner.py``.
- ``nodes_with_missing_outputs(pipeline, catalog)``: the nodes an
  ``only_missing_outputs`` run must execute; ``only_missing_outputs`` also logs
  what it skips. Kedro: ``AbstractRunner._filter_pipeline_for_missing_outputs``.

Only a failed run or ``run(only_missing_outputs=True)`` imports this module.

Both walk the graph once (linear in nodes + edges) and ask each dataset's
``exists()`` at most once.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Iterable

from minikedro.io.core import is_parameter

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["nodes_to_resume_from", "nodes_with_missing_outputs", "only_missing_outputs",
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
    argument = f'--from-nodes "{",".join(nodes_to_resume_from(pipeline, unfinished, catalog))}"'
    logger.warning("You can resume the pipeline run from the nearest nodes with persisted inputs "
                   "by adding the following argument to your previous command:\n  %s", argument)
    return f"minikedro run {argument}"


def nodes_to_resume_from(pipeline: Pipeline, unfinished: Iterable[Node], catalog: Any) -> list[str]:
    """Find the nodes a resumed run should start from, nearest to the failure.

    Walks back from the unfinished nodes through ephemeral inputs (their
    producers must run again to recreate them), stopping at persisted or free
    inputs; then adds everything downstream. The answer is the first nodes of
    that set: those with no parent inside it.

    Args:
        pipeline: The pipeline of the failed run.
        unfinished: The nodes that did not complete.
        catalog: The run's catalog, asked which inputs are persisted.

    Returns:
        Sorted node names for ``--from-nodes``.
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

    parents_of = pipeline.node_dependencies
    children_of = _children(parents_of)
    queue = deque(rerun)
    while queue:
        for child in children_of[queue.popleft()]:
            if child not in rerun:
                rerun.add(child)
                queue.append(child)
    return sorted(node.name for node in rerun if not parents_of[node] & rerun)


def nodes_with_missing_outputs(pipeline: Pipeline, catalog: Any) -> list[Node]:
    """Find the nodes to run so that every missing output gets made, and no more.

    Going from the last nodes to the first, a node runs when:

    1. it has no outputs (Kedro: it is there for its side effects);
    2. one of its persisted outputs does not exist;
    3. one of its outputs is a free output of the pipeline kept only in memory
       (the caller gets it from ``run()``, and memory does not survive a run:
       Kedro skips such a node and hands back an empty dataset);
    4. a node that runs reads one of its outputs that is ephemeral or missing.

    Args:
        pipeline: The pipeline to filter.
        catalog: The catalog, asked which outputs are persisted and exist.

    Returns:
        The nodes to run, in the pipeline's order.
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
