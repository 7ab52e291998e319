"""The options of ``minikedro run``, described once, and the words users type turned into values.

Public names: ``RunOptions``, ``OPTIONS``, ``RunOptionError``, ``split_commas``, ``parse_value``,
``parse_key_values``, ``parse_load_versions``, ``read_run_config``, ``load_runner``.

Each ``RunOptions`` field is one option of Kedro's ``kedro run``: its metadata builds the parser
(:mod:`minikedro.cli`), checks a ``--config`` file's ``run`` table (keys are the field names),
merges the two (the command line wins), calls the session and repeats the options to resume.
"""
from __future__ import annotations

import logging
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["OPTIONS", "RunOptionError", "RunOptions", "load_runner", "parse_key_values",
           "parse_load_versions", "parse_value", "read_run_config", "split_commas"]

logger = logging.getLogger(__name__)

BUILTIN_RUNNERS = ("SequentialRunner", "ThreadRunner", "ParallelRunner")
_WORDS = {"true": True, "false": False, "null": None, "none": None, "~": None}
_MAX_NESTING = 100  # deeper lists in a value are refused, not a RecursionError


class RunOptionError(ValueError):
    """A ``run`` option or ``--config`` file that cannot be understood."""


def _option(flags: str, metavar: str | None, kind: str = "text", *, help: str, to: str = "run",
            keyword: str | None = None, aliases: str = "") -> Any:
    """A ``RunOptions`` field. ``kind``: text, flag, switch (``--x``/``--no-x``), list, pairs
    (``k=v``) or versions (``ds:v``). ``to`` names the call that takes it as ``keyword`` (default:
    the field's name): ``KedroSession.create``, ``load_runner``, ``run``, or ``"cli"`` (the command's own).
    """
    metadata = {"flags": flags.split(), "kind": kind, "metavar": metavar, "help": help, "to": to,
                "keyword": keyword, "aliases": aliases.split()}
    if kind in ("list", "pairs", "versions"):
        return field(default_factory=list if kind == "list" else dict, metadata=metadata)
    return field(default=False if kind == "flag" else None, metadata=metadata)


@dataclass
class RunOptions:
    """Every option of ``minikedro run``, in the order a resume command repeats them."""

    pipeline: Optional[str] = _option("-p --pipeline", "NAME", keyword="pipeline_name",
                                      help="registered pipeline to run (default: __default__)")
    pipelines: List[str] = _option("--pipelines", "A,B", "list", keyword="pipeline_names",
                                   help="several registered pipelines, run together")
    env: Optional[str] = _option("-e --env", "ENV", to="create",
                                 help="configuration environment read over base (default: local)")
    conf_source: Optional[str] = _option("--conf-source", "PATH", to="create",
                                         help="configuration folder (default: conf)")
    params: Dict[str, Any] = _option("--params", "K=V,...", "pairs", to="create", keyword="runtime_params",
                                     help="override parameters; nested keys: a.b=v")
    runner: Optional[str] = _option("-r --runner", "RUNNER", to="runner", keyword="name", help=(
        f"{', '.join(BUILTIN_RUNNERS)} (the first by default), or a dotted path to a class"))
    runner_params: Dict[str, Any] = _option("--runner-params", "K=V,...", "pairs", to="runner",
                                            keyword="params", help="runner keyword arguments: "
                                            'max_workers=2 ("" clears a run file\'s)')
    tags: List[str] = _option("-t --tags", "A,B", "list", aliases="--tag",
                              help="run only nodes with any of these tags")
    node_names: List[str] = _option("-n --nodes", "A,B", "list", aliases="--node",
                                    help="run only these nodes")
    from_nodes: List[str] = _option("--from-nodes", "A,B", "list", help="run from these nodes onwards")
    to_nodes: List[str] = _option("--to-nodes", "A,B", "list", help="run up to these nodes")
    from_inputs: List[str] = _option("--from-inputs", "A,B", "list",
                                     help="run from the nodes using these datasets")
    to_outputs: List[str] = _option("--to-outputs", "A,B", "list",
                                    help="run up to the nodes making these datasets")
    namespaces: List[str] = _option("-ns --namespaces", "A,B", "list", aliases="--namespace",
                                    help="run only nodes in these namespaces")
    load_versions: Dict[str, str] = _option("-lv --load-versions", "DS:VERSION,...", "versions",
                                            aliases="--load-version", help="dataset versions to load")
    is_async: bool = _option("--async", None, "flag", to="runner",
                             help="load inputs and save outputs on threads")
    only_missing_outputs: bool = _option("--only-missing-outputs", None, "flag",
                                         help="skip nodes whose persisted outputs exist")
    wait: bool = _option("--wait", None, "flag",
                         help="wait for another run using the same datasets to end, instead of failing")
    keep_going: bool = _option("--keep-going", None, "flag", to="runner", help=(
        "when a node fails, still run every node that does not depend on it"))
    progress: Optional[bool] = _option("--progress", None, "switch", to="cli", help=(
        "show a progress line on stderr (default: when stderr is a terminal)"))
    resume: bool = _option("--resume", None, "flag", to="cli", help=(
        "run what the last failed or interrupted run did not complete, with its options"))
    # Not an option: the run file's runner_params when --runner chose the runner; passed only
    # where that runner takes them, the others dropped with a warning.
    file_runner_params: Dict[str, Any] = field(default_factory=dict, metadata={
        "to": "runner", "keyword": "optional_params"})

    @classmethod
    def from_sources(cls, command_line: Mapping[str, Any], file: Mapping[str, Any] | None = None
                     ) -> RunOptions:
        """Every option from argparse's values where given (not None), else from ``read_run_config``'s.

        ``params`` and ``runner_params`` merge key by key; an empty value given clears the file's.

        Raises:
            RunOptionError: A value that does not parse, or both ``pipeline`` and ``pipelines``.
        """
        file = file or {}
        given = {name: _convert(option, command_line[name], "command line")
                 for name, option in OPTIONS.items() if command_line.get(name) is not None}
        values = {**file, **{name: value for name, value in given.items() if value is not None}}
        for name in ("params", "runner_params"):
            if given.get(name) and file.get(name):
                from minikedro.framework.config_files import merge_dicts

                values[name] = merge_dicts(file[name], given[name])
        if given.get("runner") and file.get("runner_params"):
            merged, mine = values.pop("runner_params"), given.get("runner_params") or {}
            values["runner_params"] = {k: v for k, v in merged.items() if k in mine}
            values["file_runner_params"] = {k: v for k, v in merged.items() if k not in mine}
        if values.get("pipeline") and values.get("pipelines"):
            raise RunOptionError("--pipeline and --pipelines cannot be used together: use "
                                 "--pipelines a,b to run several pipelines")
        return cls(**values)

    def arguments(self, to: str) -> dict[str, Any]:
        """The keyword arguments for the call ``to`` names (``"create"``, ``"runner"``, ``"run"``)."""
        return {option.metadata["keyword"] or option.name: getattr(self, option.name)
                for option in fields(self) if option.metadata["to"] == to}


#: The command-line options (and run-file keys), by field name.
OPTIONS: dict[str, Field] = {option.name: option for option in fields(RunOptions)
                             if "flags" in option.metadata}


def split_commas(text: str) -> list[str]:
    """Split on commas outside brackets and quotes; strip items, drop empty ones.

    ``"a, f([x,y]) -> [z]"`` gives ``["a", "f([x,y]) -> [z]"]``.
    """
    items, current, depth, quote = [], [], 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{" or char in ")]}":
            depth += 1 if char in "([{" else -1
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def parse_value(text: str, _depth: int = 0) -> Any:
    """Type a value as ``--params`` does: a Python literal, ``true``/``false``/``null``/``none``/``~``
    in any case, a YAML flow list of bare words (``[engines, crew]``), else the string itself.

    Raises:
        ValueError: Lists nested more than 100 deep.
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
        if _depth == _MAX_NESTING:
            raise ValueError(f"lists nested more than {_MAX_NESTING} deep")
        return [parse_value(item, _depth + 1) for item in split_commas(text[1:-1])]
    return text


def _items(value: Any, option: str) -> list[str]:
    """The items of a list option: a comma-separated string or a list of them."""
    items = [value] if isinstance(value, str) else value
    if not (isinstance(items, (list, tuple)) and all(isinstance(item, str) for item in items)):
        raise RunOptionError(f"{option} must be a string or a list of strings, got {value!r}")
    return [name for item in items for name in split_commas(item)]


def _pairs(value: Any, option: str, form: str, example: str) -> dict[str, str]:
    """Items split on the first ``:`` (``form`` ``key=value``: on the first ``=``, or a ``:`` before it)."""
    pairs = {}
    for item in _items(value, option):
        equals, colon = item.find("=") if form == "key=value" else -1, item.find(":")
        key, found, text = item.partition("=" if -1 < equals and not -1 < colon < equals else ":")
        if not found or not key.strip() or (":" in form and not text.strip()):
            raise RunOptionError(f"{option}: {item!r} is not {form}; valid form: {option} {example}")
        pairs[key.strip()] = text.strip()
    return pairs


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


def parse_key_values(value: str | list | Mapping | None, option: str) -> dict[str, Any]:
    """Parse ``"k=v,a.b=v"`` (a list of such items, or a mapping) into a nested dict of values;
    ``key:value`` (Kedro 0.18) is read too.

    Raises:
        RunOptionError: An item without ``=``, an empty key, or a key or value nested too deep.
    """
    if isinstance(value, Mapping) or value is None:
        return _nest(value or {})
    flat = {}
    for key, text in _pairs(value, option, "key=value", '"alpha=0.1,model.depth=3"').items():
        if key.count(".") >= _MAX_NESTING:
            raise RunOptionError(f"{option}: the key {key[:20] + '...'!r} has more than "
                                 f"{_MAX_NESTING} levels")
        try:
            flat[key] = parse_value(text)
        except ValueError as error:
            raise RunOptionError(f"{option}: the value of {key!r} has {error}") from None
    return _nest(flat)


def parse_load_versions(value: str | list | Mapping | None) -> dict[str, str]:
    """Parse ``"ds:version,ds2:version"`` (a list of such items, or a mapping) into a dict.

    Raises:
        RunOptionError: An item without ``:``, or a version that is no plain folder name.
    """
    from minikedro.io.core import _check_version

    versions = ({str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else
                _pairs(value or [], "--load-versions", "dataset:version",
                       '"model:2024-01-31T12.00.00.000Z"'))
    for name, version in versions.items():
        try:
            _check_version(version, "--load-versions: load", f"'{name}'")
        except ValueError as error:
            raise RunOptionError(str(error)) from None
    return versions


def _convert(option: Field, value: Any, source: str) -> Any:
    """One option's value in its field's form; ``source`` says where it came from."""
    kind, where = option.metadata["kind"], f"{source}: {option.name}"
    if kind == "list":
        return _items(value, where)
    if kind == "versions":
        return parse_load_versions(value)
    if kind == "pairs":
        return parse_key_values(value, option.metadata["flags"][-1])
    if kind in ("flag", "switch") and isinstance(value, str):
        value = parse_value(value)
    if not isinstance(value, str if kind == "text" else bool):
        expected = "a string" if kind == "text" else "true or false"
        raise RunOptionError(f"{where} must be {expected}, got {value!r}")
    return value or None if kind == "text" else value


def read_run_config(path: str | Path) -> dict[str, Any]:
    """The options the ``run`` table of a ``--config`` file (TOML, JSON or YAML) sets.

    Raises:
        RunOptionError: No such file, a folder, no ``run`` table, or a key that is no option.
        BadConfigException: The file does not parse.
    """
    from minikedro.framework.config_files import read_config_file

    path = Path(path)
    if path.is_dir():
        found = [p.name for p in sorted(path.iterdir()) if p.suffix in (".toml", ".json", ".yml", ".yaml")]
        raise RunOptionError(f"config file {path} is a folder: --config takes a file with a [run] "
                             f"table{'; files there: ' + ', '.join(found) if found else ''}")
    if not path.is_file():
        raise RunOptionError(f"config file {path} does not exist")
    table = read_config_file(path).get("run")
    if not isinstance(table, Mapping):
        raise RunOptionError(f"{path} has no 'run' table: put the options under [run] (TOML) or "
                             f"a 'run' key (JSON/YAML)")
    unknown = sorted(set(table) - set(OPTIONS))
    if unknown:
        import difflib

        spelled = {flag.lstrip("-").replace("-", "_"): name for name, option in OPTIONS.items()
                   for flag in (*option.metadata["flags"], *option.metadata["aliases"])}
        hints = [f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key) for key in unknown
                 for close in [[spelled[key]] if key in spelled
                               else difflib.get_close_matches(key, OPTIONS, n=1)]]
        raise RunOptionError(f"{path}: unknown key {', '.join(hints)} in the run table; valid "
                             f"keys: {', '.join(sorted(OPTIONS))}")
    return {key: _convert(OPTIONS[key], value, str(path))
            for key, value in table.items() if value is not None}


def load_runner(name: str | None = None, is_async: bool = False, params: Mapping | None = None,
                optional_params: Mapping | None = None, keep_going: bool = False) -> Any:
    """Create the runner named on the command line.

    Args:
        name: ``SequentialRunner`` (default), ``ThreadRunner``, ``ParallelRunner``, or
            a dotted path to a runner class (``a.b.C`` or ``a.b:C``).
        is_async: Passed to the constructor, as Kedro does.
        params: Keyword arguments; ``is_async`` among them means ``--async``.
        optional_params: Passed where the runner takes them, others dropped with a warning.
        keep_going: ``--keep-going``: passed to runners that take it, refused by others.

    Raises:
        RunOptionError: Unknown name, not a runner class, or arguments it refuses.
    """
    import pkgutil

    from minikedro.io.catalog_config import _arguments_of
    from minikedro.runner import AbstractRunner

    name = name or "SequentialRunner"
    choices = f"built-in runners: {', '.join(BUILTIN_RUNNERS)}, or a dotted path to a runner class"
    if name not in BUILTIN_RUNNERS and "." not in name and ":" not in name:
        raise RunOptionError(f"unknown runner {name!r}; {choices}")
    try:  # a.b.C or a.b:C
        runner_class = pkgutil.resolve_name(f"minikedro.runner:{name}" if name in BUILTIN_RUNNERS else name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise RunOptionError(f"unknown runner {name!r}: no module {exc.name!r}; {choices}") from exc
        raise
    except (AttributeError, ValueError) as exc:  # no such name in the module; not a dotted path
        raise RunOptionError(f"unknown runner {name!r}: no class of that name; {choices}") from exc
    if not (isinstance(runner_class, type) and issubclass(runner_class, AbstractRunner)):
        raise RunOptionError(f"runner {name!r} is not an AbstractRunner subclass; {choices}")
    takes, _, takes_any = _arguments_of(runner_class)  # the catalog's reading of a constructor
    optional = dict(optional_params or {})
    dropped = [] if takes_any else sorted(set(optional) - takes - {"is_async"})
    if dropped:
        logger.warning("--runner %s does not take %s: dropped from the --config file's "
                       "runner_params", name, ", ".join(dropped))
    params = {**{k: v for k, v in optional.items() if k not in dropped}, **(params or {})}
    is_async = _convert(OPTIONS["is_async"], params.pop("is_async", False), "--runner-params") or is_async
    unknown = [] if takes_any else sorted(set(params) - takes)
    if unknown:
        accepted = ", ".join(sorted(takes - {"is_async"}))
        raise RunOptionError(f"{runner_class.__name__} does not take {', '.join(unknown)} (from "
                             f"--runner-params); it takes {'only: ' + accepted if accepted else 'none'}")
    if keep_going and not takes_any and "keep_going" not in takes:
        raise RunOptionError(f"{runner_class.__name__} does not take keep_going, so --keep-going "
                             f"cannot be used with it: let its __init__ pass **kwargs to super()")
    if keep_going:
        params["keep_going"] = True
    try:
        return runner_class(is_async=is_async, **params)
    except (TypeError, ValueError) as exc:
        given = ", ".join(f"{key}={value!r}" for key, value in params.items())
        raise RunOptionError(f"cannot create {name} with {given or 'no parameters'}: {exc}") from exc
