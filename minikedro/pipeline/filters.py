"""Pipeline filters: the slices ``kedro run --nodes/--tags/--from-nodes/...`` ask for.

``Pipeline.filter()`` and the ``only_nodes*``, ``from_*`` and ``to_*`` methods load this
module on first use (a plain run never filters) and keep the node names ``select()``
returns. It reads each pipeline's index (``Pipeline._index``: ``_by_name``; ``_producer``
and ``_consumers`` give positions in ``_nodes`` and ``_names``), so a criterion costs time
linear in what it reaches, never a rescan.

Unknown names are refused, all at once and sorted. ``data`` selects every format of a
dataset, ``data@json`` only that one (as in Kedro).

Public name: ``select`` (Kedro: the filter methods of ``kedro.pipeline.Pipeline``).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Callable, Iterable, Optional

from .node import strip_transcoding

if TYPE_CHECKING:
    from .pipeline import Pipeline

__all__ = ["select"]

Names = Optional[Iterable[str]]


def select(pipe: Pipeline, *, node_names: Names = None, tags: Names = None,
           node_namespaces: Names = None, inputs: Names = None, outputs: Names = None,
           from_nodes: Names = None, to_nodes: Names = None, from_inputs: Names = None,
           to_outputs: Names = None) -> set[str]:
    """The names of the nodes that pass every criterion given (None: not given).

    Args:
        pipe: The pipeline to select from.
        node_names, tags, node_namespaces: Nodes with one of these names, any of
            these tags, or in one of these namespaces (nested ones included).
        inputs, outputs: Nodes reading, or writing, any of these datasets.
        from_nodes, to_nodes, from_inputs, to_outputs: Those nodes (or the
            readers of, or writers of, those datasets) and every node downstream
            (``from_``) or upstream (``to_``) of them.

    Each criterion may be one name as a str.

    Raises:
        ValueError: A node name, dataset or namespace is unknown.
    """
    down, up = pipe._children_of, pipe._parents_of
    selections = [choose([names] if isinstance(names, str) else names) for choose, names in (
        (lambda names: _named(pipe, names), node_names),
        (lambda names: _tagged(pipe, names), tags),
        (lambda names: _in_namespaces(pipe, names), node_namespaces),
        (lambda names: _reading(pipe, names), inputs),
        (lambda names: _writing(pipe, names), outputs),
        (lambda names: _reachable(_named(pipe, names), down), from_nodes),
        (lambda names: _reachable(_named(pipe, names), up), to_nodes),
        (lambda names: _reachable(_reading(pipe, names), down), from_inputs),
        (lambda names: _reachable(_writing(pipe, names), up), to_outputs),
    ) if names is not None]
    return set.intersection(*selections) if selections else set(pipe._by_name)


def _named(pipe: Pipeline, names: Iterable[str]) -> set[str]:
    names, known = set(names), pipe._by_name
    unknown = sorted(names - known.keys())
    if unknown:
        hints = {n for n in known if any(n.endswith("." + u) for u in unknown)}  # namespaced
        hints.update(m for u in unknown for m in difflib.get_close_matches(u, known, n=3))
        hint = f" Did you mean: {', '.join(map(repr, sorted(hints)))}?" if hints else ""
        raise ValueError(f"Pipeline does not contain nodes named {unknown}.{hint}")
    return names


def _tagged(pipe: Pipeline, tags: Iterable[str]) -> set[str]:
    wanted = set(tags)
    return {name for name, each in pipe._by_name.items() if not wanted.isdisjoint(each._tags)}


def _in_namespaces(pipe: Pipeline, namespaces: Iterable[str]) -> set[str]:
    wanted, kept, found = set(namespaces), set(), set()
    for name, each in pipe._by_name.items():
        matching = wanted.intersection(each.namespace_prefixes)
        if matching:
            kept.add(name)
            found |= matching
    if wanted - found:
        raise ValueError(f"Pipeline does not contain nodes with the following namespaces: "
                         f"{sorted(wanted - found)}")
    return kept


def _reading(pipe: Pipeline, datasets: Iterable[str]) -> set[str]:
    return {pipe._names[reader] for dataset in _known(pipe, datasets)
            for reader in pipe._consumers.get(strip_transcoding(dataset), ())
            if "@" not in dataset or dataset in pipe._nodes[reader]._input_names}


def _writing(pipe: Pipeline, datasets: Iterable[str]) -> set[str]:
    chosen = set()
    for dataset in _known(pipe, datasets):
        writer = pipe._producer.get(strip_transcoding(dataset))  # a position: 0 is one too
        if writer is not None and ("@" not in dataset or dataset in pipe._nodes[writer]._output_names):
            chosen.add(pipe._names[writer])
    return chosen


def _known(pipe: Pipeline, datasets: Iterable[str]) -> list[str]:
    """``datasets`` as a list, refusing the names no node reads or writes."""
    datasets, producer, consumers = list(datasets), pipe._producer, pipe._consumers
    full_names = pipe.datasets() if pipe._transcoded else ()
    unknown = sorted({d for d in datasets if d not in producer and d not in consumers
                      and d not in full_names})
    if unknown:
        raise ValueError(f"Pipeline does not contain datasets named {unknown}.")
    return datasets


def _reachable(start: set[str], neighbours: Callable[[str], set[str]]) -> set[str]:
    """Every node reachable from ``start`` through ``neighbours``, ``start`` included."""
    seen, stack = set(start), list(start)
    while stack:
        for neighbour in neighbours(stack.pop()):
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)
    return seen
