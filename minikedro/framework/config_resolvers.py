"""``${...}`` interpolation in configuration, as ``OmegaConfigLoader`` does it, without OmegaConf.

Public names: ``resolve_interpolations``, ``InterpolationError``, ``lookup``,
``environment_variable``.

What a configuration value may contain (Kedro's documented forms)::

    ${a.b}, ${a.list.0}                 another key of the same environment's files
    ${globals:key.path, default}        conf/<env>/globals.* (the loader's "globals")
    ${runtime_params:key.path, default} values given with --params
    ${oc.env:VARIABLE, default}         an environment variable (credentials only, as in Kedro)
    ${my_resolver:1, 2}                 CONFIG_LOADER_ARGS["custom_resolvers"]
    \\${not interpolated}                an escaped, literal ``${``

A value that is exactly one ``${...}`` keeps the type of what it refers to
(``${globals:epochs}`` stays an int); inside a longer string it is formatted
with ``str()``. Resolver arguments are split and typed by the parsers of
``--params`` (:func:`~minikedro.framework.run_options.split_commas`,
:func:`~minikedro.framework.run_options.parse_value`): ``1``, ``0.5``,
``true``, ``null``; quotes keep a string. Left out: OmegaConf's other
resolvers (``oc.select`` ...) and relative references (``${.x}``).
"""
from __future__ import annotations

import os
import re
from typing import Any, Callable, Mapping

from minikedro.framework.run_options import parse_value, split_commas

__all__ = ["InterpolationError", "environment_variable", "lookup", "resolve_interpolations"]

_RESOLVER_CALL = re.compile(r"([A-Za-z_][\w.\-]*):(.*)\Z", re.DOTALL)
_MARKS = re.compile(r"\\\$\{|\$\{|\}")  # what changes the nesting: \${, ${ and }


class InterpolationError(ValueError):
    """A ``${...}`` that cannot be resolved; the message names the key and the reason."""


def _split_template(text: str) -> list[tuple[bool, str]]:
    """``"a${x}b"`` -> ``[(False, "a"), (True, "x"), (False, "b")]``, honouring nesting and ``\\${``."""
    parts: list[tuple[bool, str]] = []
    literal, depth, start, position = "", 0, 0, 0
    for mark in _MARKS.finditer(text):
        if depth == 0:
            literal += text[position:mark.start()]
            if mark.group() == "\\${":
                literal += "${"
            elif mark.group() == "${":
                depth, start = 1, mark.end()
            else:
                literal += "}"
            position = mark.end()
        elif mark.group() != "\\${":
            depth += 1 if mark.group() == "${" else -1
            if depth == 0:
                parts += [(False, literal)] if literal else []
                parts.append((True, text[start:mark.start()]))
                literal, position = "", mark.end()
    if depth:
        raise InterpolationError(f"unclosed '${{' in {text!r}")
    literal += text[position:]
    return parts + ([(False, literal)] if literal else [])


def resolve_interpolations(
    config: Mapping[str, Any], resolvers: Mapping[str, Callable[..., Any]], where: str
) -> dict[str, Any]:
    """Return a copy of ``config`` with every ``${...}`` replaced by its value.

    Args:
        config: The merged configuration of one environment; ``${a.b}``
            refers to its keys (``_``-prefixed ones included).
        resolvers: ``{name: function}`` for ``${name:args}``.
        where: Names the configuration in error messages (a folder, a key).

    Raises:
        InterpolationError: A missing key, an unknown resolver, a resolver
            that failed, or a reference cycle; the message names the key.
    """
    resolving: list[str] = []

    def select(path: str, owner: str) -> Any:
        value: Any = config
        for part in path.split("."):
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]  # ${features.0}
            elif isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                raise InterpolationError(f"{where}: {owner} refers to ${{{path}}}, which is not defined")
        if path in resolving:
            cycle = " -> ".join([*resolving[resolving.index(path):], path])
            raise InterpolationError(f"{where}: interpolation cycle {cycle}")
        resolving.append(path)
        try:
            return resolve(value, path)
        finally:
            resolving.pop()

    def evaluate(expression: str, owner: str) -> Any:
        expression = expression.strip()
        call = _RESOLVER_CALL.match(expression)
        if call is None:
            return select(expression, owner)
        name, arguments = call.groups()
        if name not in resolvers:
            raise InterpolationError(
                f"{where}: {owner} uses unknown resolver {name!r} in ${{{expression}}}; "
                f"resolvers available here: {', '.join(sorted(resolvers)) or 'none'}"
            )
        args = [interpolate(arg, owner) if "${" in arg else parse_value(arg)
                for arg in split_commas(arguments)]
        try:
            return resolvers[name](*args)
        except InterpolationError:
            raise
        except Exception as exc:
            raise InterpolationError(f"{where}: {owner}: ${{{expression}}} failed: {exc}") from exc

    def interpolate(text: str, owner: str) -> Any:
        parts = _split_template(text)
        if len(parts) == 1 and parts[0][0]:
            return evaluate(parts[0][1], owner)
        return "".join(str(evaluate(part, owner)) if is_expr else part for is_expr, part in parts)

    def resolve(value: Any, path: str) -> Any:
        if isinstance(value, Mapping):
            return {key: resolve(item, f"{path}.{key}" if path else str(key))
                    for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, str) and "${" in value:
            try:
                return interpolate(value, path)
            except InterpolationError as exc:
                if str(exc).startswith(where):
                    raise
                raise InterpolationError(f"{where}: {path}: {exc}") from exc
        return value

    return resolve(config, "")


def lookup(source: Mapping[str, Any], kind: str) -> Callable[..., Any]:
    """A resolver reading dotted keys of ``source``: ``${kind:a.b, default}``."""
    missing = object()

    def resolver(path: str, default: Any = missing) -> Any:
        value: Any = source
        for part in str(path).split("."):
            if not isinstance(value, Mapping) or part not in value:
                if default is missing:
                    raise InterpolationError(
                        f"{kind} key {path!r} not found and no default value provided")
                return default
            value = value[part]
        return value

    return resolver


def environment_variable(name: str, *default: Any) -> Any:
    """``${oc.env:NAME, default}``: the variable's value, else the default."""
    value = os.environ.get(str(name))
    if value is not None:
        return value
    if not default:
        raise InterpolationError(f"environment variable {name!r} is not set and no default value is given")
    return default[0]
