"""The options of ``minikedro run``: parse them, merge a ``--config`` file, load the runner.

Public names: ``RUN_OPTIONS``, ``RunOptionError``, ``split_commas``,
``parse_value``, ``parse_key_values``, ``parse_load_versions``,
``read_run_config``, ``merge_run_options``, ``load_runner``.

Every option has one name, Kedro's ``kedro run`` parameter name, used both as
the argparse ``dest`` and as the key of a ``--config`` file's ``run`` table::

    [run]                          # run_config.toml
    pipeline = "training"
    tags = "train, report"         # or ["train", "report"]
    runner = "ThreadRunner"
    runner_params = { max_workers = 2 }
    params = { "model.k" = 3 }     # or "model.k=3"

An option given on the command line wins over the file, key by key; for
``params``, ``load_versions`` and ``runner_params`` the two are merged and the
command line wins per key.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Mapping

from minikedro.framework.config_files import merge_dicts, read_config_file

__all__ = [
    "RUN_OPTIONS",
    "RunOptionError",
    "load_runner",
    "merge_run_options",
    "parse_key_values",
    "parse_load_versions",
    "parse_value",
    "read_run_config",
    "split_commas",
]

LIST_OPTIONS = (
    "pipelines", "tags", "node_names", "from_nodes", "to_nodes",
    "from_inputs", "to_outputs", "namespaces",
)
TEXT_OPTIONS = ("pipeline", "runner", "env", "conf_source")
FLAG_OPTIONS = ("is_async", "only_missing_outputs", "wait")
MAPPING_OPTIONS = ("params", "load_versions", "runner_params")
RUN_OPTIONS = LIST_OPTIONS + TEXT_OPTIONS + FLAG_OPTIONS + MAPPING_OPTIONS

BUILTIN_RUNNERS = ("SequentialRunner", "ThreadRunner", "ParallelRunner")

# Keys people write from the flag's name rather than Kedro's parameter name.
_FLAG_NAMES = {"nodes": "node_names", "node": "node_names", "tag": "tags", "async": "is_async",
               "load_version": "load_versions", "namespace": "namespaces"}

_WORDS = {"true": True, "false": False, "null": None, "none": None}
_OPENERS = {"[": "]", "(": ")", "{": "}"}


class RunOptionError(ValueError):
    """A ``run`` option or ``--config`` file that cannot be understood."""


def split_commas(text: str) -> list[str]:
    """Split on commas outside brackets and quotes; strip items, drop empty ones.

    ``"a, f([x,y]) -> [z]"`` gives ``["a", "f([x,y]) -> [z]"]`` and
    ``"ids=[1,2],k=3"`` gives ``["ids=[1,2]", "k=3"]``.
    """
    items, current, closers, quote = [], [], [], ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in _OPENERS:
            closers.append(_OPENERS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "," and not closers:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def parse_value(text: str) -> Any:
    """Type a value the way ``--params`` does.

    Python literals (``3``, ``0.5``, ``True``, ``None``, ``'text'``,
    ``[1, 2]``) and the words ``true``, ``false``, ``null``, ``none`` in any
    case become Python values; a list of bare words, as YAML (and Kedro's
    OmegaConf) reads it, becomes a list (``[engines, crew]`` ->
    ``["engines", "crew"]``); anything else stays the string it was.
    """
    import ast  # only commands with --params pay for it

    text = text.strip()
    if text.lower() in _WORDS:
        return _WORDS[text.lower()]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    if text.startswith("[") and text.endswith("]"):  # YAML's flow list: [engines, crew]
        return [parse_value(item) for item in split_commas(text[1:-1])]
    return text


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "c": 2}`` -> ``{"a": {"b": 1}, "c": 2}``."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = str(key).split(".")
        level = nested
        for parent in parents:
            if not isinstance(level.get(parent), dict):
                level[parent] = {}
            level = level[parent]
        level[leaf] = _nest(value) if isinstance(value, Mapping) else value
    return nested


def parse_key_values(value: str | Mapping | None, option: str) -> dict[str, Any]:
    """Parse ``"k=v,a.b=v"`` (or a mapping) into a nested dict of typed values.

    Each item splits on its first ``=`` (or on a ``:`` before any ``=``, the
    older ``key:value`` form), so values may contain ``=`` and ``:``.

    Raises:
        RunOptionError: An item without ``=`` or with an empty key.
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return _nest(value)
    if not isinstance(value, str):
        raise RunOptionError(f"{option} must be a string like 'k=v,a.b=v' or a table")
    flat = {}
    for item in split_commas(value):
        # Kedro 1.x splits on the first "="; Kedro 0.18 also took "key:value".
        equals, colon = item.find("="), item.find(":")
        separator = ":" if colon != -1 and (equals == -1 or colon < equals) else "="
        key, found, text = item.partition(separator)
        if not found or not key.strip():
            raise RunOptionError(
                f"{option}: {item!r} is not key=value; valid form: "
                f'{option} "alpha=0.1,model.depth=3"'
            )
        flat[key.strip()] = parse_value(text)
    return _nest(flat)


def parse_load_versions(value: str | Mapping | None) -> dict[str, str]:
    """Parse ``"ds:version,ds2:version"`` (or a mapping) into ``{dataset: version}``.

    Raises:
        RunOptionError: An item without ``:``, or a version that is not one
            plain folder name (``../..`` is refused).
    """
    if value is None:
        return {}
    from minikedro.io.core import _check_version

    if isinstance(value, Mapping):
        versions = {str(k): str(v) for k, v in value.items()}
    else:
        versions = {}
        for item in split_commas(str(value)):
            name, colon, version = item.partition(":")
            if not colon or not name.strip() or not version.strip():
                raise RunOptionError(
                    f"--load-versions: {item!r} is not dataset:version; valid form: "
                    f'--load-versions "model:2024-01-31T12.00.00.000Z"'
                )
            versions[name.strip()] = version.strip()
    for name, version in versions.items():
        try:
            _check_version(version, "--load-versions: load", f"'{name}'")
        except ValueError as error:
            raise RunOptionError(str(error)) from None
    return versions


def _as_list(value: Any, option: str) -> list[str]:
    """A list option from a string, a list of strings, or argparse's repeats."""
    if value is None:
        return []
    if isinstance(value, str):
        return split_commas(value)
    if isinstance(value, (list, tuple)):
        return [name for item in value for name in _as_list(item, option)]
    raise RunOptionError(f"{option} must be a string or a list of strings, got {value!r}")


def _normalise(key: str, value: Any, source: str) -> Any:
    """One option's value in its canonical form; ``source`` names where it came from."""
    if key in LIST_OPTIONS:
        return _as_list(value, key)
    if key in TEXT_OPTIONS:
        if value is not None and not isinstance(value, str):
            raise RunOptionError(f"{source}: {key} must be a string, got {value!r}")
        return value or None
    if key in FLAG_OPTIONS:
        value = parse_value(value) if isinstance(value, str) else value
        if not isinstance(value, bool) and value is not None:
            raise RunOptionError(f"{source}: {key} must be true or false, got {value!r}")
        return bool(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = ",".join(value)  # the option given several times on the command line
    if key == "load_versions":
        return parse_load_versions(value)
    return parse_key_values(value, "--" + key.replace("_", "-"))


def read_run_config(path: str | Path) -> dict[str, Any]:
    """Read the ``run`` table of a ``--config`` file (TOML, JSON or YAML).

    Returns:
        The table's options, normalised; only the keys the file sets.

    Raises:
        RunOptionError: The file is missing, has no ``run`` table, or uses a
            key that is not an option (the message lists the valid keys).
        BadConfigException: The file does not parse.
    """
    path = Path(path)
    if not path.is_file():
        raise RunOptionError(f"config file {path} does not exist")
    data = read_config_file(path)
    table = data.get("run")
    if not isinstance(table, Mapping):
        raise RunOptionError(
            f"{path} has no 'run' table: put the options under [run] "
            f"(TOML) or a 'run' key (JSON/YAML)"
        )
    unknown = sorted(set(table) - set(RUN_OPTIONS))
    if unknown:
        import difflib

        hints = [
            f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key)
            for key in unknown
            for close in [[_FLAG_NAMES[key]] if key in _FLAG_NAMES
                          else difflib.get_close_matches(key, RUN_OPTIONS, n=1)]
        ]
        raise RunOptionError(
            f"{path}: unknown key {', '.join(hints)} in the run table; valid keys: "
            f"{', '.join(sorted(RUN_OPTIONS))}"
        )
    return {key: _normalise(key, value, str(path)) for key, value in table.items()}


def merge_run_options(cli: Mapping[str, Any], file: Mapping[str, Any] | None = None) -> dict:
    """Every run option, from the command line where given, else from the file.

    Args:
        cli: argparse's values by option name (``None``/empty for "not given").
        file: ``read_run_config``'s result.

    Returns:
        All of ``RUN_OPTIONS`` in canonical form: lists, strings or ``None``,
        booleans, and dicts.
    """
    file = file or {}
    options = {}
    for key in RUN_OPTIONS:
        given = _normalise(key, cli.get(key), "command line")
        from_file = file.get(key)
        if key in MAPPING_OPTIONS:
            options[key] = merge_dicts(from_file or {}, given)
        elif given or from_file is None:
            options[key] = given
        else:
            options[key] = from_file
    if options["pipeline"] and options["pipelines"]:
        raise RunOptionError(
            "--pipeline and --pipelines cannot be used together: use --pipelines a,b "
            "to run several pipelines"
        )
    return options


def load_runner(name: str | None, is_async: bool = False, params: Mapping | None = None) -> Any:
    """Create the runner named on the command line.

    Args:
        name: A built-in runner (``SequentialRunner``, ``ThreadRunner``,
            ``ParallelRunner``) or a dotted path to a runner class
            (``my_project.runner.DryRunner``); default ``SequentialRunner``.
        is_async: Passed to the constructor, as Kedro does.
        params: ``--runner-params``, passed as keyword arguments; an
            ``is_async`` among them turns async mode on as ``--async`` does.

    Raises:
        RunOptionError: Unknown name, not a runner class, or arguments it refuses.
    """
    name = name or "SequentialRunner"
    choices = f"built-in runners: {', '.join(BUILTIN_RUNNERS)}, or a dotted path to a runner class"
    if "." not in name:
        if name not in BUILTIN_RUNNERS:
            raise RunOptionError(f"unknown runner {name!r}; {choices}")
        module_name, class_name = "minikedro.runner", name
    else:
        module_name, _, class_name = name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise RunOptionError(
                f"unknown runner {name!r}: no module {exc.name!r}; {choices}"
            ) from exc
        raise
    runner_class = getattr(module, class_name, None)
    from minikedro.runner import AbstractRunner

    if not (isinstance(runner_class, type) and issubclass(runner_class, AbstractRunner)):
        found = "nothing" if runner_class is None else type(runner_class).__name__
        raise RunOptionError(
            f"runner {name!r} is not an AbstractRunner subclass ({module_name} has "
            f"{found} named {class_name!r}); {choices}"
        )
    params = dict(params or {})
    from_params = params.pop("is_async", False)
    is_async = _normalise("is_async", from_params, "--runner-params") or is_async
    accepted = _parameters_of(runner_class)
    unknown = sorted(set(params) - accepted) if accepted is not None else []
    if unknown:
        takes = ", ".join(sorted(accepted - {"is_async"}))
        raise RunOptionError(
            f"{runner_class.__name__} does not take {', '.join(unknown)} (from "
            f"--runner-params); it takes {'only: ' + takes if takes else 'none'}"
        )
    try:
        return runner_class(is_async=is_async, **params)
    except (TypeError, ValueError) as exc:
        given = ", ".join(f"{key}={value!r}" for key, value in params.items())
        raise RunOptionError(f"cannot create {name} with {given or 'no parameters'}: {exc}") from exc


def _parameters_of(runner_class: type) -> set[str] | None:
    """The keyword arguments a runner's constructor takes; None if it takes any (**kwargs)."""
    import inspect

    parameters = inspect.signature(runner_class).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
