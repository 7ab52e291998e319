"""Read a project's ``conf/`` folder: Kedro's ``OmegaConfigLoader``, without OmegaConf.

Public names: ``AbstractConfigLoader``, ``OmegaConfigLoader`` (also ``ConfigLoader``),
``is_config_archive``, ``remove_unpacked_archives``; and, from :mod:`.config_files`,
``read_config_file``, ``merge_dicts``, ``BadConfigException``, ``MissingConfigException``,
``CONFIG_EXTENSIONS``.

As in Kedro, ``conf/base`` is read, then the run environment over it; a key defined twice
in one environment is an error naming both files; keys starting with ``_`` only hold values
for ``${...}``. ``conf_source`` may be a zip or tar of the folder.
"""
from __future__ import annotations

import logging
import os
import re
from collections import UserDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Iterator

from minikedro.framework.config_files import (CONFIG_EXTENSIONS, BadConfigException,
                                               MissingConfigException, merge_dicts, read_config_file)

__all__ = ["CONFIG_EXTENSIONS", "AbstractConfigLoader", "BadConfigException", "ConfigLoader",
           "MissingConfigException", "OmegaConfigLoader", "is_config_archive", "merge_dicts",
           "read_config_file", "remove_unpacked_archives"]

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_PATTERNS = {
    **{key: [f"{key}*", f"{key}*/**", f"**/{key}*"]
       for key in ("catalog", "parameters", "credentials", "logging")},
    "globals": ["globals.*"],
}
MERGE_STRATEGIES = ("destructive", "soft")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
_unpacked_archives: dict[tuple[str, float], Path] = {}  # (archive, mtime) -> unpacked into


def is_config_archive(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a zip or tar file (by its name) that can hold a ``conf`` folder."""
    return str(path).lower().endswith(ARCHIVE_SUFFIXES) and Path(path).is_file()


def _unpacked(archive: Path, base_env: str) -> Path:
    """The configuration folder inside ``archive``, unpacked once into a temporary folder."""
    import atexit
    import shutil
    import tempfile

    key = (str(archive.resolve()), archive.stat().st_mtime)
    if key not in _unpacked_archives:
        if not _unpacked_archives:
            atexit.register(remove_unpacked_archives)
        target = _unpacked_archives[key] = Path(tempfile.mkdtemp(prefix="minikedro-conf-"))
        try:
            shutil.unpack_archive(str(archive), str(target), filter="data")
        except TypeError:  # a Python without extraction filters
            shutil.unpack_archive(str(archive), str(target))
    entries = [p for p in _unpacked_archives[key].iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and entries[0].name != base_env:
        return entries[0]  # the archive holds conf/ itself, not its environments
    return _unpacked_archives[key]


def remove_unpacked_archives() -> None:
    """Delete the folders archives were unpacked into: at exit, or before ``os._exit``."""
    import shutil

    while _unpacked_archives:
        shutil.rmtree(_unpacked_archives.popitem()[1], ignore_errors=True)


class AbstractConfigLoader(UserDict):
    """Kedro's base class for config loaders, a dict of configuration by key: subclasses
    implement ``__getitem__``; ``get(key, default)`` gives ``default`` for a key they do not know."""

    def __init__(self, conf_source: str | os.PathLike, env: str | None = None,
                 runtime_params: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__()
        self.conf_source = conf_source
        self.env = env
        self.runtime_params = dict(runtime_params or {})

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default


def _pattern_to_regex(pattern: str) -> re.Pattern:
    """A glob over relative posix paths whose ``**`` spans folders (``Path.glob``'s does from 3.13)."""
    parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
    swaps = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(swaps.get(p, re.escape(p)) for p in parts) + r"\Z")


def _config_files(folder: Path) -> list[str]:
    """Every config file under ``folder`` as sorted relative posix paths, hidden ones skipped."""
    found = (path.relative_to(folder) for path in folder.rglob("*") if path.is_file())
    return sorted(path.as_posix() for path in found if path.name.lower().endswith(CONFIG_EXTENSIONS)
                  and not any(part.startswith(".") for part in path.parts))


def _leaf_keys(config: Mapping, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in config.items():
        path = f"{prefix}{key}"
        keys |= _leaf_keys(value, path + ".") if isinstance(value, Mapping) and value else {path}
    return keys


class OmegaConfigLoader(AbstractConfigLoader):
    """Kedro's config loader: ``loader["catalog"]`` is the catalog configuration, read once.

    A key not in ``config_patterns`` raises ``KeyError``; a key with no files gives ``{}``.

    Args:
        conf_source: The configuration folder (or an archive of it).
        env: The run environment read over ``base_env`` (default ``"base"``); default
            ``default_run_env`` (``"local"``, which may be absent; a named one must exist).
        runtime_params: ``--params`` values, merged into the parameters and
            available as ``${runtime_params:key}``.
        config_patterns: Patterns per key, over the defaults
            (``{"spark": ["spark*"]}`` adds ``loader["spark"]``).
        custom_resolvers: ``{name: function}`` for ``${name:args}``.
        merge_strategy: ``{key: "soft"}`` merges nested keys across environments;
            Kedro's default, ``"destructive"``, replaces each top-level key.

    Raises:
        MissingConfigException: ``conf_source`` or an explicit ``env`` folder is missing.
        BadConfigException: An unknown merge strategy.
    """

    def __init__(self, conf_source: str | os.PathLike, env: str | None = None,
                 runtime_params: dict[str, Any] | None = None, *,
                 config_patterns: dict[str, list[str]] | None = None, base_env: str | None = None,
                 default_run_env: str | None = None,
                 custom_resolvers: dict[str, Callable[..., Any]] | None = None,
                 merge_strategy: dict[str, str] | None = None, **ignored: Any) -> None:
        super().__init__(conf_source, env, runtime_params)
        self.base_env = base_env or "base"
        self.conf_source = Path(conf_source)
        if is_config_archive(self.conf_source):
            self.conf_source = _unpacked(self.conf_source, self.base_env)
        self.default_run_env = default_run_env or "local"
        self.env = env or self.default_run_env
        self.config_patterns = {**DEFAULT_CONFIG_PATTERNS, **(config_patterns or {})}
        self.custom_resolvers = dict(custom_resolvers or {})
        self.merge_strategy = dict(merge_strategy or {})
        for key, strategy in self.merge_strategy.items():
            if strategy not in MERGE_STRATEGIES:
                raise BadConfigException(f"merge_strategy for {key!r} is {strategy!r}; "
                                         f"valid strategies: {', '.join(MERGE_STRATEGIES)}")
        if not self.conf_source.is_dir():
            raise MissingConfigException(f"configuration folder {self.conf_source} does not exist "
                                         f"(set CONF_SOURCE in settings.py or pass --conf-source)")
        if env and env != self.base_env and not (self.conf_source / env).is_dir():
            available = sorted(p.name for p in self.conf_source.iterdir()
                               if p.is_dir() and not p.name.startswith("."))
            raise MissingConfigException(
                f"environment {env!r} not found: {self.conf_source / env} does not exist "
                f"(environments available: {', '.join(available) or 'none'})")
        self._cache: dict[str, dict[str, Any]] = {}
        self._own_keys: dict[tuple[str, str], set] = {}  # top-level keys the files define

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key in self.data:
            return self.data[key]
        if key not in self.config_patterns:
            raise KeyError(f"No config patterns were found for {key!r} in your config loader")
        if key not in self._cache:
            merged = self.load_environment(self.base_env, key)
            if self.env != self.base_env:
                override = self.load_environment(self.env, key)
                if self.merge_strategy.get(key, "destructive") == "soft":
                    merged = merge_dicts(merged, override)
                else:
                    if key == "parameters" and self.runtime_params:
                        self._warn_of_dropped_parameters(merged, override)
                    merged = {**merged, **override}
            self._cache[key] = merged
        return self._cache[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._cache.clear()  # values interpolated from "globals" may change
        self.data[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self.data or key in self.config_patterns

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self.config_patterns), **dict.fromkeys(self.data)})

    def __len__(self) -> int:
        return len(set(self.config_patterns) | set(self.data))

    def __repr__(self) -> str:
        return (f"OmegaConfigLoader(conf_source={str(self.conf_source)!r}, env={self.env!r}, "
                f"base_env={self.base_env!r})")

    def _warn_of_dropped_parameters(self, base: dict[str, Any], override: dict[str, Any]) -> None:
        """Say which base parameters a destructive merge drops only because of ``--params``."""
        own = self._own_keys.get((self.env, "parameters"), set())
        dropped = sorted(f"{top}.{leaf}"
                         for top in override.keys() & base.keys() & self.runtime_params.keys() - own
                         if isinstance(base[top], Mapping) and isinstance(override[top], Mapping)
                         for leaf in _leaf_keys(base[top]) - _leaf_keys(override[top]))
        if dropped:
            logger.warning(
                "Runtime parameters replace whole tables of the base parameters, because the '%s' "
                "environment has parameter files (Kedro's destructive merge): dropped %s. Give every "
                "key of the table in --params, or set CONFIG_LOADER_ARGS = {\"merge_strategy\": "
                "{\"parameters\": \"soft\"}} in settings.py to keep them.", self.env, ", ".join(dropped))

    def load_environment(self, env: str, key: str) -> dict[str, Any]:
        """Read, combine and interpolate ``key``'s files of one environment folder.

        Raises:
            BadConfigException: A file does not parse, two files define the
                same key (both files are named), or a ``${...}`` cannot be resolved.
        """
        folder = self.conf_source / env
        patterns = [_pattern_to_regex(p) for p in self.config_patterns[key]]
        files = [r for r in _config_files(folder) if any(p.match(r) for p in patterns)]
        if not files:
            return {}
        nested = key == "parameters"  # parameter files may share a table, not a key
        combined: dict[str, Any] = {}
        origin: dict[str, Path] = {}
        for path in (folder / relative for relative in files):
            data = read_config_file(path)
            keys = _leaf_keys(data) if nested else set(data)
            duplicates = sorted(k for k in keys & origin.keys() if not k.startswith("_"))
            if duplicates:
                raise BadConfigException(f"duplicate {key} keys in {origin[duplicates[0]]} and {path}: "
                                         f"{', '.join(duplicates)}; define each key once per environment")
            combined = merge_dicts(combined, data) if nested else {**combined, **data}
            origin.update(dict.fromkeys(keys, path))
        self._own_keys[(env, key)] = set(combined)
        if nested and self.runtime_params:
            combined = merge_dicts(combined, self.runtime_params)
        if "${" in repr(combined):
            resolvers = {}
            if key != "globals":  # as in Kedro, globals may not depend on the run
                resolvers["runtime_params"] = _lookup(self.runtime_params, "runtime parameter")
                resolvers["globals"] = _lookup(self["globals"], "globals")
            if key == "credentials":
                resolvers["oc.env"] = _lookup(os.environ, "environment variable")
            combined = _interpolate(combined, {**resolvers, **self.custom_resolvers}, f"{folder} ({key})")
        return combined if nested else {k: v for k, v in combined.items() if not str(k).startswith("_")}


ConfigLoader = OmegaConfigLoader

# ${...} interpolation: ${a.b} or ${a.list.0} (a key of the same environment's files),
# ${globals:key, default}, ${runtime_params:key, default}, ${oc.env:VARIABLE, default} (in
# credentials only, as in Kedro), ${my_resolver:1, 2} (CONFIG_LOADER_ARGS["custom_resolvers"]);
# \${ is a literal ${. A value that is exactly one ${...} keeps the type of what it refers to.
# Resolver arguments are typed as --params values are. Left out: OmegaConf's other resolvers.

_RESOLVER_CALL = re.compile(r"([A-Za-z_][\w.\-]*):(.*)\Z", re.DOTALL)
_MARKS = re.compile(r"\\\$\{|\$\{|\}")  # what changes the nesting: \${, ${ and }


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
        raise ValueError(f"unclosed '${{' in {text!r}")
    literal += text[position:]
    return parts + ([(False, literal)] if literal else [])


def _find(source: Any, path: str) -> Any:
    """The value at dotted ``path`` (list items by index) in ``source``; ``KeyError`` if none."""
    for part in path.split("."):
        if isinstance(source, list) and part.isdigit() and int(part) < len(source):
            source = source[int(part)]
        elif isinstance(source, Mapping) and part in source:
            source = source[part]
        else:
            raise KeyError(path)
    return source


def _interpolate(config: dict[str, Any], resolvers: Mapping[str, Callable[..., Any]],
                 where: str) -> dict[str, Any]:
    """A copy of ``config`` with every ``${...}`` replaced by its value.

    Raises:
        BadConfigException: A missing key, an unknown or failing resolver, or a
            reference cycle; the message says ``where`` and names the key.
    """
    from minikedro.framework.run_options import parse_value, split_commas  # one value parser

    resolving: list[str] = []

    def select(path: str, owner: str) -> Any:
        try:
            value = _find(config, path)
        except KeyError:
            raise BadConfigException(
                f"{where}: {owner} refers to ${{{path}}}, which is not defined") from None
        if path in resolving:
            cycle = " -> ".join([*resolving[resolving.index(path):], path])
            raise BadConfigException(f"{where}: interpolation cycle {cycle}")
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
            raise BadConfigException(
                f"{where}: {owner} uses unknown resolver {name!r} in ${{{expression}}}; "
                f"resolvers available here: {', '.join(sorted(resolvers)) or 'none'}")
        args = [interpolate(arg, owner) if "${" in arg else parse_value(arg)
                for arg in split_commas(arguments)]
        try:
            return resolvers[name](*args)
        except BadConfigException:
            raise
        except Exception as exc:
            raise BadConfigException(f"{where}: {owner}: ${{{expression}}} failed: {exc}") from exc

    def interpolate(text: str, owner: str) -> Any:
        try:
            parts = _split_template(text)
        except ValueError as exc:
            raise BadConfigException(f"{where}: {owner}: {exc}") from None
        if len(parts) == 1 and parts[0][0]:
            return evaluate(parts[0][1], owner)
        return "".join(str(evaluate(part, owner)) if is_expr else part for is_expr, part in parts)

    def resolve(value: Any, path: str) -> Any:
        if isinstance(value, Mapping):
            return {key: resolve(item, f"{path}.{key}" if path else str(key)) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return interpolate(value, path) if isinstance(value, str) and "${" in value else value

    return resolve(config, "")


def _lookup(source: Mapping[str, Any], kind: str) -> Callable[..., Any]:
    """A resolver reading dotted keys of ``source``: ``${globals:a.b, default}``, ``${oc.env:NAME}``."""
    def resolver(path: str, *default: Any) -> Any:
        try:
            return _find(source, str(path))
        except KeyError:
            if default:
                return default[0]
            raise LookupError(f"{kind} key {path!r} not found and no default value provided") from None

    return resolver
