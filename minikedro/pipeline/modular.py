"""Modular pipelines and deployment groups; loaded only when used.

``pipeline(pipe, namespace="cars")`` copies every node with ``cars.`` before node and
dataset names, and ``params:rate`` read as ``params:cars.rate``. ``inputs``, ``outputs``
and ``parameters`` name what keeps its name (a str, list or set) or takes a new one
(``{old: new}``). Each dataset name is rewritten by the first rule that applies:

1. a name listed in a mapping takes its mapped name; 2. ``parameters`` stays;
3. ``x@fmt`` whose base ``x`` is listed becomes ``<mapped>@fmt``;
4. ``params:x`` becomes ``params:<namespace>.x``; 5. ``x`` becomes ``<namespace>.x``.

``prefix_datasets_with_namespace=False`` skips rules 4 and 5 (only node names change).
``Pipeline.group_nodes_by()`` groups nodes for deployment plugins (a group per task).

Public names: ``pipeline`` (Kedro: ``kedro.pipeline.modular_pipeline``),
``GroupedNodes`` (Kedro: ``kedro.pipeline.GroupedNodes``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from .node import ArgumentTypeError, Node, strip_transcoding, transcode_split
from .pipeline import Pipeline, PipelineError, Renames

__all__ = ["GroupedNodes", "pipeline"]


def pipeline(pipe: Iterable[Node | Pipeline] | Pipeline, *, inputs: Renames = None,
             outputs: Renames = None, parameters: Renames = None,
             tags: str | Iterable[str] | None = None, namespace: str | None = None,
             prefix_datasets_with_namespace: bool = True) -> Pipeline:
    """Create a ``Pipeline``, optionally namespaced and with renamed inputs and outputs.

    Args:
        pipe: Nodes and/or pipelines to copy; they are left unchanged.
        inputs, outputs, parameters: Free inputs, outputs (free or not) and parameters (with
            or without ``params:``) that keep their name or are renamed.
        tags: Tags added to every node.
        namespace: Prefix for node names, and dataset and parameter names not listed.
        prefix_datasets_with_namespace: False to prefix only the node names.

    Raises:
        TypeError: A mapping or the namespace has the wrong type.
        PipelineError: A mapping names a dataset the pipeline does not have, a
            parameter under inputs or outputs, an intermediate dataset under
            inputs, or a free input under outputs.
    """
    return Pipeline(pipe, inputs=inputs, outputs=outputs, parameters=parameters, tags=tags,
                    namespace=namespace, prefix_datasets_with_namespace=prefix_datasets_with_namespace)


def namespaced(nodes: Any, inputs: Any, outputs: Any, parameters: Any, tags: Any,
               namespace: str | None, prefix_datasets: bool) -> list[Node]:
    """Copies of the nodes with names rewritten, tags added; what ``Pipeline()`` builds from."""
    if namespace is not None and not isinstance(namespace, str):
        raise ArgumentTypeError(f"namespace must be a str, got {type(namespace).__name__} {namespace!r}.")
    source = Pipeline(nodes, tags=tags)
    input_map, output_map = _mapping(inputs, "inputs"), _mapping(outputs, "outputs")
    param_map = {_as_param(old): old if old == "parameters" else _as_param(new)  # never renamed
                 for old, new in _mapping(parameters, "parameters").items()}
    _check_mappings(source, input_map, output_map, param_map)
    renames = {**input_map, **output_map, **param_map}
    prefix = namespace if namespace and prefix_datasets else None

    def rename(name: str) -> str:
        if name in renames or name == "parameters":
            return renames.get(name, name)
        base, suffix = transcode_split(name)
        if suffix and base in renames:
            return f"{renames[base]}@{suffix}"
        if prefix is None:
            return name
        return f"params:{prefix}.{name[len('params:'):]}" if _is_parameter(name) else f"{prefix}.{name}"

    def rename_spec(spec: Any) -> Any:
        if isinstance(spec, str):
            return rename(spec)
        if isinstance(spec, dict):
            return {key: rename(value) for key, value in spec.items()}
        return None if spec is None else [rename(value) for value in spec]

    return [each._copy(inputs=rename_spec(each._inputs), outputs=rename_spec(each._outputs),
                       confirms=rename_spec(each.confirms),
                       namespace=".".join(filter(None, (namespace, each.namespace))) or None)
            for each in source.nodes]


def _mapping(names: Any, argument: str) -> dict[str, str]:
    """A str, an iterable of str or a dict as ``{old_name: new_name}``."""
    if names is None:
        return {}
    if isinstance(names, str):
        mapping = {names: names}
    elif isinstance(names, Iterable) and not isinstance(names, dict):
        mapping = {name: name for name in names}
    else:
        mapping = names
    if not (isinstance(mapping, dict) and all(isinstance(n, str) for n in [*mapping, *mapping.values()])):
        raise ArgumentTypeError(f"'{argument}' must be a str, a list or set of str, or a dict of str "
                                f"to str; got {type(names).__name__} {names!r}.")
    return dict(mapping)


def _as_param(name: str) -> str:
    """A parameter name as nodes read it (``params:x``, or ``parameters``)."""
    return name if _is_parameter(name) else f"params:{name}"


def _is_parameter(name: str) -> bool:
    return name == "parameters" or name.startswith("params:")


def _check_mappings(source: Pipeline, input_map: dict[str, str], output_map: dict[str, str],
                    param_map: dict[str, str]) -> None:
    """Refuse mappings that do not fit ``source``, naming every culprit.

    Transcoded datasets may be named by their base (``data`` for ``data@json``).
    """
    known = source.datasets()
    known |= {strip_transcoding(name) for name in known}
    unknown = sorted((input_map.keys() | output_map.keys() | param_map.keys()) - known)
    if unknown:
        close = sorted({m for u in unknown for m in difflib.get_close_matches(u, known)})
        hint = f" - did you mean one of these instead: {', '.join(close)}" if close else ""
        raise PipelineError(f"Failed to map datasets and/or parameters onto the nodes provided: "
                            f"{', '.join(unknown)}{hint}")
    params = sorted(name for name in [*input_map, *output_map] if _is_parameter(name))
    if params:
        raise PipelineError(f"Parameters should be specified in the 'parameters' argument, not in "
                            f"'inputs' or 'outputs': {', '.join(params)}")
    free_inputs = {strip_transcoding(name) for name in source.inputs()}
    produced = sorted(name for name in input_map if strip_transcoding(name) not in free_inputs)
    if produced:
        raise PipelineError(f"Inputs must not be outputs from another node in the same pipeline: "
                            f"{', '.join(produced)}. List them under 'outputs' to expose them.")
    not_produced = sorted(name for name in output_map if strip_transcoding(name) in free_inputs)
    if not_produced:
        raise PipelineError(f"All outputs must be generated by some node within the pipeline: "
                            f"{', '.join(not_produced)} are free inputs. List them under 'inputs'.")


@dataclass
class GroupedNodes:
    """A named group of nodes for deployment, and the groups it depends on.

    Attributes:
        name: The top-level namespace, or the node's name for a node outside
            any namespace (or when grouping by node).
        type: ``"namespace"`` or ``"node"``.
        nodes: The full names of the group's nodes, in execution order.
        dependencies: The names of the groups whose nodes feed this group.
    """

    name: str
    type: str
    nodes: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)


def group_nodes(pipe: Pipeline, group_by: str | None = "namespace") -> list[GroupedNodes]:
    """Group by top-level namespace (nodes outside any form groups of one) or, for
    ``None``/``"none"``, one node per group; groups come in the order their first node runs.

    Raises:
        ValueError: ``group_by`` is something else.
    """
    by = "none" if group_by is None else group_by.lower()
    if by not in ("none", "namespace"):
        raise ValueError(f"Unsupported group_by strategy: {group_by!r}; use 'namespace' or None.")

    def key(each: Node) -> str:
        return each.namespace.split(".")[0] if by == "namespace" and each.namespace else each.name

    groups: dict[str, GroupedNodes] = {}
    listed: dict[str, set[str]] = {}  # each group's name and dependencies, for quick lookups
    for each, parents in pipe.node_dependencies.items():
        name = key(each)
        if name not in groups:
            groups[name] = GroupedNodes(name, "namespace" if name != each.name else "node")
            listed[name] = {name}
        groups[name].nodes.append(each.name)
        for parent in map(key, sorted(parents, key=attrgetter("name"))):
            if parent not in listed[name]:
                listed[name].add(parent)
                groups[name].dependencies.append(parent)
    return list(groups.values())
