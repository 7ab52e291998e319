"""Nodes and pipelines: what to run, and in which order (Kedro: ``kedro.pipeline``).

Read ``node.py`` (Node, node), then ``pipeline.py`` (Pipeline, its errors and
filters); ``modular.py`` (``pipeline()``, ``GroupedNodes``) loads when first used.
"""

from __future__ import annotations

from typing import Any

from .node import Node, node
from .pipeline import (CircularDependencyError, ConfirmNotUniqueError, OutputNotUniqueError,
                       Pipeline, PipelineError)

del pipeline  # the submodule's name: here, as in Kedro, ``pipeline`` is the function below

__all__ = ["CircularDependencyError", "ConfirmNotUniqueError", "GroupedNodes", "Node",
           "OutputNotUniqueError", "Pipeline", "PipelineError", "node", "pipeline"]


def __getattr__(name: str) -> Any:
    if name in ("pipeline", "GroupedNodes"):
        from . import modular

        return getattr(modular, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
