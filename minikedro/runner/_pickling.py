"""What can cross a process boundary, why something cannot, and what to send instead.

Public (to the runners) names: ``pickles``, ``why_unpicklable``,
``unsendable_function``, ``portable_arguments`` and ``portable_error``. Kedro counterpart: the
serialisability checks in ``ParallelRunner._validate_nodes`` and
``_SharedMemoryDataset.save``, which name the culprit but not the reason.

The process-based runners use them in two ways: before a run, to refuse what
cannot travel (naming the object and what inside it is at fault); and during a
run, so that a node's exception or a hook's arguments that cannot be pickled
still arrive, as a stand-in that keeps the type name and the message, rather
than turning into an unrelated pickling error or a "worker died" report.
"""
from __future__ import annotations

import pickle
from multiprocessing.reduction import ForkingPickler
from typing import Any

__all__ = [
    "pickles", "portable_arguments", "portable_error", "unsendable_function", "why_unpicklable",
]


def pickles(value: Any) -> bool:
    """Whether ``value`` survives the pickling that sends it to another process."""
    try:
        ForkingPickler.dumps(value)
    except Exception:
        return False
    return True


def _round_trip_error(value: Any) -> Exception | None:
    """The error pickling ``value`` and reading it back raises, or None if it does not."""
    try:
        pickle.loads(ForkingPickler.dumps(value))
    except Exception as error:
        return error
    return None


def why_unpicklable(func: Any, error: Exception) -> str:
    """Name what makes a node's function unpicklable, as precisely as we can.

    Args:
        func: The function (or ``functools.partial``, or callable object).
        error: What pickling it raised, quoted when nothing more precise is found.
    """
    seen = "func"
    while hasattr(func, "func") and hasattr(func, "keywords"):  # functools.partial
        for position, value in enumerate(func.args):
            if not pickles(value):
                return f"{seen} is a partial whose argument {position} is {_kind(value)}"
        for key, value in func.keywords.items():
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


def unsendable_function(node_name: str, func: Any, error: Exception, runner: str) -> ValueError:
    """The error for a ``before_node_run`` hook's ``node.func = ...`` that cannot travel.

    Args:
        node_name: The node whose function a hook replaced.
        func: The new function.
        error: What pickling it raised.
        runner: The runner's class name, for the message.
    """
    return ValueError(
        f"A before_node_run hook replaced the function of node '{node_name}' "
        f"(node.func = ...), but {runner} cannot send the new function to the worker "
        f"that runs the node: {why_unpicklable(func, error)}. Make the wrapper picklable "
        f"(for example a class defined at module level whose __call__ calls the wrapped "
        f"function), or run with ThreadRunner or SequentialRunner."
    )


def _kind(value: Any) -> str:
    kind = type(value)
    if getattr(value, "__name__", "") == "<lambda>":
        return "a lambda"
    return f"an unpicklable {kind.__module__}.{kind.__qualname__}"


def portable_error(error: BaseException, where: str) -> BaseException:
    """Return ``error`` if it can travel between processes, else a stand-in that can.

    The stand-in is an instance of the nearest built-in class among the
    error's bases (so ``except ValueError`` still catches a custom
    ``ValueError``), whose message names the original class, repeats its
    message, says where it was raised and why it could not travel. Its
    ``original_type`` attribute holds the original class's dotted name.

    Args:
        error: The exception to send.
        where: Where it was raised, e.g. ``"raised by node 'n' in a worker process"``.
    """
    why = _round_trip_error(error)
    if why is None:
        return error
    kind = type(error)
    original = f"{kind.__module__}.{kind.__qualname__}"
    message = (
        f"{original}: {error} ({where}; the exception itself cannot be sent between "
        f"processes: {type(why).__name__}: {why})"
    )
    for base in kind.__mro__:
        if base.__module__ != "builtins" or not issubclass(base, Exception):
            continue
        try:
            stand_in = base(message)
        except Exception:  # a built-in that wants other arguments (UnicodeError...)
            continue
        stand_in.original_type = original  # type: ignore[attr-defined]
        return stand_in
    return error  # not an Exception (KeyboardInterrupt...): those pickle anyway


def portable_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """Replace, one value (or one dict entry) at a time, what cannot travel.

    Exceptions become ``portable_error`` stand-ins; anything else a short
    description such as ``<generator object: cannot be sent to the parent process>``.
    """
    def fix(value: Any) -> Any:
        if isinstance(value, BaseException):
            return portable_error(value, "raised in a worker process")
        if _round_trip_error(value) is None:
            return value
        return f"<{type(value).__name__} object: cannot be sent to the parent process>"

    return {
        key: {k: fix(v) for k, v in value.items()} if isinstance(value, dict) else fix(value)
        for key, value in arguments.items()
    }
