"""Pipeline: a validated graph of nodes, with Kedro's queries, algebra and filters.

A ``Pipeline`` never changes once built, and building it does all the work
later questions need, in time linear in nodes plus edges: flatten nested
pipelines (refusing two nodes with one name), index who produces and who
consumes each dataset (refusing two producers), link each node to its parents
and sort the graph in layers with Kahn's algorithm. A layer holds the nodes
whose parents all sit in earlier layers, sorted by name; ``nodes`` reads the
layers in order, which is Kedro's order. A cycle leaves nodes unsorted and is
reported as a path ``a -> b -> a``. Filters walk the parent and child links,
so none of them rescans the pipeline per node.

Public names: ``Pipeline``, ``PipelineError``, ``CircularDependencyError``,
``OutputNotUniqueError`` (Kedro: ``kedro.pipeline.pipeline``).
"""

from __future__ import annotations

import json
import re
import reprlib
from functools import cached_property
from itertools import chain
from typing import Any, Callable, Iterable

import minikedro

from .node import Node, _as_tags

__all__ = ["CircularDependencyError", "OutputNotUniqueError", "Pipeline", "PipelineError"]

_PLAIN_NAME = re.compile(r"[\w.:-]+")


class PipelineError(ValueError):
    """A pipeline cannot be built as asked: clashing names or a bad mapping."""


class CircularDependencyError(PipelineError):
    """Nodes depend on each other's outputs in a loop; ``cycle`` names them in order."""

    def __init__(self, message: str, cycle: list[str]) -> None:
        super().__init__(message)
        self.cycle = cycle


class OutputNotUniqueError(PipelineError):
    """Nodes write the same dataset; ``duplicates`` maps each to its writers' names."""

    def __init__(self, message: str, duplicates: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


class Pipeline:
    """An immutable collection of nodes that forms a directed acyclic graph."""

    def __init__(
        self,
        nodes: Iterable[Node | Pipeline] | Pipeline,
        *,
        inputs: str | Iterable[str] | dict[str, str] | None = None,
        outputs: str | Iterable[str] | dict[str, str] | None = None,
        parameters: str | Iterable[str] | dict[str, str] | None = None,
        tags: str | Iterable[str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Build a pipeline from nodes and/or other pipelines (flattened).

        Args:
            nodes: Nodes and pipelines, in any order.
            inputs, outputs, parameters, namespace: Namespace a copy of the
                nodes, as :func:`minikedro.pipeline.pipeline` does (Kedro 1.x).
            tags: Tags added to every node.

        Raises:
            TypeError: ``nodes`` is not an iterable of nodes and pipelines.
            PipelineError: Two different nodes share a name, or a mapping is bad.
            OutputNotUniqueError: Two nodes write one dataset.
            CircularDependencyError: The nodes form a cycle.
        """
        if any((inputs, outputs, parameters, namespace)):
            from .modular import _namespaced_nodes  # modular imports this module

            nodes = _namespaced_nodes(
                nodes, inputs=inputs, outputs=outputs, parameters=parameters,
                tags=tags, namespace=namespace,
            )
            tags = None  # already applied to the copies
        members = _unique_by_name(_flatten(nodes))
        extra_tags = _as_tags(tags)
        if extra_tags:
            members = [member.tag(extra_tags) for member in members]
        self._build(members)

    def _build(self, members: list[Node]) -> None:
        """Index the nodes and sort them; positions below index ``members``."""
        producer: dict[str, int] = {}
        consumers: dict[str, list[int]] = {}
        clashes: dict[str, list[str]] = {}
        for position, member in enumerate(members):
            for dataset in member._output_names:
                first = producer.setdefault(dataset, position)
                if first != position:
                    clashes.setdefault(dataset, [members[first].name]).append(member.name)
            for dataset in member._input_names:
                consumers.setdefault(dataset, []).append(position)
        if clashes:
            _raise_output_not_unique(clashes)
        self._members = members
        self._producer = producer
        self._consumers = consumers
        self._order, self._layer_sizes = self._layers()
        self._nodes = [members[p] for p in self._order]

    def _layers(self) -> tuple[list[int], list[int]]:
        """Sort positions in layers (Kahn's algorithm), each layer sorted by name.

        The graph's edges are the datasets themselves: a node waits for each
        of its inputs that some node produces, and placing a node releases the
        consumers of its outputs. No per-node parent or child lists are built.

        Returns:
            All positions, layer after layer, and the size of each layer.
        """
        members, consumers = self._members, self._consumers
        names = [member.name for member in members]
        waiting = [len(member._input_names) for member in members]
        for free_input in consumers.keys() - self._producer.keys():
            for position in consumers[free_input]:
                waiting[position] -= 1
        layer = sorted((p for p, count in enumerate(waiting) if count == 0), key=names.__getitem__)
        order: list[int] = []
        sizes: list[int] = []
        while layer:
            order.extend(layer)
            sizes.append(len(layer))
            ready = []
            for position in layer:
                for dataset in members[position]._output_names:
                    for child in consumers.get(dataset, ()):
                        waiting[child] -= 1
                        if waiting[child] == 0:
                            ready.append(child)
            layer = sorted(ready, key=names.__getitem__)
        if len(order) < len(members):
            self._raise_cycle({p for p, count in enumerate(waiting) if count})
        return order, sizes

    def _parents_of(self, position: int) -> set[int]:
        producer = self._producer
        return {producer[d] for d in self._members[position]._input_names if d in producer}

    def _children_of(self, position: int) -> set[int]:
        consumers = self._consumers
        return {c for d in self._members[position]._output_names for c in consumers.get(d, ())}

    def _raise_cycle(self, stuck: set[int]) -> None:
        """Find one cycle among unsortable positions and report it as a path.

        Every stuck node has a stuck parent, so walking up from any of them
        (always to the parent with the smallest name) must revisit a node.
        """
        members = self._members
        by_name = {position: members[position].name for position in stuck}.__getitem__
        seen: dict[int, int] = {}  # position -> step of the walk that reached it
        current = min(stuck, key=by_name)
        while current not in seen:
            seen[current] = len(seen)
            current = min(self._parents_of(current) & stuck, key=by_name)
        loop = list(seen)[seen[current]:][::-1]  # reversed: each node now feeds the next
        start = loop.index(min(loop, key=by_name))
        loop = loop[start:] + loop[:start]
        links = zip(loop, loop[1:] + loop[:1])
        linking = sorted(
            {min(set(members[a]._output_names) & set(members[b]._input_names)) for a, b in links}
        )
        cycle = [by_name(p) for p in loop + loop[:1]]
        raise CircularDependencyError(
            f"Circular dependency between {len(loop)} node(s): "
            f"{' -> '.join(map(_display, cycle))} (through dataset(s) {', '.join(linking)}). "
            f"A node cannot depend, even indirectly, on its own outputs.",
            cycle,
        )

    # -- queries --------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        """All nodes in topological order: layer by layer, by name within a layer."""
        return list(self._nodes)

    @property
    def grouped_nodes(self) -> list[list[Node]]:
        """The nodes in layers; a node's parents are all in earlier layers."""
        groups, start = [], 0
        for size in self._layer_sizes:
            groups.append(self._nodes[start : start + size])
            start += size
        return groups

    @property
    def node_dependencies(self) -> dict[Node, set[Node]]:
        """``{node: set of the nodes producing its inputs}``, for every node."""
        members = self._members
        return {members[p]: {members[q] for q in self._parents_of(p)} for p in self._order}

    def all_inputs(self) -> set[str]:
        """Every dataset some node reads, parameters included."""
        return set(self._consumers)

    def all_outputs(self) -> set[str]:
        """Every dataset some node writes."""
        return set(self._producer)

    def inputs(self) -> set[str]:
        """Free inputs: datasets read but not written here (they must exist)."""
        return self._consumers.keys() - self._producer.keys()

    def outputs(self) -> set[str]:
        """Free outputs: datasets written but not read by any node here."""
        return self._producer.keys() - self._consumers.keys()

    def datasets(self) -> set[str]:
        """Every dataset the pipeline reads or writes."""
        return self._consumers.keys() | self._producer.keys()

    def describe(self, names_only: bool = True) -> str:
        """Describe the execution order, free inputs and free outputs (Kedro's format).

        Args:
            names_only: List node names; if False, ``str(node)`` with its wiring.

        Returns:
            A multi-line string ready for logging.
        """
        listed = "\n".join(n.name if names_only else str(n) for n in self._nodes)
        return (
            "#### Pipeline execution order ####\n"
            f"Inputs: {_joined(self.inputs())}\n\n"
            f"{listed}\n\n"
            f"Outputs: {_joined(self.outputs())}\n"
            "##################################"
        )

    def to_json(self) -> str:
        """Return the nodes' names, inputs, outputs and tags as JSON, in topological order."""
        described = [
            {"name": n.name, "inputs": n.inputs, "outputs": n.outputs, "tags": list(n._tags)}
            for n in self._nodes
        ]
        version = getattr(minikedro, "__version__", "unknown")
        return json.dumps({"minikedro_version": version, "pipeline": described})

    def __repr__(self) -> str:
        shown = [repr(n) for n in self._nodes[:10]]
        if len(self._nodes) > 10:
            shown.append(f"... ({len(self._nodes) - 10} more)")
        return "Pipeline([\n" + ",\n".join(shown) + "\n])" if shown else "Pipeline([])"

    # -- algebra --------------------------------------------------------------------

    def __add__(self, other: Any) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return Pipeline(list(dict.fromkeys(chain(self._nodes, other._nodes))))

    def __radd__(self, other: Any) -> Pipeline:
        # sum() starts from 0.
        if isinstance(other, int) and other == 0:
            return self
        return self.__add__(other)

    def __sub__(self, other: Any) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        dropped = set(other._nodes)
        return Pipeline([n for n in self._nodes if n not in dropped])

    def __and__(self, other: Any) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        kept = set(other._nodes)
        return Pipeline([n for n in self._nodes if n in kept])

    def __or__(self, other: Any) -> Pipeline:
        return self.__add__(other)

    def tag(self, tags: str | Iterable[str]) -> Pipeline:
        """Return a copy of this pipeline with ``tags`` added to every node."""
        return Pipeline(self._nodes, tags=tags)

    # -- filters --------------------------------------------------------------------
    # Each returns a new Pipeline and raises ValueError naming every unknown
    # node, dataset or namespace it was given (sorted). An empty result is
    # allowed here; filter() refuses it.

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

    # -- selection helpers: each returns positions into self._members ---------------

    def _subset(self, positions: Iterable[int]) -> Pipeline:
        return Pipeline([self._members[p] for p in sorted(positions)])

    @cached_property
    def _position(self) -> dict[str, int]:
        """Node name -> position; built on the first filter by name."""
        return {member.name: position for position, member in enumerate(self._members)}

    def _named(self, names: Iterable[str]) -> set[int]:
        names = list(names)
        unknown = sorted({n for n in names if n not in self._position})
        if unknown:
            hints = sorted(
                known for known in self._position if any(known.endswith("." + u) for u in unknown)
            )
            hint = f" Did you mean: {hints}?" if hints else ""
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
            raise ValueError(f"Pipeline does not contain nodes with the namespaces {missing}.")
        return matched

    def _check_datasets(self, datasets: Iterable[str]) -> list[str]:
        datasets = list(datasets)
        unknown = sorted(
            {d for d in datasets if d not in self._producer and d not in self._consumers}
        )
        if unknown:
            raise ValueError(f"Pipeline does not contain datasets named {unknown}.")
        return datasets

    def _reading(self, datasets: Iterable[str]) -> set[int]:
        return {p for d in self._check_datasets(datasets) for p in self._consumers.get(d, ())}

    def _writing(self, datasets: Iterable[str]) -> set[int]:
        return {self._producer[d] for d in self._check_datasets(datasets) if d in self._producer}

    def _downstream(self, start: set[int]) -> set[int]:
        return _reachable(start, self._children_of)

    def _upstream(self, start: set[int]) -> set[int]:
        return _reachable(start, self._parents_of)


# -- helpers --------------------------------------------------------------------------


def _flatten(nodes: Any) -> list[Node]:
    """Turn the constructor's argument into a flat list of nodes."""
    if isinstance(nodes, Pipeline):
        return list(nodes._nodes)
    if nodes is None or isinstance(nodes, (str, bytes, dict, Node)):
        hint = " Wrap a single node in a list." if isinstance(nodes, Node) else ""
        raise TypeError(
            f"Pipeline() needs an iterable of nodes and/or pipelines, got "
            f"{type(nodes).__name__} {reprlib.repr(nodes)}.{hint}"
        )
    flat: list[Node] = []
    for position, item in enumerate(nodes):
        if isinstance(item, Node):
            flat.append(item)
        elif isinstance(item, Pipeline):
            flat.extend(item._nodes)
        else:
            raise TypeError(
                f"Pipeline() items must be nodes or pipelines; item {position} is "
                f"{type(item).__name__} {reprlib.repr(item)}."
            )
    return flat


def _unique_by_name(nodes: list[Node]) -> list[Node]:
    """Drop repeats of one node object; refuse different nodes sharing a name.

    A node object met twice (two sub-pipelines sharing it) is one node. Two
    objects with one name are refused even when equal, as in Kedro: they may
    call different functions. ``+`` merges equal nodes before it gets here.
    """
    by_name: dict[str, Node] = {}
    clashing: set[str] = set()
    for each in nodes:
        if by_name.setdefault(each.name, each) is not each:
            clashing.add(each.name)
    if clashing:
        listed = "\n".join(f"  - {name}" for name in sorted(clashing))
        raise PipelineError(
            f"Pipeline nodes must have unique names. The following node names appear "
            f"more than once:\n{listed}\nGive the nodes different names with node(..., name=...)."
        )
    return list(by_name.values())


def _raise_output_not_unique(clashes: dict[str, list[str]]) -> None:
    duplicates = {dataset: sorted(names) for dataset, names in sorted(clashes.items())}
    detail = "; ".join(
        f"'{dataset}' by {', '.join(map(repr, names))}" for dataset, names in duplicates.items()
    )
    raise OutputNotUniqueError(
        f"Output(s) {list(duplicates)} are returned by more than one node ({detail}). "
        f"Node outputs must be unique: rename one of the outputs.",
        duplicates,
    )


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


def _joined(names: set[str]) -> str:
    return ", ".join(sorted(names)) if names else "None"


def _display(name: str) -> str:
    """Quote default names like ``f([a]) -> [b]`` so a path of them stays readable."""
    return name if _PLAIN_NAME.fullmatch(name) else f"'{name}'"
