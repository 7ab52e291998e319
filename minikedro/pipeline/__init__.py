"""Nodes and pipelines: what to run, and in which order (Kedro: ``kedro.pipeline``).

``node`` wires a function to named datasets; ``Pipeline`` checks a set of
nodes forms a graph without cycles or clashing outputs, answers questions
about it and slices it; ``pipeline`` reuses a pipeline under a namespace;
``GroupedNodes`` is what ``Pipeline.group_nodes_by`` returns for deployment.

Modules: ``node`` (Node, node), ``pipeline`` (Pipeline and its errors),
``filters`` (the slicing methods), ``modular`` (pipeline()), ``grouping``
(GroupedNodes), ``transcoding`` (``data@format`` names).
"""

from __future__ import annotations

from .grouping import GroupedNodes
from .modular import pipeline
from .node import Node, node
from .pipeline import (
    CircularDependencyError,
    ConfirmNotUniqueError,
    OutputNotUniqueError,
    Pipeline,
    PipelineError,
)

__all__ = [
    "CircularDependencyError",
    "ConfirmNotUniqueError",
    "GroupedNodes",
    "Node",
    "OutputNotUniqueError",
    "Pipeline",
    "PipelineError",
    "node",
    "pipeline",
]
