"""Kedro-compatibility-only runner names, outside the path a reader of the core follows.

Public name: ``Task`` (``from minikedro.runner import Task`` loads this module).
Kedro counterpart: ``kedro.runner.task.Task``; minikedro's runners call ``run_node``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minikedro.hooks import _create_hook_manager
from minikedro.runner.task import run_node

if TYPE_CHECKING:
    from minikedro.pipeline import Node

__all__ = ["Task"]


class Task:
    """One node's run as an object, for custom runners written against Kedro 1.x.

    ``parallel`` is accepted for Kedro's signature and ignored: the process
    runners relay every hook to the parent process themselves.
    """

    def __init__(self, node: Node, catalog: Any, is_async: bool = False, hook_manager: Any = None,
                 run_id: str | None = None, parallel: bool = False) -> None:
        self.node, self.catalog, self.is_async = node, catalog, is_async
        self.hook_manager, self.run_id, self.parallel = hook_manager, run_id, parallel

    def execute(self) -> Node:
        """Run the node and return it; raises what ``run_node`` raises."""
        hook_manager = _create_hook_manager() if self.hook_manager is None else self.hook_manager
        return run_node(self.node, self.catalog, hook_manager, self.is_async, self.run_id)

    __call__ = execute

    def __repr__(self) -> str:
        return f"Task(node={self.node.name!r}, is_async={self.is_async})"
