"""Nodes and pipelines: what to run, and in which order (Kedro: ``kedro.pipeline``).

``node`` wires a function to named datasets; ``Pipeline`` checks a set of
nodes forms a graph without cycles or clashing outputs and answers questions
about it; ``pipeline`` reuses a pipeline under a namespace.
"""

from __future__ import annotations

from .modular import pipeline
from .node import Node, node
from .pipeline import CircularDependencyError, OutputNotUniqueError, Pipeline, PipelineError

__all__ = [
    "CircularDependencyError",
    "Node",
    "OutputNotUniqueError",
    "Pipeline",
    "PipelineError",
    "node",
    "pipeline",
]
