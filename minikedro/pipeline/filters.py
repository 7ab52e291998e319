"""Pipeline filters: the slices ``kedro run --nodes/--tags/--from-nodes/...`` ask for.

Each filter returns a new ``Pipeline`` and raises ``ValueError`` naming every
unknown node, dataset or namespace it was given (sorted). A single filter
may leave nothing; ``filter()``, which intersects several, refuses that.
Filters that follow dependencies walk the pipeline's parent and child links,
so none rescans the pipeline per node: each costs time linear in the nodes
and edges it reaches.

Datasets may be named with or without a transcoding suffix: ``"data"``
selects every node reading (or writing) ``data@json``, ``data@text`` or
``data``, while ``"data@json"`` selects only that exact name, as in Kedro.

Public names: ``PipelineFilters``, the half of ``Pipeline`` that holds the
filter methods (Kedro: the same methods of ``kedro.pipeline.Pipeline``).
"""

from __future__ import annotations

import difflib
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Iterable

from .transcoding import strip_transcoding

if TYPE_CHECKING:
    from .node import Node
    from .pipeline import Pipeline

__all__ = ["PipelineFilters"]


class PipelineFilters:
    """Filter methods shared by ``Pipeline``, built on the indexes it keeps.

    ``Pipeline`` provides ``_members`` (its nodes, by position),
    ``_producer`` (dataset base name -> position), ``_consumers`` (base name
    -> positions), ``_parents_of``, ``_children_of`` and ``_subset``.
    """

    _members: list[Node]
    _producer: dict[str, int]
    _consumers: dict[str, list[int]]
    _parents_of: Callable[[int], set[int]]
    _children_of: Callable[[int], set[int]]
    _subset: Callable[[Iterable[int]], "Pipeline"]

    def only_nodes(self, *node_names: str) -> Pipeline:
        """Keep only the named nodes."""
        return self._subset(self._named(node_names))

    def only_nodes_with_tags(self, *tags: str) -> Pipeline:
        """Keep the nodes carrying *any* of ``tags`` (none given: empty result)."""
        return self._subset(self._tagged(tags))

    def only_nodes_with_namespaces(self, node_namespaces: str | Iterable[str]) -> Pipeline:
        """Keep the nodes in any of these namespaces (a list, or one str), nested ones included."""
        return self._subset(self._in_namespaces(node_namespaces))

    def only_nodes_with_inputs(self, *inputs: str) -> Pipeline:
        """Keep the nodes that read any of ``inputs`` directly."""
        return self._subset(self._reading(inputs))

    def only_nodes_with_outputs(self, *outputs: str) -> Pipeline:
        """Keep the nodes that write any of ``outputs``."""
        return self._subset(self._writing(outputs))

    def from_inputs(self, *inputs: str) -> Pipeline:
        """Keep the nodes that depend on ``inputs`` (``params:x`` included), even indirectly."""
        return self._subset(self._downstream(self._reading(inputs)))

    def to_outputs(self, *outputs: str) -> Pipeline:
        """Keep the nodes needed, directly or transitively, to produce ``outputs``."""
        return self._subset(self._upstream(self._writing(outputs)))

    def from_nodes(self, *node_names: str) -> Pipeline:
        """Keep the named nodes and every node downstream of them."""
        return self._subset(self._downstream(self._named(node_names)))

    def to_nodes(self, *node_names: str) -> Pipeline:
        """Keep the named nodes and every node they need upstream."""
        return self._subset(self._upstream(self._named(node_names)))

    def filter(
        self,
        tags: Iterable[str] | None = None,
        from_nodes: Iterable[str] | None = None,
        to_nodes: Iterable[str] | None = None,
        node_names: Iterable[str] | None = None,
        from_inputs: Iterable[str] | None = None,
        to_outputs: Iterable[str] | None = None,
        node_namespaces: Iterable[str] | None = None,
    ) -> Pipeline:
        """Keep the nodes that pass *every* given filter.

        Each filter is applied to this whole pipeline and the results are
        intersected, so the order of the filters does not matter (as in Kedro).
        A filter given as None or empty is ignored.

        Returns:
            A new, non-empty ``Pipeline``.

        Raises:
            ValueError: A name or dataset is unknown, or no node passes every filter.
        """
        selections = [
            select(_as_names(value))
            for select, value in (
                (self._tagged, tags),
                (lambda names: self._downstream(self._named(names)), from_nodes),
                (lambda names: self._upstream(self._named(names)), to_nodes),
                (self._named, node_names),
                (lambda names: self._downstream(self._reading(names)), from_inputs),
                (lambda names: self._upstream(self._writing(names)), to_outputs),
                (self._in_namespaces, node_namespaces),
            )
            if value
        ]
        kept = set.intersection(*selections) if selections else set(range(len(self._members)))
        if not kept:
            raise ValueError(
                "Pipeline contains no nodes after applying all provided filters. "
                "Please ensure that at least one pipeline with nodes has been defined."
            )
        return self._subset(kept)

    # -- selections: each returns positions into self._members ----------------------

    @cached_property
    def _position(self) -> dict[str, int]:
        """Node name -> position; built on the first filter by name."""
        return {member.name: position for position, member in enumerate(self._members)}

    def _named(self, names: Iterable[str]) -> set[int]:
        names = list(names)
        unknown = sorted({n for n in names if n not in self._position})
        if unknown:
            hints = {
                known for known in self._position if any(known.endswith("." + u) for u in unknown)
            }
            for name in unknown:  # typos: the closest existing names
                hints.update(difflib.get_close_matches(name, self._position, n=3))
            hint = f" Did you mean: {', '.join(map(repr, sorted(hints)))}?" if hints else ""
            raise ValueError(f"Pipeline does not contain nodes named {unknown}.{hint}")
        return {self._position[n] for n in names}

    def _tagged(self, tags: Iterable[str]) -> set[int]:
        wanted = set(tags)
        return {p for p, member in enumerate(self._members) if not wanted.isdisjoint(member._tags)}

    def _in_namespaces(self, namespaces: str | Iterable[str]) -> set[int]:
        wanted = set(_as_names(namespaces))
        matched, found = set(), set()
        for position, member in enumerate(self._members):
            if not member.namespace:
                continue
            parts = member.namespace.split(".")
            for depth in range(1, len(parts) + 1):
                prefix = ".".join(parts[:depth])
                if prefix in wanted:
                    matched.add(position)
                    found.add(prefix)
        missing = sorted(wanted - found)
        if missing:
            raise ValueError(
                f"Pipeline does not contain nodes with the following namespaces: {missing}"
            )
        return matched

    @cached_property
    def _full_names(self) -> set[str]:
        """Every dataset name as the nodes spell it, ``@format`` included."""
        return {name for m in self._members for name in (*m._input_names, *m._output_names)}

    def _check_datasets(self, datasets: Iterable[str]) -> list[str]:
        datasets = list(datasets)
        unknown = sorted(
            {
                d for d in datasets
                if d not in self._producer and d not in self._consumers
                and d not in self._full_names
            }
        )
        if unknown:
            raise ValueError(f"Pipeline does not contain datasets named {unknown}.")
        return datasets

    def _reading(self, datasets: Iterable[str]) -> set[int]:
        chosen: set[int] = set()
        for name in self._check_datasets(datasets):
            base = strip_transcoding(name)
            readers = self._consumers.get(base, ())
            if name == base:  # a plain name selects every format of it
                chosen.update(readers)
            else:
                chosen.update(p for p in readers if name in self._members[p]._input_names)
        return chosen

    def _writing(self, datasets: Iterable[str]) -> set[int]:
        chosen: set[int] = set()
        for name in self._check_datasets(datasets):
            base = strip_transcoding(name)
            writer = self._producer.get(base)
            if writer is not None and (name == base or name in self._members[writer]._output_names):
                chosen.add(writer)
        return chosen

    def _downstream(self, start: set[int]) -> set[int]:
        return _reachable(start, self._children_of)

    def _upstream(self, start: set[int]) -> set[int]:
        return _reachable(start, self._parents_of)


def _reachable(start: set[int], neighbours: Callable[[int], set[int]]) -> set[int]:
    """Every position reachable from ``start`` through ``neighbours`` (start included)."""
    seen = set(start)
    stack = list(start)
    while stack:
        for neighbour in neighbours(stack.pop()):
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)
    return seen


def _as_names(value: str | Iterable[str]) -> list[str]:
    """Let a filter take one name as a str as well as several in an iterable."""
    return [value] if isinstance(value, str) else list(value)
