"""``ExecutorRunner``'s protocol: what a node takes to a worker, and what comes back.

Public (to the runners) names: ``check_portable``, ``lives_in_driver``,
``hooks_plan``, ``before_node_run``, ``run_in_worker``, ``replay``, ``EVENTS``.
Kedro counterpart: none (the ``DaskRunner`` of Kedro's docs re-creates the
hooks on each worker, so what they record never reaches the driver).

The worker gets the node, the values of the inputs the driver loaded, and the
datasets of its other inputs and outputs. It runs ``task.run_node`` on a small
catalog of those, with a stand-in hook manager that records, and returns the
*events* in the order they happened, for the driver to ``replay``::

    ("before_dataset_loaded", "model", None)    a hook call: fire it in the driver
    ("after_dataset_loaded", "model", <data>)   data only if a hook declares it
    ("after_node_run", None, {"y": ...})        outputs only if a hook declares them
    ("save", "predictions", <value>)            a memory output: save it in the driver
    ("on_node_error", None, None)               the node's function raised

Hook calls about the datasets the driver loads or saves itself are not
recorded: their hooks fire in the driver when that happens. When the node
fails, the events so far ride on its exception (attribute ``EVENTS``), which
the driver takes off again before re-raising it.
"""
from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any, Callable

from minikedro.framework.hooks import HOOK_SPECS
from minikedro.io import AbstractDataset, DataCatalog, DatasetError, MemoryDataset
from minikedro.runner._pickling import portable_error, why_unpicklable
from minikedro.runner.task import _input_overrides, _save, _streams_chunks, run_node

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = [
    "EVENTS", "before_node_run", "check_portable", "hooks_plan", "lives_in_driver", "replay",
    "run_in_worker",
]

EVENTS = "_minikedro_events"

# The hooks a worker records, with the argument that carries data back.
_RECORDED = {
    "after_node_run": "outputs", "on_node_error": "",
    "before_dataset_loaded": "", "after_dataset_loaded": "data",
    "before_dataset_saved": "data", "after_dataset_saved": "data",
}
_GENERATED = "<chunks of a generator node, saved as they came>"


# -- in the driver, before and after -------------------------------------------------


def lives_in_driver(dataset: Any) -> bool:
    """Whether the dataset keeps its data in memory: then the driver loads and saves it."""
    return bool(getattr(dataset, "_EPHEMERAL", False))


def check_portable(pipeline: Pipeline, catalog: Any, dumps: Callable[[Any], bytes],
                   runner_name: str) -> None:
    """Refuse, all at once, the nodes and datasets that cannot travel to a worker.

    Raises:
        ValueError: Naming each node and dataset that ``dumps`` cannot pickle, and why.
    """
    problems = []
    for node in pipeline.nodes:
        try:
            dumps(node)
        except Exception as error:
            problems.append(f"- node '{node.name}': {why_unpicklable(node.func, error)}")
    confirmed = chain.from_iterable(node.confirms for node in pipeline.nodes)
    for name in sorted({*pipeline.all_inputs(), *pipeline.all_outputs(), *confirmed}):
        dataset = catalog.get(name)
        if lives_in_driver(dataset):
            continue
        try:
            dumps(dataset)
        except Exception as error:
            problems.append(f"- dataset '{name}' ({type(dataset).__name__}): "
                            f"{type(error).__name__}: {error}")
    if problems:
        raise ValueError(
            f"{runner_name} cannot send {len(problems)} object(s) to its workers, because "
            f"they cannot be pickled:\n" + "\n".join(problems) + "\n"
            "Define node functions with def at the top level of a module; a dataset "
            "holding a connection, lock or open file cannot travel (memory datasets "
            "stay in the driver). Or run with ThreadRunner or SequentialRunner."
        )


def hooks_plan(hook_manager: Any) -> tuple[bool, dict[str, bool]]:
    """Decide, once per run, what data the driver's hooks need.

    Returns:
        Whether to load every input in the driver (a node hook declares
        ``inputs``), and ``{hook a worker records: whether to send its data}``.
    """
    inputs_here = any(_declares(hook_manager, name, "inputs")
                      for name in ("before_node_run", "after_node_run", "on_node_error"))
    recorded = {name: bool(argument) and _declares(hook_manager, name, argument)
                for name, argument in _RECORDED.items() if hook_manager.has_impls(name)}
    return inputs_here, recorded


def _declares(hook_manager: Any, hook_name: str, argument: str) -> bool:
    """Whether an implementation of the hook takes ``argument`` (``**kwargs`` counts)."""
    wants = getattr(hook_manager, "wants", None)
    if wants is None:  # another kind of hook manager: assume it wants everything
        return hook_manager.has_impls(hook_name)
    return bool(wants(hook_name, argument))


def before_node_run(node: Node, catalog: Any, inputs: dict, hook_manager: Any,
                    is_async: bool, run_id: str | None) -> dict[str, Any]:
    """Fire ``before_node_run`` in the driver; return the inputs its replies replace.

    Raises:
        TypeError: A hook returned something other than None or a dict.
    """
    if not hook_manager.has_impls("before_node_run"):
        return {}
    replies = hook_manager.hook.before_node_run(
        node=node, catalog=catalog, inputs=dict(inputs), is_async=is_async, run_id=run_id
    )
    return _input_overrides(replies, node)


def replay(events: list, node: Node, catalog: Any, hook_manager: Any, inputs: dict,
           is_async: bool, run_id: str | None, error: BaseException | None = None) -> None:
    """Fire the worker's recorded hook calls, and save its memory outputs, in order."""
    for kind, name, data in events:
        if kind == "save":
            _save(name, data, node, catalog, hook_manager)
        elif kind in ("after_node_run", "on_node_error"):
            extra = {"outputs": data} if kind == "after_node_run" else {"error": error}
            getattr(hook_manager.hook, kind)(node=node, catalog=catalog, inputs=inputs,
                                             is_async=is_async, run_id=run_id, **extra)
        else:
            extra = {"data": data} if "data" in HOOK_SPECS[kind] else {}
            getattr(hook_manager.hook, kind)(dataset_name=name, node=node, **extra)


# -- on the worker ---------------------------------------------------------------------


def run_in_worker(node: Node, values: dict, datasets: dict, outbox: list, overrides: dict,
                  recorded: dict, is_async: bool, run_id: str | None) -> list[tuple]:
    """Run one node where the executor put it; return the events the driver must replay.

    Args:
        node: The node.
        values: The values of the inputs the driver loaded.
        datasets: The other inputs, the outputs and ``node.confirms``, as datasets.
        outbox: The outputs that live in the driver (memory datasets).
        overrides: Inputs that the driver's ``before_node_run`` hooks replaced.
        recorded: Each hook the driver implements: whether to send its data back.
        is_async: Load and save concurrently on threads.
        run_id: The id of the run.

    Raises:
        Exception: Whatever ``run_node`` raised, carrying the events so far; a
            ``portable_error`` stand-in if that cannot be pickled back.
    """
    events: list[tuple] = []
    memory = {name: MemoryDataset(data) for name, data in values.items()}
    outboxes = {name: _Outbox(name, events) for name in outbox}
    catalog = DataCatalog({**datasets, **memory, **outboxes})
    hooks = _WorkerHooks(events, recorded, overrides, skipped={*values, *outbox})
    try:
        run_node(node, catalog, hooks, is_async, run_id)
    except Exception as error:
        portable = portable_error(error, f"raised by node '{node.name}' in a worker")
        try:
            setattr(portable, EVENTS, events)
        except Exception:  # an exception that takes no attributes loses its hook events
            pass
        if portable is error:
            raise
        raise portable from error  # the worker's traceback still shows the original
    return events


class _Outbox(AbstractDataset):
    """A memory output, worker side: each save becomes an event the driver replays."""

    _EPHEMERAL = True

    def __init__(self, name: str, events: list) -> None:
        self._name, self._events = name, events

    def load(self) -> Any:
        raise DatasetError(f"'{self._name}' lives in the driver; a worker cannot load it")

    def save(self, data: Any) -> None:
        self._events.append(("save", self._name, data))

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name}


class _WorkerHooks:
    """Stands in for the driver's hook manager in ``run_node``: records the calls."""

    def __init__(self, events: list, recorded: dict, overrides: dict, skipped: set) -> None:
        self.hook = self
        self._events, self._recorded = events, recorded
        self._overrides = overrides
        self._skipped = skipped  # datasets whose hooks the driver fires itself

    def has_impls(self, hook_name: str) -> bool:
        if hook_name == "before_node_run":
            return bool(self._overrides)
        return hook_name in self._recorded

    def before_node_run(self, **_: Any) -> list[dict]:
        return [self._overrides]  # the driver's hooks replied already

    def after_node_run(self, node: Node, outputs: dict, **_: Any) -> list:
        if self._recorded["after_node_run"] and _streams_chunks(outputs):
            outputs = dict.fromkeys(outputs, _GENERATED)  # iterators cannot travel
        return self._record("after_node_run", None, outputs)

    def on_node_error(self, **_: Any) -> list:
        return self._record("on_node_error", None, None)

    def before_dataset_loaded(self, dataset_name: str, node: Node) -> list:
        return self._record("before_dataset_loaded", dataset_name, None)

    def after_dataset_loaded(self, dataset_name: str, data: Any, node: Node) -> list:
        return self._record("after_dataset_loaded", dataset_name, data)

    def before_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> list:
        return self._record("before_dataset_saved", dataset_name, data)

    def after_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> list:
        return self._record("after_dataset_saved", dataset_name, data)

    def _record(self, hook_name: str, dataset_name: str | None, data: Any) -> list:
        if dataset_name not in self._skipped:
            wanted = self._recorded[hook_name]
            self._events.append((hook_name, dataset_name, data if wanted else None))
        return []
