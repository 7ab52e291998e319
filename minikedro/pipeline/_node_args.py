"""Checking and normalising what ``node()`` is given: names, specs, tags, signatures.

``Node`` keeps only the rules here; this module knows the argument shapes
Kedro accepts (``None``, a name, a list, a dict), the label rule for node
names and tags, and how inputs bind to a function's signature. Binding uses
``inspect``, the slowest part of building a node, so its result is cached
per (function, call shape): pipelines often reuse one function many times.

Internal to ``minikedro.pipeline``; ``ArgumentTypeError`` is what users see.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Callable, Iterable, Union

__all__ = [
    "ArgumentTypeError",
    "DatasetSpec",
    "as_tags",
    "bracketed",
    "call_order",
    "check_label",
    "dataset_names",
    "definition_error",
    "frozen_spec",
    "function_facts",
    "readable_name",
    "spec_key",
]

#: What ``inputs`` and ``outputs`` may be: nothing, one name, names in call
#: (or return) order, or a mapping from argument (or result key) to name.
DatasetSpec = Union[None, str, "list[str]", "dict[str, str]"]

# Kedro's rule for node names and tags: they travel through CLIs and configs.
_VALID_LABEL = re.compile(r"[\w.-]+")
_LABEL_RULE = "letters, digits, hyphens, underscores and/or fullstops"


class ArgumentTypeError(TypeError, ValueError):
    """An argument of ``node()``, ``Node.run()`` or ``Pipeline()`` has the wrong type.

    It is a ``TypeError``, and also a ``ValueError`` because Kedro raises
    ``ValueError`` in these cases and code written for Kedro catches that.
    """


def definition_error(problem: str, func_name: str | None, name: Any) -> str:
    """Kedro's message shape for a node that cannot be built, naming the culprit."""
    if name:
        culprit = f" (node '{name}')" if func_name is None else f" (node '{name}' of '{func_name}')"
    else:
        culprit = "" if func_name is None else f" (node of '{func_name}')"
    return (
        f"Invalid Node definition: {problem}{culprit}.\n"
        f"Format should be: node(function, inputs, outputs)"
    )


def readable_name(func: Callable[..., Any]) -> str:
    """Name a callable without memory addresses, so default node names are stable."""
    if isinstance(func, functools.partial):
        return readable_name(func.func)
    return getattr(func, "__name__", None) or type(func).__name__


def bracketed(names: tuple[str, ...]) -> str:
    """``[a;b]`` as in Kedro's ``str(node)``, or ``None`` for no names."""
    return f"[{';'.join(names)}]" if names else "None"


def dataset_names(spec: Any, role: str, func_name: str, name: Any) -> tuple[str, ...]:
    """Flatten an inputs/outputs/confirms spec into dataset names, checking types.

    Raises:
        ArgumentTypeError: The spec or one of its names has the wrong type.
        ValueError: A name is empty.
    """
    if spec is None:
        return ()
    if isinstance(spec, str):
        names: tuple[Any, ...] = (spec,)
    elif isinstance(spec, list):
        names = tuple(spec)
    elif isinstance(spec, dict):
        names = tuple(spec.values())
    else:
        raise ArgumentTypeError(definition_error(
            f"'{role}' type must be one of [str, list, dict, None], "
            f"not {type(spec).__name__} {spec!r}", func_name, name,
        ))
    for item in names:
        if not isinstance(item, str):
            raise ArgumentTypeError(definition_error(
                f"names in '{role}' must be str, but {type(item).__name__} {item!r} "
                f"is in {spec!r}", func_name, name,
            ))
        if not item:
            raise ValueError(definition_error(
                f"'{role}' holds an empty dataset name", func_name, name
            ))
    return names


def frozen_spec(spec: DatasetSpec) -> DatasetSpec:
    """Copy a list or dict spec so later changes by the caller cannot reach the node."""
    if isinstance(spec, list):
        return list(spec)
    if isinstance(spec, dict):
        return dict(spec)
    return spec


def spec_key(spec: DatasetSpec) -> tuple[str, tuple[Any, ...]]:
    """A comparable, hashable form of a spec; dicts compare regardless of order."""
    if spec is None:
        return ("none", ())
    if isinstance(spec, str):
        return ("str", (spec,))
    if isinstance(spec, dict):
        return ("dict", tuple(sorted(spec.items())))
    return ("list", tuple(spec))


def check_label(label: Any, kind: str) -> None:
    """Refuse a node name or tag that is not a non-empty run of ``[\\w.-]``.

    Raises:
        ArgumentTypeError: ``label`` is not a str.
        ValueError: ``label`` holds other characters.
    """
    if not isinstance(label, str):
        raise ArgumentTypeError(
            f"Node {kind} must be a str, got {type(label).__name__} {label!r}."
        )
    if not _VALID_LABEL.fullmatch(label):
        raise ValueError(
            f"'{label}' is not a valid node {kind}. It must contain only {_LABEL_RULE}."
        )


def as_tags(tags: str | Iterable[str] | None) -> set[str]:
    """Normalise one tag or many into a set, checking each one."""
    if tags is None:
        return set()
    if isinstance(tags, str):
        tags = [tags]
    result = set()
    for tag in tags:
        check_label(tag, "tag")
        result.add(tag)
    return result


def _is_hashable(func: Callable[..., Any]) -> bool:
    try:
        hash(func)
    except TypeError:
        return False
    return True


_cached_name = functools.lru_cache(maxsize=1024)(readable_name)


def function_facts(func: Callable[..., Any]) -> tuple[str, bool]:
    """A callable's display name, and whether it hashes.

    The second tells ``call_order`` whether it may cache (unhashable callables
    exist: objects with ``__hash__ = None``).
    """
    if _is_hashable(func):
        return _cached_name(func), True
    return readable_name(func), False


def _bind_order(
    func: Callable[..., Any], n_positional: int, keywords: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        signature = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):  # some builtins have no signature: trust the user
        return keywords
    bound = signature.bind(*range(n_positional), **{key: key for key in keywords})
    return tuple(bound.args) + tuple(bound.kwargs.values()) if keywords else ()


_cached_bind_order = functools.lru_cache(maxsize=1024)(_bind_order)


def call_order(
    func: Callable[..., Any], func_name: str, inputs: DatasetSpec, n_positional: int, cacheable: bool
) -> tuple[str, ...]:
    """Check that the inputs bind to ``func``; for dict inputs return the keys in call order.

    Raises:
        TypeError: The inputs do not fit the signature (Kedro's message).
    """
    keywords = tuple(inputs) if isinstance(inputs, dict) else ()
    bind = _cached_bind_order if cacheable else _bind_order
    try:
        return bind(func, 0 if keywords else n_positional, keywords)
    except TypeError as exc:
        expected = list(inspect.signature(func, follow_wrapped=False).parameters)
        raise TypeError(
            f"Inputs of '{func_name}' function expected {expected}, but got {inputs!r}: {exc}."
        ) from exc
