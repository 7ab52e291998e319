"""What ``ParallelRunner`` shares with its workers: memory datasets and hook calls.

Public (to the runner) names: ``SharedState``, ``relayed_hooks`` and
``FORWARDED_HOOKS``. Kedro counterpart: the ``SyncManager`` subclass in
``kedro/runner/parallel_runner.py``, which runs in a process of its own and
relays no hooks.

``SharedState`` serves a ``multiprocessing.managers`` server from a thread of
the parent process, for the length of a ``with`` block. The parent creates
the objects served there and hands them to the server (``Server.create``
serves a given object when its type has no callable):

- one ``MemoryDataset`` per ``SharedMemoryDataset`` (``set_manager`` calls
  ``state.manager.MemoryDataset()``): the shared data;
- one ``_HookRelay``: a worker calls ``relay.call(hook, node name, arguments)``
  and the relay calls the parent's hooks with the parent's own node and
  catalog. For ``before_node_run`` it returns the replies, and the node's
  function if a hook replaced it (``node.func = retry(node.func)``, as Kedro's
  docs show), for the worker to run instead. ``on_node_error`` hooks run
  while the error is being handled, so ``sys.exc_info()`` works in them. A
  hook that raises fails the node with its own exception: the relay keeps it
  and the worker raises ``HookFailed``, which ``SharedState.original_error``
  turns back into the hook's exception object in the parent. A spawned
  worker's log records come the same way (``relay.log``), so a node's log
  lines reach the parent's handlers as they would under fork.

In the parent a shared dataset is the served object itself (``_SharedData``):
no socket, no copy. Pickled to a worker it becomes a proxy that talks to the
server over one connection per worker thread. These proxies skip the
manager's reference counting, which would open two new authenticated
connections (about a millisecond each) for every dataset of every node: the
parent keeps every served object alive until the run ends.

Serving from a thread (not the manager's usual server process) is what lets
hooks run in the parent. The accept loop is our own: ``serve_forever`` was
written for a process of its own (it resets ``sys.stdout`` and only stops by
exiting), while this one stops when asked, closes its socket, and leaves no
thread behind once the workers have gone.
"""
from __future__ import annotations

import functools
import itertools
import logging
import threading
from multiprocessing.connection import Client
from multiprocessing.managers import BaseManager, BaseProxy, Token
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any

from minikedro.framework.hooks import HOOK_SPECS
from minikedro.io import MemoryDataset
from minikedro.runner._pickling import pickles, portable_arguments, unsendable_function

if TYPE_CHECKING:
    from minikedro.pipeline import Pipeline

__all__ = [
    "FORWARDED_HOOKS", "HookFailed", "SharedState", "forward_logs", "logger_levels",
    "relayed_hooks", "worker_relay",
]

#: The hooks a worker forwards to the parent; the others fire in the parent anyway.
FORWARDED_HOOKS = (
    "before_node_run", "after_node_run", "on_node_error",
    "before_dataset_loaded", "after_dataset_loaded",
    "before_dataset_saved", "after_dataset_saved",
)
_DATA_METHODS = ("load", "save", "exists", "release", "_describe")


class HookFailed(Exception):
    """Raised in a worker when one of the parent's hooks raised; the parent swaps it back.

    Attributes:
        token: The key under which the parent keeps the hook's exception.
    """

    def __init__(self, token: int, summary: str) -> None:
        super().__init__(token, summary)
        self.token = token

    def __str__(self) -> str:
        return f"a hook failed in the parent process: {self.args[1]}"


class _HookRelay:
    """Lives in the parent; calls its hooks on behalf of a worker."""

    def __init__(self, pipeline: Pipeline, catalog: Any, hook_manager: Any) -> None:
        self._nodes = {node.name: node for node in pipeline.nodes}
        self._catalog = catalog
        self._hooks = hook_manager
        self.failures: dict[int, BaseException] = {}  # HookFailed.token -> the hook's error
        self._tokens = itertools.count()

    def call(self, hook_name: str, node_name: str, arguments: dict[str, Any]) -> Any:
        """Call the hooks; return ``(replies, new function or None)`` for ``before_node_run``.

        Raises:
            HookFailed: A hook raised; its exception stays here, in ``failures``.
        """
        node = self._nodes[node_name]
        arguments["node"] = node
        if "catalog" in HOOK_SPECS[hook_name]:
            arguments["catalog"] = self._catalog
        func = node.func
        try:
            hook = getattr(self._hooks.hook, hook_name)
            if hook_name == "on_node_error":
                replies = _while_handling(arguments["error"], hook, arguments)
            else:
                replies = hook(**arguments)
            if hook_name != "before_node_run":
                return None  # only before_node_run's replies mean something
            reply = (replies, None if node.func is func else node.func)
            if replies or reply[1] is not None:
                _check_sendable(reply, node)
            return reply
        except BaseException as error:  # Ctrl-C in a hook too: the caller gets it as it is
            token = next(self._tokens)
            self.failures[token] = error
            raise HookFailed(token, f"{type(error).__name__}: {error}") from None

    def log(self, record: dict[str, Any]) -> None:
        """Hand a worker's log record to the parent's handlers (levels were checked there)."""
        record = logging.makeLogRecord(record)
        logging.getLogger(record.name).handle(record)


def _while_handling(error: BaseException, hook: Any, arguments: dict[str, Any]) -> Any:
    """Call ``hook`` inside an ``except`` block for ``error``, as ``run_node`` does.

    Kedro's docs debug a failing node with ``sys.exc_info()`` in ``on_node_error``.
    """
    try:
        raise error
    except BaseException:
        return hook(**arguments)


def _check_sendable(reply: tuple[list[Any], Any], node: Any) -> None:
    """Refuse a ``before_node_run`` outcome that cannot reach the node's worker process.

    Raises:
        ValueError: Naming the replaced inputs, or the new function, at fault.
    """
    try:
        ForkingPickler.dumps(reply)
        return
    except Exception as error:
        failure = error
    replies, func = reply
    if func is not None and not pickles(func):
        raise unsendable_function(node.name, func, failure, "ParallelRunner")
    names = sorted(
        name
        for answer in replies if isinstance(answer, dict)
        for name, value in answer.items() if not pickles(value)
    )
    raise ValueError(
        f"A before_node_run hook replaced input(s) {', '.join(map(repr, names))} of node "
        f"'{node.name}' with data that cannot be sent to the worker process that runs the "
        f"node ({type(failure).__name__}: {failure}): return picklable data, or run "
        f"with ThreadRunner or SequentialRunner."
    )


class _RunManager(BaseManager):
    """Its registry tells the server what it may serve, and which methods."""


_RunManager.register("shared_data", exposed=_DATA_METHODS, create_method=False)
_RunManager.register("hook_relay", exposed=("call", "log"), create_method=False)


class _Proxy(BaseProxy):
    """A proxy without reference counting: the parent keeps its object alive."""

    _typeid = ""

    @classmethod
    def connect(cls, address: Any, ident: str) -> _Proxy:
        token = Token(cls._typeid, address, ident)
        return cls(token, "pickle", incref=False, manager_owned=True)

    def __reduce__(self) -> Any:
        return type(self).connect, (self._token.address, self._token.id)


class _DataProxy(_Proxy):
    _typeid = "shared_data"

    def load(self) -> Any:
        return self._callmethod("load")

    def save(self, data: Any) -> None:
        self._callmethod("save", (data,))

    def exists(self) -> bool:
        return self._callmethod("exists")

    def release(self) -> None:
        self._callmethod("release")

    def _describe(self) -> dict[str, Any]:
        return self._callmethod("_describe")


class _RelayProxy(_Proxy):
    _typeid = "hook_relay"

    def call(self, hook_name: str, node_name: str, arguments: dict[str, Any]) -> Any:
        return self._callmethod("call", (hook_name, node_name, arguments))

    def log(self, record: dict[str, Any]) -> None:
        self._callmethod("log", (record,))


class _SharedData:
    """The parent's handle on a served ``MemoryDataset``; pickles to a ``_DataProxy``."""

    __slots__ = ("_dataset", "_address", "_ident")

    def __init__(self, dataset: MemoryDataset, address: Any, ident: str) -> None:
        self._dataset, self._address, self._ident = dataset, address, ident

    def load(self) -> Any:
        return self._dataset.load()

    def save(self, data: Any) -> None:
        self._dataset.save(data)

    def exists(self) -> bool:
        return self._dataset.exists()

    def release(self) -> None:
        self._dataset.release()

    def _describe(self) -> dict[str, Any]:
        return self._dataset._describe()

    def __reduce__(self) -> Any:
        return _DataProxy.connect, (self._address, self._ident)


class _DataMaker:
    """What ``SharedMemoryDataset.set_manager`` receives: it makes shared data."""

    def __init__(self, server: Any) -> None:
        self._server = server

    def MemoryDataset(self) -> _SharedData:  # noqa: N802 (the manager's typeid)
        dataset = MemoryDataset()
        ident, _ = self._server.create(None, "shared_data", dataset)
        return _SharedData(dataset, self._server.address, ident)


class SharedState:
    """A manager server on a thread of this process, for the length of a ``with`` block.

    Attributes:
        manager: Pass it to ``catalog.set_manager_datasets``.
        relay_address: Where workers find the hook relay: ``worker_relay(*relay_address)``.
        hook_names: The forwarded hooks that have implementations.
    """

    def __init__(self, pipeline: Pipeline, catalog: Any, hook_manager: Any) -> None:
        self._relay = _HookRelay(pipeline, catalog, hook_manager)
        self.hook_names = frozenset(
            name for name in FORWARDED_HOOKS
            if hook_manager is not None and hook_manager.has_impls(name)
        )
        self._server: Any = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SharedState:
        # The server's socket is bound now, so its address can be handed out;
        # connections wait in the socket's backlog until serve() starts.
        self._server = _RunManager().get_server()
        self._server.stop_event = self._stopping  # read by the server's client loops
        ident, _ = self._server.create(None, "hook_relay", self._relay)
        self.relay_address = (self._server.address, ident)
        self.manager = _DataMaker(self._server)
        return self

    def original_error(self, error: BaseException) -> BaseException:
        """The hook's own exception, if ``error`` is a worker's ``HookFailed``; else ``error``."""
        if isinstance(error, HookFailed):
            return self._relay.failures.pop(error.token, error)
        return error

    def serve(self) -> None:
        """Start answering workers, on a thread of this process.

        Call it after forking the workers: a fork copies only the forking
        thread, so a lock held by the server thread at that moment would stay
        locked forever in the child.
        """
        self._thread = threading.Thread(target=self._accept, name="minikedro-manager", daemon=True)
        self._thread.start()

    def __exit__(self, *exc_info: Any) -> None:
        self._stopping.set()
        if self._thread is not None:
            try:  # wake the accept loop up
                Client(self._server.address).close()
            except OSError:
                pass
            self._thread.join()
        else:
            self._server.listener.close()
        # Forget the served objects now; client threads end as their workers go.
        self._server.id_to_obj.clear()
        self._server = self.manager = None

    def _accept(self) -> None:
        """Hand each connection to a thread of its own until told to stop."""
        listener = self._server.listener
        try:
            while True:
                try:
                    connection = listener.accept()
                except OSError:
                    if self._stopping.is_set():
                        return
                    continue
                if self._stopping.is_set():
                    connection.close()
                    return
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()
        finally:
            listener.close()

    def _serve(self, connection: Any) -> None:
        try:
            self._server.handle_request(connection)
        except SystemExit:  # how the standard server ends a client's thread on Python 3.9
            pass


def worker_relay(address: Any, ident: str) -> _RelayProxy:
    """In a worker: the proxy through which its hook calls reach the parent."""
    return _RelayProxy.connect(address, ident)


def logger_levels() -> dict[str, int]:
    """The levels set on this process's loggers ('' is the root): what a worker copies."""
    levels = {"": logging.getLogger().level}
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def forward_logs(relay: Any, levels: dict[str, int]) -> None:
    """In a spawned worker: send log records to the parent's handlers.

    A forked worker inherits the parent's handlers; a spawned one starts with
    none, so without this a node's log lines would vanish. The worker copies
    the parent's logger levels, so only records the parent would show travel.
    """
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.addHandler(_ParentHandler(relay))


class _ParentHandler(logging.Handler):
    """Sends each record, made picklable, through the relay to the parent."""

    def __init__(self, relay: Any) -> None:
        super().__init__()
        self._relay = relay

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = dict(record.__dict__)
            fields["msg"], fields["args"] = record.getMessage(), None
            if record.exc_info:
                fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
            fields["exc_info"] = None
            self._relay.log(fields)
        except Exception:
            self.handleError(record)


def relayed_hooks(relay: Any, hook_names: frozenset) -> _RelayedHooks:
    """Return a worker's stand-in for the parent's hook manager."""
    return _RelayedHooks(relay, hook_names)


class _RelayedHooks:
    """Quacks like a ``PluginManager`` for ``run_node``; calls go to the parent.

    The node travels by name and the catalog not at all: the parent fills in
    its own. Values that cannot be pickled (a generator node's chunk
    iterators, for one) reach the parent's hooks as a short description.
    """

    def __init__(self, relay: Any, hook_names: frozenset) -> None:
        self._names = hook_names
        self.hook = _RelayedCalls(relay)

    def has_impls(self, hook_name: str) -> bool:
        return hook_name in self._names


class _RelayedCalls:
    def __init__(self, relay: Any) -> None:
        self._relay = relay

    def __getattr__(self, hook_name: str) -> Any:
        return functools.partial(self._forward, hook_name)

    def _forward(self, hook_name: str, **arguments: Any) -> list[Any]:
        node = arguments.pop("node")
        arguments.pop("catalog", None)
        try:
            reply = self._relay.call(hook_name, node.name, arguments)
        except HookFailed:
            raise  # a hook raised in the parent: the node fails with its error
        except Exception:
            # The arguments did not survive the trip (the parent checks its
            # replies), so no hook ran: send what can travel.
            reply = self._relay.call(hook_name, node.name, portable_arguments(arguments))
        if reply is None:
            return []
        replies, func = reply
        if func is not None:  # a hook replaced node.func in the parent: run that
            node.func = func
        return replies
