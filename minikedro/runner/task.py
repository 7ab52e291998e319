"""One node's run: load its inputs, fire the hooks, call it, save its outputs.

Public names: ``run_node`` and ``Task``. Kedro counterpart:
``kedro.runner.task.Task`` (``run_node`` in Kedro 0.19).

The order of events for one node, the same under every runner::

    before_dataset_loaded → catalog.load → after_dataset_loaded     (each input)
    before_node_run   (a returned dict replaces those inputs)
    node.run(inputs)  → on_node_error and re-raise, if it fails
    after_node_run
    before_dataset_saved → catalog.save → after_dataset_saved       (each output)
    catalog.confirm   (each of ``node.confirms``)

In async mode the inputs load, and the outputs save, concurrently on threads
(each with its own pair of dataset hooks). When every output is an iterator
(a generator node's, seen when ``node.run`` returns, as Kedro does), the chunks
are saved one by one as they come, outputs taking turns; an error raised inside
the generator is the node's error (``on_node_error`` fires), not a saving error.

``hook_manager`` is anything with ``has_impls(name)`` and ``hook.<name>(**kw)``:
the ``PluginManager``, or a worker process's relay to the parent's one. A hook
nobody implements costs one ``has_impls`` call. An exception a hook raises
fails the node as it is, as in Kedro.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from minikedro.framework.hooks import _create_hook_manager

if TYPE_CHECKING:
    from minikedro.pipeline import Node

__all__ = ["Task", "run_node"]

# Enough threads to load or save every dataset of a node at once.
_MAX_IO_THREADS = 32


def run_node(
    node: Node, catalog: Any, hook_manager: Any, is_async: bool = False, run_id: str | None = None
) -> Node:
    """Run one node with inputs from, and outputs to, the catalog.

    Args:
        node: The node to run.
        catalog: The catalog holding its inputs and receiving its outputs.
        hook_manager: The hook manager whose node and dataset hooks fire.
        is_async: Load inputs and save outputs concurrently on threads.
        run_id: The id of the run, passed to the node hooks.

    Returns:
        ``node``, so an executor's future says which node finished.

    Raises:
        Exception: Whatever the node's function, a dataset or a hook raised,
            unchanged.
    """
    names = dict.fromkeys(node.inputs)  # a name listed twice is loaded once
    if is_async and len(names) > 1:
        with ThreadPoolExecutor(min(len(names), _MAX_IO_THREADS), "minikedro-load") as pool:
            loading = {n: pool.submit(_load, n, node, catalog, hook_manager) for n in names}
            inputs = {n: future.result() for n, future in loading.items()}
    else:
        inputs = {n: _load(n, node, catalog, hook_manager) for n in names}

    if hook_manager.has_impls("before_node_run"):
        inputs = _inputs_after_hooks(node, catalog, inputs, hook_manager, is_async, run_id)
    try:
        outputs = node.run(inputs)
    except Exception as error:
        _node_failed(error, node, catalog, inputs, hook_manager, is_async, run_id)
        raise
    if hook_manager.has_impls("after_node_run"):
        hook_manager.hook.after_node_run(
            node=node, catalog=catalog, inputs=inputs, outputs=outputs,
            is_async=is_async, run_id=run_id,
        )

    if _streams_chunks(outputs):
        _save_chunks(node, catalog, outputs, inputs, hook_manager, is_async, run_id)
    elif is_async and len(outputs) > 1:
        with ThreadPoolExecutor(min(len(outputs), _MAX_IO_THREADS), "minikedro-save") as pool:
            saving = [pool.submit(_save, n, d, node, catalog, hook_manager) for n, d in outputs.items()]
            for future in saving:
                future.result()
    else:
        for name, data in outputs.items():
            _save(name, data, node, catalog, hook_manager)

    for name in node.confirms:
        catalog.confirm(name)
    return node


class Task:
    """One node's run as an object: Kedro 1.x's ``Task``, for custom runners that build one.

    ``Task(node, catalog, is_async, hook_manager, run_id).execute()`` is
    ``run_node(node, catalog, hook_manager, is_async, run_id)``; calling the task
    does the same. ``parallel`` is accepted for Kedro's signature and ignored:
    minikedro's ``ParallelRunner`` relays every hook to the parent process.
    """

    def __init__(
        self, node: Node, catalog: Any, is_async: bool = False, hook_manager: Any = None,
        run_id: str | None = None, parallel: bool = False,
    ) -> None:
        self.node, self.catalog, self.is_async = node, catalog, is_async
        self.hook_manager, self.run_id, self.parallel = hook_manager, run_id, parallel

    def execute(self) -> Node:
        """Run the node; return it. Raises what ``run_node`` raises."""
        hook_manager = self.hook_manager
        if hook_manager is None:
            hook_manager = _create_hook_manager()
        return run_node(self.node, self.catalog, hook_manager, self.is_async, self.run_id)

    __call__ = execute

    def __repr__(self) -> str:
        return f"Task(node={self.node.name!r}, is_async={self.is_async})"


def _streams_chunks(outputs: dict[str, Any]) -> bool:
    """Whether ``node.run``'s outputs are streams of chunks: all of them iterators, as in Kedro."""
    return bool(outputs) and all(isinstance(data, Iterator) for data in outputs.values())


def _input_overrides(replies: list[Any], node: Node) -> dict[str, Any]:
    """Merge ``before_node_run``'s replies: each dict replaces those of the node's inputs.

    Raises:
        TypeError: A reply is neither None nor a dict (Kedro's message, plus the node).
    """
    overrides: dict[str, Any] = {}
    for reply in replies:
        if not isinstance(reply, dict):
            raise TypeError(
                f"'before_node_run' must return either None or a dictionary mapping "
                f"dataset names to updated values, got '{type(reply).__name__}' instead "
                f"(a hook's reply for node '{node.name}')."
            )
        overrides.update(reply)
    return overrides


def _load(name: str, node: Node, catalog: Any, hook_manager: Any) -> Any:
    if hook_manager.has_impls("before_dataset_loaded"):
        hook_manager.hook.before_dataset_loaded(dataset_name=name, node=node)
    data = catalog.load(name)
    if hook_manager.has_impls("after_dataset_loaded"):
        hook_manager.hook.after_dataset_loaded(dataset_name=name, data=data, node=node)
    return data


def _save(name: str, data: Any, node: Node, catalog: Any, hook_manager: Any) -> None:
    if hook_manager.has_impls("before_dataset_saved"):
        hook_manager.hook.before_dataset_saved(dataset_name=name, data=data, node=node)
    catalog.save(name, data)
    if hook_manager.has_impls("after_dataset_saved"):
        hook_manager.hook.after_dataset_saved(dataset_name=name, data=data, node=node)


def _inputs_after_hooks(
    node: Node, catalog: Any, inputs: dict, hook_manager: Any, is_async: bool, run_id: str | None
) -> dict[str, Any]:
    """Fire ``before_node_run``; every dict a hook returns replaces those inputs."""
    replies = hook_manager.hook.before_node_run(
        node=node, catalog=catalog, inputs=dict(inputs), is_async=is_async, run_id=run_id
    )
    return {**inputs, **_input_overrides(replies, node)}


def _node_failed(
    error: Exception, node: Node, catalog: Any, inputs: dict, hook_manager: Any,
    is_async: bool, run_id: str | None,
) -> None:
    if hook_manager.has_impls("on_node_error"):
        hook_manager.hook.on_node_error(
            error=error, node=node, catalog=catalog, inputs=inputs,
            is_async=is_async, run_id=run_id,
        )


def _save_chunks(
    node: Node, catalog: Any, outputs: dict, inputs: dict, hook_manager: Any,
    is_async: bool, run_id: str | None,
) -> None:
    """Save a generator node's chunks as they come, one output after the other."""
    streams = list(outputs.items())
    while streams:
        for stream in list(streams):
            name, chunks = stream
            try:
                chunk = next(chunks)
            except StopIteration:
                streams.remove(stream)
                continue
            except Exception as error:  # raised by the node's own code
                _node_failed(error, node, catalog, inputs, hook_manager, is_async, run_id)
                raise
            _save(name, chunk, node, catalog, hook_manager)
