"""Running a node in another process: the one protocol of Parallel, Executor and Dask runners.

Public (to the runners): ``RemoteRunner``, ``Relay``. The worker's half is
``_worker.py``. Kedro counterpart: ``_run_node_synchronization`` in
``kedro/runner/parallel_runner.py``, which re-creates the hooks in each worker,
so what they record is lost; here every hook runs in the driver instead.

    driver (this process)                              worker (_worker.py)
    loop ─ _submit_node ─ executor.submit ────────────▶ run_task: run_node(node, its
      (node, datasets it touches, relay address)         datasets, a hook stand-in)
    Relay (Listener, a thread per worker) ◀── Client ───┘ each hook call, log record
    _NodeFuture done ◀───────────────────────────────── what it saved to memory outputs

Hooks run in ``SequentialRunner``'s order with the driver's node and catalog;
``before_node_run``'s reply carries replaced inputs and ``node.func`` back.
Only implemented hooks are relayed, with ``data``/``inputs``/``outputs`` only
if an implementation takes them; a run that needs no relay opens none. A runner
provides its executor (``_open_executor``); the relay starts after it, so that a
fork-based pool forks while this process still has one thread.
"""
from __future__ import annotations

import functools
import itertools
import logging
import os
import pickle
import threading
from concurrent import futures
from concurrent.futures import Executor, Future
from contextlib import contextmanager, nullcontext
from multiprocessing import active_children
from multiprocessing.connection import Client, Listener, Pipe, wait
from typing import TYPE_CHECKING, Any, Callable, Iterator

from minikedro.hooks import _create_hook_manager
from minikedro.runner._worker import DATA_ARGUMENTS, RELAYED_HOOKS, HookFailed, pickles, run_task
from minikedro.runner.runner import AbstractRunner, _most_nodes_at_once

if TYPE_CHECKING:
    from minikedro.pipeline import Node, Pipeline

__all__ = ["Relay", "RemoteRunner"]


# -- what can travel


def _why_unpicklable(func: Any, error: Exception) -> str:
    seen = "func"
    while isinstance(func, functools.partial):
        for key, value in [*enumerate(func.args), *func.keywords.items()]:
            if not pickles(value):
                return f"{seen} is a partial whose argument {key!r} is {_kind(value)}"
        func, seen = func.func, f"{seen}.func"
    qualname = getattr(func, "__qualname__", "")
    if getattr(func, "__name__", "") == "<lambda>":
        return f"{seen} is a lambda ({qualname}); give it a name with def at module level"
    if "<locals>" in qualname:
        return f"{seen} is a local function or closure ({qualname}); move it to module level"
    if getattr(func, "__wrapped__", None) is not None and not pickles(func):
        return (f"{seen} is a wrapper made with functools.wraps, which gave it the name "
                f"{qualname!r}: pickle looks the function up by that name and finds the "
                f"unwrapped one")
    owner = getattr(func, "__self__", func)  # a bound method's object, or a callable object
    for key, value in sorted(getattr(owner, "__dict__", {}).items()):
        if not pickles(value):
            return f"attribute {key!r} of {seen} ({type(owner).__name__}) holds {_kind(value)}"
    return f"{type(error).__name__}: {error}"


def _kind(value: Any) -> str:
    if getattr(value, "__name__", "") == "<lambda>":
        return "a lambda"
    return f"an unpicklable {type(value).__module__}.{type(value).__qualname__}"


def _lives_here(dataset: Any) -> bool:
    """Whether the dataset's data is in this process's memory only (not shared, not stored)."""
    return (getattr(dataset, "_EPHEMERAL", False)
            and getattr(dataset, "shared_memory_dataset", None) is None)


# -- the driver's side: the relay


class Relay:
    """Serves a run's hook calls and log records to its workers: ``address`` reaches it.

    Make it after forking any workers (a fork copies only the forking thread).
    A thread per worker: hooks of nodes running at once run at once.
    """

    def __init__(self, runner: str, pipeline: Pipeline, catalog: Any, hook_manager: Any,
                 address: Any = None) -> None:
        self._runner, self._catalog, self._hooks = runner, catalog, hook_manager
        self._nodes = {node.name: node for node in pipeline.nodes}
        key = os.urandom(32)
        self._listener = Listener(address, authkey=key)
        self.address = (self._listener.address, key)
        self._failures: dict[int, BaseException] = {}
        self._tokens = itertools.count()
        self._stopped, self._stop = Pipe(duplex=False)  # readable once the run is over
        self._threads = [threading.Thread(target=self._accept, name="minikedro-relay")]

    def __enter__(self) -> Relay:
        self._threads[0].start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.send_bytes(b"")
        if self._threads[0].is_alive():
            Client(self.address[0], authkey=self.address[1]).close()  # wakes accept()
        for thread in self._threads:
            thread.join()
        for connection in (self._listener, self._stopped, self._stop):
            connection.close()

    def original_error(self, error: BaseException) -> BaseException:
        """The hook's own exception, if ``error`` is a worker's ``HookFailed``; else ``error``."""
        return self._failures.pop(error.token, error) if isinstance(error, HookFailed) else error

    def _accept(self) -> None:
        while True:
            try:
                connection = self._listener.accept()
            except Exception:  # a client that failed to authenticate, or went away
                continue
            if self._stopped.poll():
                connection.close()
                return
            thread = threading.Thread(target=self._serve, args=(connection,),
                                      name="minikedro-relay")
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: Any) -> None:
        with connection:
            while self._stopped not in wait([connection, self._stopped]):
                try:
                    message = connection.recv_bytes()
                except (EOFError, OSError):  # the worker has gone
                    return
                try:
                    kind, *arguments = pickle.loads(message)
                except Exception:  # the worker sends what can travel instead
                    kind = "unreadable"
                if kind == "log":  # the worker applied our levels
                    logging.getLogger(arguments[0].name).handle(arguments[0])
                    answer: tuple = ("ok", None)
                else:
                    answer = self._call(*arguments) if kind == "hook" else ("unreadable", None)
                try:
                    connection.send(answer)
                except OSError:
                    return

    def _call(self, hook_name: str, node_name: str, arguments: dict[str, Any]) -> tuple:
        """Call the hooks with this process's node and catalog; return ``(status, value)``."""
        node = arguments["node"] = self._nodes[node_name]
        if hook_name in RELAYED_HOOKS[:3]:  # the node hooks
            arguments["catalog"] = self._catalog
        func = node.func
        try:
            hook = getattr(self._hooks.hook, hook_name)
            if hook_name == "on_node_error":
                try:  # Kedro's docs have this hook read sys.exc_info()
                    raise arguments["error"]
                except BaseException:
                    replies = hook(**arguments)
            else:
                replies = hook(**arguments)
            if hook_name != "before_node_run":
                return "ok", None
            reply = (replies, None if node.func is func else node.func)
            if replies or reply[1] is not None:
                self._check_sendable(reply, node)
            return "ok", reply
        except BaseException as error:  # Ctrl-C in a hook too: the caller gets it as it is
            token = next(self._tokens)
            self._failures[token] = error
            return "failed", (token, f"{type(error).__name__}: {error}")

    def _check_sendable(self, reply: tuple, node: Node) -> None:
        try:  # refuse a before_node_run outcome that cannot reach the worker
            pickle.dumps(reply)
            return
        except Exception as error:
            failure = error
        replies, func = reply
        if func is not None and not pickles(func):
            raise ValueError(
                f"A before_node_run hook replaced the function of node '{node.name}' "
                f"(node.func = ...), but {self._runner} cannot send the new function to the "
                f"worker that runs the node: {_why_unpicklable(func, failure)}. Make the "
                f"wrapper picklable (for example a class defined at module level whose "
                f"__call__ calls the wrapped function), or run with ThreadRunner or "
                f"SequentialRunner.")
        names = sorted(name for answer in replies if isinstance(answer, dict)
                       for name, value in answer.items() if not pickles(value))
        raise ValueError(
            f"A before_node_run hook replaced input(s) {', '.join(map(repr, names))} of node "
            f"'{node.name}' with data that cannot be sent to the worker process that runs the "
            f"node ({type(failure).__name__}: {failure}): return picklable data, or run with "
            f"ThreadRunner or SequentialRunner.")


# -- the runners' common part


class RemoteRunner(AbstractRunner):
    """What runners whose workers share no memory with this one have in common: a
    subclass provides ``_open_executor``, and ``_dumps`` if it pickles otherwise."""

    _lent: _Lent | None = None  # the run's executor, as the loop sees it
    _relay: Relay | None = None
    _wanted: dict[str, frozenset] = {}
    _levels: dict[str, int] | None = None  # set: workers send their log records to the relay
    _bystanders: set | None = None  # child processes older than the executor; None: not ours

    def _open_executor(self, pipeline: Pipeline, catalog: Any) -> Any:
        """A context manager providing ``(executor, how many nodes it runs at once)``."""
        raise NotImplementedError

    def _dumps(self, obj: Any) -> Any:
        return pickle.dumps(obj)

    def _relay_address(self) -> Any:
        return None  # the platform's default: a Unix socket

    def _check(self, pipeline: Pipeline, catalog: Any, datasets: bool = True) -> None:
        """Refuse at once (ValueError) every node and travelling dataset that cannot be pickled."""
        problems = []
        for node in pipeline.nodes:
            try:
                self._dumps(node)
            except Exception as error:
                problems.append(f"- node '{node.name}': {_why_unpicklable(node.func, error)}")
        for name in sorted(pipeline.datasets()) if datasets else ():
            dataset = catalog.get(name)
            try:
                if name in catalog and not _lives_here(dataset):
                    self._dumps(dataset)
            except Exception as error:
                problems.append(f"- dataset '{name}' ({type(dataset).__name__}): "
                                f"{type(error).__name__}: {error}")
        if problems:
            raise ValueError(
                f"{type(self).__name__} cannot send {len(problems)} object(s) to its workers, "
                f"because they cannot be pickled:\n" + "\n".join(problems) + "\nDefine node "
                "functions with def at the top level of a module (decorators need "
                "functools.wraps); a dataset holding a connection, lock or open file cannot "
                "travel (memory datasets stay here). Or run with ThreadRunner or SequentialRunner.")

    def _run(self, pipeline: Pipeline, catalog: Any, hook_manager: Any = None,
             run_id: str | None = None) -> None:
        """Check, open the executor, then a relay if a hook or a log line needs one; run the loop."""
        hook_manager = hook_manager if hook_manager is not None else _create_hook_manager()
        self._check(pipeline, catalog)
        wants = getattr(hook_manager, "wants", None)
        self._wanted = {
            name: frozenset(a for a in DATA_ARGUMENTS if wants is None or wants(name, a))
            for name in RELAYED_HOOKS if hook_manager.has_impls(name)}
        with self._open_executor(pipeline, catalog) as (executor, workers):
            relay = Relay(type(self).__name__, pipeline, catalog, hook_manager,
                          self._relay_address()) if self._wanted or self._levels else None
            with relay or nullcontext():
                self._lent, self._relay = _Lent(executor, workers), relay
                try:
                    super()._run(pipeline, catalog, hook_manager, run_id)
                finally:
                    self._lent = self._relay = None

    @contextmanager
    def _made_here(self, make: Callable[[], Executor]) -> Iterator[Executor]:
        """Provide an executor the run makes and shuts down; Ctrl-C stops its processes."""
        self._bystanders = set(active_children())
        executor = make()
        try:
            yield executor
        finally:
            executor.shutdown(wait=True)

    def _get_required_workers_count(self, pipeline: Pipeline) -> int:
        return min(self._lent.workers if self._lent else 1, _most_nodes_at_once(pipeline))

    def _get_executor(self, max_workers: int) -> Executor:
        return self._lent

    def _submit_node(self, executor: Executor, node: Node, catalog: Any, hook_manager: Any,
                     run_id: str | None) -> Future:
        # Only what the node touches travels: pickling the whole catalog for
        # every node would cost time quadratic in the pipeline's size.
        datasets, outbox = {}, []
        for name in dict.fromkeys([*node.inputs, *node.outputs, *node.confirms]):
            dataset = catalog.get(name)
            if name in node.outputs and _lives_here(dataset):
                outbox.append(name)
            else:
                datasets[name] = dataset
        relay = self._relay
        sent = executor.submit(run_task, node, datasets, outbox, relay and relay.address,
                               self._wanted, self._levels, self._is_async, run_id)
        return _NodeFuture(sent, functools.partial(self._finish, relay, catalog))

    @staticmethod
    def _finish(relay: Relay | None, catalog: Any, sent: Future) -> None:
        """Save what the worker saved to memory outputs; give a failed hook its own error."""
        error = sent.exception()
        if error is not None:  # raised outside any except block: its __context__ stays
            raise relay.original_error(error) if relay else error
        for name, data in sent.result().items():
            catalog.save(name, data)

    def _interrupt(self, executor: Executor) -> None:
        # Waiting for running nodes would make Ctrl-C hang: SIGTERM fails them at once
        # in the processes the runner started (start_worker), and the pool then ends
        # as usual. Nodes running on someone else's executor are waited for.
        if self._bystanders is not None:
            for process in set(active_children()) - self._bystanders:
                process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)


class _Lent(Executor):
    """The run's executor as the scheduling loop sees it: shutting it down only
    cancels and waits for the run's own tasks; whoever made the executor shuts it down."""

    def __init__(self, executor: Executor, workers: int) -> None:
        self._executor, self.workers = executor, max(1, workers)
        self._sent: list[Future] = []

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:  # noqa: D102
        self._sent = [future for future in self._sent if not future.done()]
        self._sent.append(self._executor.submit(fn, *args, **kwargs))
        return self._sent[-1]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:  # noqa: D102
        for future in self._sent if cancel_futures else ():
            future.cancel()
        for future in self._sent if wait else ():
            try:  # not futures.wait(): a pool that cancels a future itself never wakes it
                future.exception()
            except futures.CancelledError:
                pass


class _NodeFuture(Future):
    """Done once the worker's memory outputs are saved here (a callback on the executor's
    future would race the loop, which may see that future done first)."""

    def __init__(self, sent: Future, finish: Callable[[Future], None]) -> None:
        super().__init__()
        self._sent = sent
        sent.add_done_callback(functools.partial(self._settle, finish))

    def cancel(self) -> bool:
        return self._sent.cancel() and super().cancel()

    def _settle(self, finish: Callable[[Future], None], sent: Future) -> None:
        if sent.cancelled():
            super().cancel()
            self.set_running_or_notify_cancel()  # wakes wait(): cancel() alone does not
            return
        try:
            finish(sent)
        except BaseException as error:
            self.set_exception(error)
        else:
            self.set_result(None)
