"""One node's run: load its inputs, fire the hooks, call it, save its outputs.

Public name: ``run_node``. Kedro: ``kedro.runner.task.Task`` (``run_node`` in 0.19).
The order of events, the same under every runner::

    before_dataset_loaded → catalog.load → after_dataset_loaded     (each input)
    before_node_run   (a returned dict replaces those inputs)
    node.run(inputs)  → on_node_error and re-raise, if it fails
    after_node_run
    before_dataset_saved → catalog.save → after_dataset_saved       (each output)
    catalog.confirm   (each of ``node.confirms``)

Async mode loads, then saves, a node's datasets concurrently on threads. When
every output is an iterator (a generator node's), chunks are saved as they come,
outputs taking turns; an error inside the generator is the node's error, and so
is ``sys.exit()``, as a ``RuntimeError``. ``hook_manager`` is anything with
``has_impls(name)`` and ``hook.<name>(**kwargs)``; a hook nobody implements costs
one ``has_impls`` call.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minikedro.pipeline import Node

__all__ = ["run_node"]

_MAX_IO_THREADS = 32  # enough to load or save every dataset of a node at once


def run_node(node: Node, catalog: Any, hook_manager: Any, is_async: bool = False,
             run_id: str | None = None) -> Node:
    """Run one node with inputs from, and outputs to, the catalog; return the node.

    ``hook_manager``'s node and dataset hooks fire; ``is_async`` loads inputs and
    saves outputs concurrently; ``run_id`` goes to the node hooks. Raises what the
    node's function, a dataset or a hook raised, unchanged.
    """
    names = dict.fromkeys(node.inputs)  # a name listed twice is loaded once
    if is_async and len(names) > 1:
        with ThreadPoolExecutor(min(len(names), _MAX_IO_THREADS), "minikedro-load") as pool:
            inputs = dict(zip(names, pool.map(lambda n: _load(n, node, catalog, hook_manager), names)))
    else:
        inputs = {n: _load(n, node, catalog, hook_manager) for n in names}
    if hook_manager.has_impls("before_node_run"):
        replies = hook_manager.hook.before_node_run(
            node=node, catalog=catalog, inputs=dict(inputs), is_async=is_async, run_id=run_id)
        if replies:
            inputs.update(_input_overrides(replies, node))

    try:
        outputs = node.run(inputs)
    except (Exception, SystemExit) as error:
        raise _failed(error, node, catalog, inputs, hook_manager, is_async, run_id)
    if hook_manager.has_impls("after_node_run"):
        hook_manager.hook.after_node_run(node=node, catalog=catalog, inputs=inputs,
                                         outputs=outputs, is_async=is_async, run_id=run_id)

    if _streams_chunks(outputs):
        streams = list(outputs.items())
        while streams:  # one chunk from each output in turn, until all are exhausted
            for stream in list(streams):
                try:
                    chunk = next(stream[1])
                except StopIteration:
                    streams.remove(stream)
                    continue
                except (Exception, SystemExit) as error:  # raised by the node's own code
                    raise _failed(error, node, catalog, inputs, hook_manager, is_async, run_id)
                _save(stream[0], chunk, node, catalog, hook_manager)
    elif is_async and len(outputs) > 1:
        with ThreadPoolExecutor(min(len(outputs), _MAX_IO_THREADS), "minikedro-save") as pool:
            list(pool.map(lambda item: _save(*item, node, catalog, hook_manager), outputs.items()))
    else:
        for name, data in outputs.items():
            _save(name, data, node, catalog, hook_manager)
    for name in node.confirms:
        catalog.confirm(name)
    return node


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


def _streams_chunks(outputs: dict[str, Any]) -> bool:
    """Whether ``node.run``'s outputs are streams of chunks: all of them iterators, as in Kedro."""
    for data in outputs.values():
        if not isinstance(data, Iterator):
            return False
    return bool(outputs)


def _input_overrides(replies: list[Any], node: Node) -> dict[str, Any]:
    """Merge ``before_node_run``'s replies (dicts of inputs to replace; TypeError otherwise)."""
    overrides: dict[str, Any] = {}
    for reply in replies:
        if not isinstance(reply, dict):
            raise TypeError(
                f"'before_node_run' must return either None or a dictionary mapping "
                f"dataset names to updated values, got '{type(reply).__name__}' instead "
                f"(a hook's reply for node '{node.name}').")
        overrides.update(reply)
    return overrides


def _failed(error: BaseException, node: Node, catalog: Any, inputs: dict, hook_manager: Any,
            is_async: bool, run_id: str | None) -> BaseException:
    """Fire ``on_node_error``; return what to raise: the error, or for ``sys.exit()`` one saying so."""
    error = _exit_as_error(error)
    if hook_manager.has_impls("on_node_error"):
        hook_manager.hook.on_node_error(error=error, node=node, catalog=catalog, inputs=inputs,
                                        is_async=is_async, run_id=run_id)
    return error


def _exit_as_error(error: BaseException) -> BaseException:
    """Turn ``sys.exit()`` into an error: a node must not end the program unreported."""
    if not isinstance(error, SystemExit):
        return error
    failure = RuntimeError(f"called sys.exit({error.code!r}): a node ends by returning its "
                           f"outputs, or fails by raising an exception")
    failure.__cause__ = error
    return failure
