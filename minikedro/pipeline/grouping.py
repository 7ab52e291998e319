"""Grouping nodes for deployment: one group per top-level namespace, or per node.

Deployment plugins map each group to one container or task. A group lists
its nodes' names and the groups it depends on, so the groups form a graph of
their own. ``Pipeline.group_nodes_by()`` and the older
``Pipeline.grouped_nodes_by_namespace`` call the functions here.

Public names: ``GroupedNodes`` (Kedro: ``kedro.pipeline.GroupedNodes``),
``group_nodes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .node import Node
    from .pipeline import Pipeline

__all__ = ["GroupedNodes", "group_nodes"]


@dataclass
class GroupedNodes:
    """A named group of nodes and the names of the groups it depends on.

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


def group_nodes(pipeline: Pipeline, group_by: str | None = "namespace") -> list[GroupedNodes]:
    """Group the pipeline's nodes; groups come in the order their first node runs.

    Args:
        pipeline: The pipeline to group.
        group_by: ``"namespace"`` (by top-level namespace; nodes outside any
            namespace form groups of one), or ``None``/``"none"`` (every node
            its own group).

    Raises:
        ValueError: ``group_by`` is something else.
    """
    if group_by is None or group_by.lower() == "none":
        def key(node: Node) -> str:
            return node.name
    elif group_by.lower() == "namespace":
        def key(node: Node) -> str:
            return node.namespace.split(".")[0] if node.namespace else node.name
    else:
        raise ValueError(
            f"Unsupported group_by strategy: {group_by!r}; use 'namespace' or None."
        )
    parents_of = pipeline.node_dependencies
    groups: dict[str, GroupedNodes] = {}
    listed: dict[str, set[str]] = {}  # group name -> its dependencies, for O(1) lookups
    for each in pipeline.nodes:
        name = key(each)
        group = groups.get(name)
        if group is None:
            kind = "namespace" if each.namespace and name != each.name else "node"
            group = groups[name] = GroupedNodes(name=name, type=kind)
            listed[name] = set()
        group.nodes.append(each.name)
        for parent in sorted(parents_of[each], key=lambda n: n.name):
            parent_name = key(parent)
            if parent_name != name and parent_name not in listed[name]:
                listed[name].add(parent_name)
                group.dependencies.append(parent_name)
    return list(groups.values())
