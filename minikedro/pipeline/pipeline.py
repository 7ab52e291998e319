"""Pipelines: a checked graph of nodes, its order, queries and algebra.

Kedro: ``kedro.pipeline.pipeline``. A ``Pipeline`` never changes. Building one
flattens nested pipelines (one node per name) and indexes who writes and who
reads each dataset, by base name (one writer each). The order is layers (Kahn's
algorithm), each sorted by name (Kedro's order); a cycle is named by graphlib
and shown as a path ``a -> b -> a``. Filters use ``filters.py``, loaded when used.

Public names: ``Pipeline``, ``PipelineError``, ``CircularDependencyError``,
``OutputNotUniqueError``, ``ConfirmNotUniqueError``, and ``pipeline`` (from
``modular.py``, loaded on first use; Kedro 1.x defines it here).
"""

from __future__ import annotations

import json
import re
import reprlib
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Dict, Iterable, NoReturn, Union

import minikedro

from .node import ArgumentTypeError, Node, as_tags, strip_transcoding

if TYPE_CHECKING:
    from .modular import GroupedNodes
__all__ = ["CircularDependencyError", "ConfirmNotUniqueError", "OutputNotUniqueError", "Pipeline",
           "PipelineError"]

_PLAIN_NAME = re.compile(r"[\w.:-]+")
Names = Iterable[str]
Renames = Union[str, Iterable[str], Dict[str, str], None]  # names kept as they are, or {old: new}


class PipelineError(ValueError):
    """A pipeline cannot be built as asked: clashing names or a bad mapping."""


class CircularDependencyError(PipelineError):
    """Nodes depend on each other's outputs in a loop; ``cycle`` names them in order."""

    def __init__(self, message: str, cycle: list[str]) -> None:
        super().__init__(message)
        self.cycle = cycle


class OutputNotUniqueError(PipelineError):
    """Nodes write the same dataset; ``duplicates`` maps it to its writers' names."""

    def __init__(self, message: str, duplicates: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


class ConfirmNotUniqueError(PipelineError):
    """Nodes confirm the same dataset; ``duplicates`` maps it to its confirmers' names."""

    def __init__(self, message: str, duplicates: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


class Pipeline:
    """An immutable collection of nodes that forms a directed acyclic graph."""

    def __init__(self, nodes: Iterable[Node | Pipeline] | Pipeline, *, inputs: Renames = None,
                 outputs: Renames = None, parameters: Renames = None, tags: str | Names | None = None,
                 namespace: str | None = None, prefix_datasets_with_namespace: bool = True) -> None:
        """Build a pipeline from nodes and pipelines (flattened), in any order; add ``tags`` to
        every node. The other keywords namespace a copy, as :func:`~minikedro.pipeline.pipeline`.

        Raises:
            ArgumentTypeError: ``nodes`` is not an iterable of nodes and pipelines.
            PipelineError: Two nodes share a name, a mapping is bad, a dataset is named with
                and without ``@format``; or a subclass: a cycle, two writers or confirmers.
        """
        if any((inputs, outputs, parameters, namespace)):
            from .modular import namespaced
            nodes, tags = namespaced(nodes, inputs, outputs, parameters, tags, namespace,
                                     prefix_datasets_with_namespace), None
        by_name, tags = _by_name(nodes), as_tags(tags)
        if tags:
            by_name = {name: each.tag(tags) for name, each in by_name.items()}
        read_early, clashes = self._index(by_name)
        if clashes:
            raise _not_unique(OutputNotUniqueError, clashes)
        confirmers = defaultdict(set)
        for each in by_name.values():
            for dataset in each._confirms:
                confirmers[strip_transcoding(dataset)].add(each.name)
        if any(len(names) > 1 for names in confirmers.values()):
            raise _not_unique(ConfirmNotUniqueError, confirmers)
        if self._transcoded:  # Kedro's rule: a dataset is named with "@format" everywhere or nowhere
            plain = sorted({strip_transcoding(n) for n in self.datasets() if "@" in n} & self.datasets())
            if plain:
                raise PipelineError(f"The following datasets are used with transcoding, but were "
                                    f"referenced without the separator: {', '.join(plain)}.\nPlease "
                                    f"specify a transcoding option or rename the datasets.")
        # Listed producers first, nodes cannot form a cycle: sort when asked. Else now (cycles fail).
        if not read_early.isdisjoint(self._producer):
            self._sort()

    def _index(self, by_name: dict[str, Node]) -> tuple[set[str], dict[str, list[str]]]:
        """Index each dataset's writer and readers by position in ``by_name`` (ints index the
        sort's lists fast). Returns datasets read before (or without) their writer, and clashes."""
        nodes, names = list(by_name.values()), list(by_name)
        producer: dict[str, int] = {}
        consumers: defaultdict[str, list[int]] = defaultdict(list)
        read_early, clashes, transcoded = set(), {}, False
        for position, each in enumerate(nodes):
            for dataset in each._input_bases:
                consumers[dataset].append(position)
                if dataset not in producer:
                    read_early.add(dataset)
            for dataset in each._output_bases:
                first = producer.setdefault(dataset, position)
                if first != position:
                    clashes.setdefault(dataset, [names[first]]).append(names[position])
            if each._input_bases is not each._input_names or each._output_bases is not each._output_names:
                transcoded = True
        self._by_name, self._nodes, self._names, self._producer = by_name, nodes, names, producer
        self._consumers = consumers
        self._transcoded, self._order, self._layer_sizes = transcoded, None, []  # order: _sort()
        return read_early, clashes

    def _part(self, names: Iterable[str]) -> Pipeline:
        """A pipeline of some of these nodes: valid for sure, so only indexed, not checked."""
        kept = set(names)
        part = Pipeline.__new__(Pipeline)
        part._index({name: each for name, each in self._by_name.items() if name in kept})
        return part

    def _sort(self) -> list[Node]:
        """The nodes layer by layer, by name within a layer (Kedro's order): one pass of Kahn's
        algorithm, datasets as edges. graphlib only names a cycle once the pass is stuck: its
        ``prepare()`` walks the whole graph and keeps a record per node: 3x the cost of this
        pass at 100,000 nodes, measured, fed names or ints."""
        if self._order is None:
            nodes, consumers, name_of = self._nodes, self._consumers, self._names.__getitem__
            waiting = [len(each._input_bases) for each in nodes]
            for free_input in consumers.keys() - self._producer.keys():
                for position in consumers[free_input]:
                    waiting[position] -= 1
            layer = sorted((p for p, count in enumerate(waiting) if not count), key=name_of)
            order, sizes = [], []  # positions; each layer's size
            while layer:
                order += layer
                sizes.append(len(layer))
                ready = []
                for position in layer:
                    for dataset in nodes[position]._output_bases:
                        for child in consumers.get(dataset, ()):
                            waiting[child] -= 1
                            if not waiting[child]:
                                ready.append(child)
                layer = sorted(ready, key=name_of)
            if len(order) < len(nodes):
                self._raise_cycle()
            self._order, self._layer_sizes = list(map(nodes.__getitem__, order)), sizes
        return self._order

    def _raise_cycle(self) -> NoReturn:
        """Name one cycle as a path from its smallest name, with the datasets that link it."""
        # Given names in order, graphlib finds a cycle that does not depend on the nodes' order.
        try:
            TopologicalSorter({n: sorted(self._parents_of(n)) for n in sorted(self._by_name)}).prepare()
        except CycleError as error:
            found = error
        loop = found.args[1][:-1]  # each feeds the next; the last repeated the first
        start = loop.index(min(loop))
        loop = loop[start:] + loop[:start]
        by_name = self._by_name
        linking = sorted({min(set(by_name[a]._output_bases).intersection(by_name[b]._input_bases))
                          for a, b in zip(loop, loop[1:] + loop[:1])})
        raise CircularDependencyError(
            f"Circular dependencies exist among the following {len(loop)} item(s): "
            f"{' -> '.join(map(_quoted, loop + loop[:1]))} (through dataset(s) {', '.join(linking)}). "
            f"A node cannot depend, even indirectly, on its own outputs.", loop + loop[:1]) from found

    def _parents_of(self, name: str) -> set[str]:
        names, producer = self._names, self._producer
        return {names[producer[d]] for d in self._by_name[name]._input_bases if d in producer}

    def _children_of(self, name: str) -> set[str]:
        names, consumers = self._names, self._consumers
        return {names[c] for d in self._by_name[name]._output_bases for c in consumers.get(d, ())}

    # -- queries ---------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        """All nodes in topological order: layer by layer, by name within a layer."""
        return list(self._sort())

    @property
    def grouped_nodes(self) -> list[list[Node]]:
        """The nodes in layers; a node's parents are all in earlier layers."""
        order, sizes = self._sort(), self._layer_sizes
        return [order[end - size : end] for size, end in zip(sizes, accumulate(sizes))]

    def group_nodes_by(self, group_by: str | None = "namespace") -> list[GroupedNodes]:
        """Group the nodes for deployment: by top-level namespace, or (None) one node per group."""
        from .modular import group_nodes
        return group_nodes(self, group_by)

    @property
    def node_dependencies(self) -> dict[Node, set[Node]]:
        """``{node: the nodes producing its inputs}``, in topological order."""
        nodes, producer = self._nodes, self._producer
        return {each: {nodes[producer[d]] for d in each._input_bases if d in producer}
                for each in self._sort()}

    # Without transcoding, full dataset names are the base names the index holds.

    def all_inputs(self) -> set[str]:
        """Every dataset some node reads, parameters included."""
        return ({name for each in self._by_name.values() for name in each._input_names}
                if self._transcoded else set(self._consumers))

    def all_outputs(self) -> set[str]:
        """Every dataset some node writes."""
        return ({name for each in self._by_name.values() for name in each._output_names}
                if self._transcoded else set(self._producer))

    def inputs(self) -> set[str]:
        """Free inputs: datasets read but not written here (they must exist)."""
        return ({name for name in self.all_inputs() if strip_transcoding(name) not in self._producer}
                if self._transcoded else self._consumers.keys() - self._producer.keys())

    def outputs(self) -> set[str]:
        """Free outputs: datasets written but not read by any node here."""
        return ({name for name in self.all_outputs() if strip_transcoding(name) not in self._consumers}
                if self._transcoded else self._producer.keys() - self._consumers.keys())

    def datasets(self) -> set[str]:
        """Every dataset the pipeline reads or writes."""
        return self.all_inputs() | self.all_outputs()

    def describe(self, names_only: bool = True) -> str:
        """The order, free inputs and outputs in Kedro's format; ``str(node)`` if not ``names_only``."""
        listed = "\n".join(n.name if names_only else str(n) for n in self._sort())
        return (f"#### Pipeline execution order ####\nInputs: {', '.join(sorted(self.inputs())) or None}"
                f"\n\n{listed}\n\nOutputs: {', '.join(sorted(self.outputs())) or None}\n"
                f"##################################")

    def to_json(self) -> str:
        """The nodes' names, inputs, outputs and tags as JSON, in topological order."""
        described = [{"name": n.name, "inputs": n.inputs, "outputs": n.outputs, "tags": list(n._tags)}
                     for n in self._sort()]
        return json.dumps({"minikedro_version": minikedro.__version__, "pipeline": described})

    def __repr__(self) -> str:
        nodes = self._sort()
        shown = [repr(n) for n in nodes[:10]] + ([f"... ({len(nodes) - 10} more)"] if nodes[10:] else [])
        return "Pipeline([\n" + ",\n".join(shown) + "\n])" if shown else "Pipeline([])"

    # -- algebra: + and | merge equal nodes, - and & keep a part ------------------------

    def __add__(self, other: Any) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        mine = self._by_name  # a different node under a name in both is refused by Pipeline()
        return Pipeline([*mine.values(), *(each for name, each in other._by_name.items()
                                          if name not in mine or mine[name] != each)])

    def __radd__(self, other: Any) -> Pipeline:
        return self if isinstance(other, int) and other == 0 else self.__add__(other)  # sum()

    __or__ = __add__

    def __sub__(self, other: Any) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self._part(n for n, each in self._by_name.items() if other._by_name.get(n) != each)

    def __and__(self, other: Any) -> Pipeline:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self._part(n for n, each in self._by_name.items() if other._by_name.get(n) == each)

    def tag(self, tags: str | Iterable[str]) -> Pipeline:
        """Return a copy of this pipeline with ``tags`` added to every node."""
        return Pipeline(self, tags=tags)

    # -- filters (filters.py, loaded on first use): each returns a new pipeline -------

    def only_nodes(self, *node_names: str) -> Pipeline:
        """Keep only the named nodes."""
        return self._select(node_names=node_names)

    def only_nodes_with_tags(self, *tags: str) -> Pipeline:
        """Keep the nodes carrying *any* of ``tags`` (none given: empty result)."""
        return self._select(tags=tags)

    def only_nodes_with_namespaces(self, node_namespaces: str | Names) -> Pipeline:
        """Keep the nodes in any of these namespaces (one or several), nested ones included."""
        return self._select(node_namespaces=node_namespaces)

    def only_nodes_with_inputs(self, *inputs: str) -> Pipeline:
        """Keep the nodes that read any of ``inputs`` directly."""
        return self._select(inputs=inputs)

    def only_nodes_with_outputs(self, *outputs: str) -> Pipeline:
        """Keep the nodes that write any of ``outputs``."""
        return self._select(outputs=outputs)

    def from_inputs(self, *inputs: str) -> Pipeline:
        """Keep the nodes that depend on ``inputs`` (``params:x`` too), even indirectly."""
        return self._select(from_inputs=inputs)

    def to_outputs(self, *outputs: str) -> Pipeline:
        """Keep the nodes needed, directly or not, to produce ``outputs``."""
        return self._select(to_outputs=outputs)

    def from_nodes(self, *node_names: str) -> Pipeline:
        """Keep the named nodes and every node downstream of them."""
        return self._select(from_nodes=node_names)

    def to_nodes(self, *node_names: str) -> Pipeline:
        """Keep the named nodes and every node they need upstream."""
        return self._select(to_nodes=node_names)

    def filter(self, tags: Names | None = None, from_nodes: Names | None = None,
               to_nodes: Names | None = None, node_names: Names | None = None,
               from_inputs: Names | None = None, to_outputs: Names | None = None,
               node_namespaces: Names | None = None) -> Pipeline:
        """Keep the nodes that pass *every* filter given (None or empty: ignored); each sees
        this whole pipeline, so their order does not matter (as in Kedro).

        Raises:
            ValueError: A name or dataset is unknown, or no node passes every filter.
        """
        kept = self._select(tags=tags or None, from_nodes=from_nodes or None, to_nodes=to_nodes or None,
                            node_names=node_names or None, from_inputs=from_inputs or None,
                            to_outputs=to_outputs or None, node_namespaces=node_namespaces or None)
        if not kept._by_name:
            raise ValueError("Pipeline contains no nodes after applying all provided filters. "
                             "Please ensure that at least one pipeline with nodes has been defined.")
        return kept

    def _select(self, **criteria: Any) -> Pipeline:
        from .filters import select
        return self._part(select(self, **criteria))


def _by_name(nodes: Any) -> dict[str, Node]:
    """Flatten nodes and pipelines into ``{name: node}``. A node object met twice is one
    node; two objects with one name are refused even when equal, as in Kedro (they may
    call different functions; ``+`` merges equal nodes before this)."""
    if isinstance(nodes, Pipeline):
        return dict(nodes._by_name)
    if nodes is None or isinstance(nodes, (str, bytes, dict, Node)):
        hint = " Wrap a single node in a list." if isinstance(nodes, Node) else ""
        raise ArgumentTypeError(f"'nodes' argument of 'Pipeline' must be an iterable of nodes and/or "
                                f"pipelines, got {type(nodes).__name__} {reprlib.repr(nodes)}.{hint}")
    by_name: dict[str, Node] = {}
    clashing = set()
    for position, item in enumerate(nodes):
        if isinstance(item, Node):
            named: Iterable[tuple[str, Node]] = ((item._full_name, item),)
        elif isinstance(item, Pipeline):
            named = item._by_name.items()
        else:
            raise ArgumentTypeError(f"Pipeline() items must be nodes or pipelines; item {position} "
                                    f"is {type(item).__name__} {reprlib.repr(item)}.")
        for name, each in named:
            if by_name.setdefault(name, each) is not each:
                clashing.add(name)
    if clashing:
        listed = "\n".join(f"  - {name}" for name in sorted(clashing))
        raise PipelineError(f"Pipeline nodes must have unique names. The following node names appear "
                            f"more than once:\n{listed}\nGive the nodes different names with "
                            f"node(..., name=...).")
    return by_name


def _not_unique(error: type, writers: dict[str, Iterable[str]]) -> PipelineError:
    """An ``OutputNotUniqueError`` or ``ConfirmNotUniqueError`` naming every clash."""
    duplicates = {d: sorted(names) for d, names in sorted(writers.items()) if len(names) > 1}
    detail = "; ".join(f"'{d}' by {', '.join(map(repr, names))}" for d, names in duplicates.items())
    if error is OutputNotUniqueError:  # Kedro's sentence, grammar included: users match on it
        return error(f"Output(s) {list(duplicates)} are returned by more than one nodes. Node outputs "
                     f"must be unique ({detail}): rename one of the outputs.", duplicates)
    return error(f"{list(duplicates)} datasets are confirmed by more than one node ({detail}). "
                 f"Node confirms must be unique.", duplicates)


def _quoted(name: str) -> str:
    """Quote default names like ``f([a]) -> [b]`` so a path of them stays readable."""
    return name if _PLAIN_NAME.fullmatch(name) else f"'{name}'"


def __getattr__(name: str) -> Any:
    if name == "pipeline":  # Kedro 1.x's home for it; modular.py builds on this module
        from .modular import pipeline
        return pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
