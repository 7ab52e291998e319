"""The worker's half of ``remote.py``: run a node sent by the driver, hooks relayed back.

Public (to ``remote.py`` and the runners): ``run_task``, ``start_worker``,
``HookFailed``, ``portable_error``, ``RELAYED_HOOKS``. Kept apart from the
driver's half so that each side of the protocol reads on its own; the
connection is opened on first use and kept for the run, one request at a time.
"""
from __future__ import annotations

import functools
import logging
import pickle
import signal
import threading
from logging.handlers import QueueHandler
from multiprocessing.connection import Client
from typing import TYPE_CHECKING, Any

from minikedro.io import DataCatalog, MemoryDataset
from minikedro.runner.task import run_node

if TYPE_CHECKING:
    from minikedro.pipeline import Node

__all__ = ["RELAYED_HOOKS", "HookFailed", "portable_error", "run_task", "start_worker"]

RELAYED_HOOKS = ("before_node_run", "after_node_run", "on_node_error", "before_dataset_loaded",
                 "after_dataset_loaded", "before_dataset_saved", "after_dataset_saved")
DATA_ARGUMENTS = frozenset({"data", "inputs", "outputs"})  # sent only if a hook takes them


def pickles(value: Any) -> bool:
    try:
        pickle.loads(pickle.dumps(value))
    except Exception:
        return False
    return True


def portable_error(error: BaseException, where: str) -> BaseException:
    """``error`` if it can travel between processes, else an instance of its nearest
    built-in base saying what it was (``original_type``), where, and why it could not."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception as why:
        original = f"{type(error).__module__}.{type(error).__qualname__}"
        message = (f"{original}: {error} ({where}; the exception itself cannot be sent "
                   f"between processes: {type(why).__name__}: {why})")
    for base in type(error).__mro__:
        if base.__module__ == "builtins" and issubclass(base, Exception):
            try:
                stand_in = base(message)
            except Exception:  # a built-in that wants other arguments (UnicodeError...)
                continue
            stand_in.original_type = original  # type: ignore[attr-defined]
            return stand_in
    return error  # not an Exception (KeyboardInterrupt...): those pickle anyway


def _portable(arguments: dict[str, Any]) -> dict[str, Any]:
    """Replace each value (or dict entry) that cannot travel by a description."""
    def fix(value: Any) -> Any:
        if isinstance(value, BaseException):
            return portable_error(value, "raised in a worker process")
        return value if pickles(value) else (
            f"<{type(value).__name__} object: cannot be sent to the parent process>")

    return {key: {k: fix(v) for k, v in value.items()} if isinstance(value, dict) else fix(value)
            for key, value in arguments.items()}


class HookFailed(Exception):
    """A hook raised in the driver, which keeps the exception under ``token`` to re-raise it."""

    def __init__(self, token: int, summary: str) -> None:
        super().__init__(token, summary)
        self.token = token

    def __str__(self) -> str:
        return f"a hook failed in the driver process: {self.args[1]}"


_line: tuple[Any, Any] | None = None  # (relay address, its connection)
_line_lock = threading.Lock()  # one request and its answer at a time
_stopping = False  # SIGTERM came: the run is being stopped
_running = False  # a node is running
_logs_to: Any = None  # the relay this process sends its log records to


def _ask(relay: tuple[Any, bytes], message: tuple) -> tuple[str, Any]:
    """Send ``message`` to the relay, connecting on first use; return its answer."""
    global _line
    with _line_lock:
        if _line is None or _line[0] != relay:
            if _line is not None:
                _line[1].close()  # the relay of an earlier run
            try:
                _line = (relay, Client(relay[0], authkey=relay[1]))
            except OSError as error:
                raise ConnectionError(
                    f"this worker cannot reach the driver's relay at {relay[0]!r}, through "
                    f"which node and dataset hooks and log records go ({error})") from error
        _line[1].send(message)  # pickles first: nothing is sent if that fails
        return _line[1].recv()


class _RelayedHooks:
    """The driver's hook manager as ``run_node`` sees it in a worker: the node goes by
    name, the catalog not at all, and what cannot be pickled arrives described."""

    def __init__(self, relay: Any, wanted: dict[str, frozenset]) -> None:
        self._relay, self._wanted = relay, wanted
        self.hook = self

    def has_impls(self, hook_name: str) -> bool:
        return hook_name in self._wanted

    def __getattr__(self, hook_name: str) -> Any:
        if hook_name not in RELAYED_HOOKS:
            raise AttributeError(hook_name)
        return functools.partial(self._forward, hook_name)

    def _forward(self, hook_name: str, **arguments: Any) -> list[Any]:
        node = arguments.pop("node")
        arguments.pop("catalog", None)
        for name in DATA_ARGUMENTS - self._wanted[hook_name]:
            arguments.pop(name, None)
        try:
            status, value = _ask(self._relay, ("hook", hook_name, node.name, arguments))
        except OSError:
            raise
        except Exception:  # cannot be pickled here: nothing was sent
            status = "unreadable"
        if status == "unreadable":
            status, value = _ask(self._relay, ("hook", hook_name, node.name, _portable(arguments)))
        if status == "failed":
            raise HookFailed(*value)
        if value is None:
            return []
        replies, func = value
        if func is not None:  # a hook replaced node.func in the driver: run that
            node.func = func
        return replies

    def put_nowait(self, record: logging.LogRecord) -> None:
        """A spawned worker's ``QueueHandler`` queue: its records go to the relay."""
        _ask(self._relay, ("log", record))


def start_worker() -> None:
    """Prepare a worker process: a process pool's ``initializer``.

    Ctrl-C is the driver's to handle. SIGTERM, which the driver sends to stop
    a run, fails the running node at once (a save in progress removes its
    temporary file as it unwinds) and every node handed over after it, so the
    pool empties its queue and ends as usual.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)


def _send_logs(relay: Any, levels: dict[str, int]) -> None:
    """Send this process's log records to ``relay``, filtered by the driver's logger ``levels``."""
    global _logs_to
    if _logs_to != relay:  # a spawned worker has no handlers of its own
        for name, level in levels.items():
            logging.getLogger(name or None).setLevel(level)
        root = logging.getLogger()
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        root.addHandler(QueueHandler(_RelayedHooks(relay, {})))  # type: ignore[arg-type]
        _logs_to = relay


def _stop_worker(signum: int, frame: Any) -> None:
    global _stopping
    _stopping = True
    if _running:  # never between nodes: the pool's own loop must not fail
        raise KeyboardInterrupt("the run was stopped")


def run_task(node: Node, datasets: dict[str, Any], outbox: list[str], relay: Any,
             wanted: dict[str, frozenset], levels: dict[str, int] | None, is_async: bool,
             run_id: str | None) -> dict[str, Any]:
    """Run ``node`` with ``datasets`` (memory inputs carry their data); return what it
    saved to ``outbox``, its outputs that live in the driver. ``wanted``: each relayed
    hook, with the data arguments it takes; ``levels``: send log records, so filtered."""
    global _running
    if _stopping:
        raise KeyboardInterrupt("the run was stopped")
    if levels is not None:
        _send_logs(relay, levels)
    saved = {name: MemoryDataset() for name in outbox}
    _running = True
    try:
        run_node(node, DataCatalog({**datasets, **saved}), _RelayedHooks(relay, wanted),
                 is_async, run_id)
    except HookFailed:
        raise
    except Exception as error:
        portable = portable_error(error, f"raised by node '{node.name}' in a worker process")
        if portable is error:
            raise
        raise portable from error  # the worker's traceback still shows the original
    finally:
        _running = False
    return {name: dataset.load() for name, dataset in saved.items() if dataset.exists()}
