"""Nodes and pipelines: what to run, and in which order (Kedro: ``kedro.pipeline``).

Read ``node.py``, then ``pipeline.py``; ``filters.py`` and ``modular.py`` load on first use.
"""

from .node import Node, node
from .pipeline import (CircularDependencyError, ConfirmNotUniqueError, OutputNotUniqueError,
                       Pipeline, PipelineError)

del pipeline  # noqa: F821 - the submodule; as in Kedro, ``pipeline`` is the function below

__all__ = ["CircularDependencyError", "ConfirmNotUniqueError", "GroupedNodes", "Node",
           "OutputNotUniqueError", "Pipeline", "PipelineError", "node", "pipeline"]


def __getattr__(name: str) -> object:  # pipeline() and GroupedNodes load on first use
    if name in ("pipeline", "GroupedNodes"):
        from . import modular
        return getattr(modular, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
