"""Pipeline: a validated graph of nodes, with Kedro's queries and algebra.

A ``Pipeline`` never changes once built, and building it does all the work
later questions need, in time linear in nodes plus edges: flatten nested
pipelines (refusing two nodes with one name), index who produces and who
consumes each dataset (refusing two producers), and sort the graph in layers
with Kahn's algorithm. A layer holds the nodes whose parents all sit in
earlier layers, sorted by name; ``nodes`` reads the layers in order, which is
Kedro's order. A cycle leaves nodes unsorted and is reported as a path
``a -> b -> a``.

Datasets link nodes by their *base* name, without a transcoding suffix
(``data@json`` and ``data@text`` are one dataset ``data``; see
``transcoding.py``). The filters live in ``filters.py`` and deployment
groups in ``grouping.py``; ``Pipeline`` brings them together.

Public names: ``Pipeline``, ``PipelineError``, ``CircularDependencyError``,
``OutputNotUniqueError``, ``ConfirmNotUniqueError`` (Kedro:
``kedro.pipeline.pipeline``).
"""

from __future__ import annotations

import json
import re
import reprlib
from itertools import chain
from typing import Any, Iterable

import minikedro

from ._node_args import ArgumentTypeError, as_tags
from .filters import PipelineFilters
from .grouping import GroupedNodes, group_nodes
from .node import Node
from .transcoding import strip_transcoding

__all__ = [
    "CircularDependencyError",
    "ConfirmNotUniqueError",
    "OutputNotUniqueError",
    "Pipeline",
    "PipelineError",
]

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


class ConfirmNotUniqueError(PipelineError):
    """Nodes confirm the same dataset; ``duplicates`` maps each to its confirmers' names."""

    def __init__(self, message: str, duplicates: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


class Pipeline(PipelineFilters):
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
        prefix_datasets_with_namespace: bool = True,
    ) -> None:
        """Build a pipeline from nodes and/or other pipelines (flattened).

        Args:
            nodes: Nodes and pipelines, in any order.
            inputs, outputs, parameters, namespace, prefix_datasets_with_namespace:
                Namespace a copy of the nodes, as :func:`minikedro.pipeline.pipeline`
                does (Kedro 1.x).
            tags: Tags added to every node.

        Raises:
            ArgumentTypeError: ``nodes`` is not an iterable of nodes and
                pipelines (a TypeError, and a ValueError as in Kedro).
            PipelineError: Two different nodes share a name, a mapping is bad,
                or a dataset is named both with and without ``@format``.
            OutputNotUniqueError: Two nodes write one dataset.
            ConfirmNotUniqueError: Two nodes confirm one dataset.
            CircularDependencyError: The nodes form a cycle.
        """
        if any((inputs, outputs, parameters, namespace)):
            from .modular import _namespaced_nodes  # modular imports this module

            nodes = _namespaced_nodes(
                nodes, inputs=inputs, outputs=outputs, parameters=parameters, tags=tags,
                namespace=namespace, prefix_datasets=prefix_datasets_with_namespace,
            )
            tags = None  # already applied to the copies
        members = _unique_by_name(_flatten(nodes))
        extra_tags = as_tags(tags)
        if extra_tags:
            members = [member.tag(extra_tags) for member in members]
        self._build(members)

    def _build(self, members: list[Node]) -> None:
        """Index the nodes by dataset base name and sort them; positions index ``members``."""
        producer: dict[str, int] = {}
        consumers: dict[str, list[int]] = {}
        clashes: dict[str, list[str]] = {}
        transcoded = False
        for position, member in enumerate(members):
            for dataset in member._output_bases:
                first = producer.setdefault(dataset, position)
                if first != position:
                    clashes.setdefault(dataset, [members[first].name]).append(member.name)
            for dataset in member._input_bases:
                consumers.setdefault(dataset, []).append(position)
            transcoded = transcoded or (
                member._input_bases is not member._input_names
                or member._output_bases is not member._output_names
            )
        if clashes:
            _raise_not_unique(OutputNotUniqueError, clashes)
        _check_unique_confirms(members)
        self._members = members
        self._producer = producer
        self._consumers = consumers
        self._transcoded = transcoded
        if transcoded:
            _check_transcoding(self.datasets())
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
        waiting = [len(member._input_bases) for member in members]
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
                for dataset in members[position]._output_bases:
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
        return {producer[d] for d in self._members[position]._input_bases if d in producer}

    def _children_of(self, position: int) -> set[int]:
        consumers = self._consumers
        return {c for d in self._members[position]._output_bases for c in consumers.get(d, ())}

    def _subset(self, positions: Iterable[int]) -> Pipeline:
        """A new pipeline of the members at ``positions`` (what every filter returns)."""
        return Pipeline([self._members[p] for p in sorted(positions)])

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
            {min(set(members[a]._output_bases) & set(members[b]._input_bases)) for a, b in links}
        )
        cycle = [by_name(p) for p in loop + loop[:1]]
        raise CircularDependencyError(
            f"Circular dependencies exist among the following {len(loop)} item(s): "
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

    def group_nodes_by(self, group_by: str | None = "namespace") -> list[GroupedNodes]:
        """Group the nodes for deployment: by top-level namespace, or one node per group.

        Args:
            group_by: ``"namespace"``, or ``None``/``"none"`` for one group per node.

        Returns:
            ``GroupedNodes`` in the order their first node runs, each naming
            the groups it depends on.

        Raises:
            ValueError: ``group_by`` is not a known strategy.
        """
        return group_nodes(self, group_by)

    @property
    def grouped_nodes_by_namespace(self) -> list[GroupedNodes]:
        """``group_nodes_by("namespace")``, under its Kedro 0.19 name."""
        return group_nodes(self, "namespace")

    @property
    def node_dependencies(self) -> dict[Node, set[Node]]:
        """``{node: set of the nodes producing its inputs}``, for every node."""
        members = self._members
        return {members[p]: {members[q] for q in self._parents_of(p)} for p in self._order}

    def all_inputs(self) -> set[str]:
        """Every dataset some node reads, parameters included."""
        if not self._transcoded:
            return set(self._consumers)
        return {name for member in self._members for name in member._input_names}

    def all_outputs(self) -> set[str]:
        """Every dataset some node writes."""
        if not self._transcoded:
            return set(self._producer)
        return {name for member in self._members for name in member._output_names}

    def inputs(self) -> set[str]:
        """Free inputs: datasets read but not written here (they must exist)."""
        if not self._transcoded:
            return self._consumers.keys() - self._producer.keys()
        return {name for name in self.all_inputs() if strip_transcoding(name) not in self._producer}

    def outputs(self) -> set[str]:
        """Free outputs: datasets written but not read by any node here."""
        if not self._transcoded:
            return self._producer.keys() - self._consumers.keys()
        return {name for name in self.all_outputs() if strip_transcoding(name) not in self._consumers}

    def datasets(self) -> set[str]:
        """Every dataset the pipeline reads or writes."""
        return self.all_inputs() | self.all_outputs()

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


# -- helpers --------------------------------------------------------------------------


def _flatten(nodes: Any) -> list[Node]:
    """Turn the constructor's argument into a flat list of nodes."""
    if isinstance(nodes, Pipeline):
        return list(nodes._nodes)
    if nodes is None or isinstance(nodes, (str, bytes, dict, Node)):
        hint = " Wrap a single node in a list." if isinstance(nodes, Node) else ""
        raise ArgumentTypeError(
            f"'nodes' argument of 'Pipeline' must be an iterable of nodes and/or "
            f"pipelines, got {type(nodes).__name__} {reprlib.repr(nodes)}.{hint}"
        )
    flat: list[Node] = []
    for position, item in enumerate(nodes):
        if isinstance(item, Node):
            flat.append(item)
        elif isinstance(item, Pipeline):
            flat.extend(item._nodes)
        else:
            raise ArgumentTypeError(
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


def _raise_not_unique(error: type, clashes: dict[str, list[str]]) -> None:
    """Raise ``OutputNotUniqueError``/``ConfirmNotUniqueError`` for every clash at once."""
    duplicates = {dataset: sorted(names) for dataset, names in sorted(clashes.items())}
    detail = "; ".join(
        f"'{dataset}' by {', '.join(map(repr, names))}" for dataset, names in duplicates.items()
    )
    if error is OutputNotUniqueError:
        # Kedro's sentence, grammar included, as users match on it.
        message = (
            f"Output(s) {list(duplicates)} are returned by more than one nodes. "
            f"Node outputs must be unique ({detail}): rename one of the outputs."
        )
    else:
        message = (
            f"{list(duplicates)} datasets are confirmed by more than one node ({detail}). "
            f"Node confirms must be unique."
        )
    raise error(message, duplicates)


def _check_unique_confirms(members: list[Node]) -> None:
    confirmer: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    for member in members:
        for dataset in member._confirms:
            base = strip_transcoding(dataset)
            first = confirmer.setdefault(base, member.name)
            if first != member.name:
                clashes.setdefault(base, [first]).append(member.name)
    if clashes:
        _raise_not_unique(ConfirmNotUniqueError, clashes)


def _check_transcoding(names: set[str]) -> None:
    """Refuse a dataset named both ``data`` and ``data@format`` (Kedro's rule)."""
    plain = sorted({strip_transcoding(n) for n in names if "@" in n} & names)
    if plain:
        raise PipelineError(
            f"The following datasets are used with transcoding, but were referenced "
            f"without the separator: {', '.join(plain)}.\nPlease specify a transcoding "
            f"option or rename the datasets."
        )


def _joined(names: set[str]) -> str:
    return ", ".join(sorted(names)) if names else "None"


def _display(name: str) -> str:
    """Quote default names like ``f([a]) -> [b]`` so a path of them stays readable."""
    return name if _PLAIN_NAME.fullmatch(name) else f"'{name}'"


def __getattr__(name: str) -> Any:
    # Kedro 1.x defines pipeline() in kedro.pipeline.pipeline; ours lives in
    # modular.py, which builds on this module, so it is fetched on first use.
    if name == "pipeline":
        from .modular import pipeline

        return pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
