"""Read a project's ``conf/`` folder: Kedro's ``OmegaConfigLoader``, without OmegaConf.

Public names: ``AbstractConfigLoader``, ``OmegaConfigLoader`` (also
``ConfigLoader``), and, re-exported from :mod:`minikedro.framework.config_files`,
``read_config_file``, ``merge_dicts``, ``BadConfigException``,
``MissingConfigException``, ``CONFIG_EXTENSIONS``. ``minikedro.config`` offers
the loader names where Kedro users import them from (``kedro.config``).

How configuration is found and merged, as in Kedro:

- ``conf/base`` is read first, then the run environment ``conf/<env>`` (default
  ``local``). ``loader["catalog"]``, ``loader["parameters"]``,
  ``loader["credentials"]``, ``loader["globals"]`` and ``loader["logging"]``
  each collect the files whose path (relative to the environment folder)
  matches Kedro's patterns, for example ``catalog*``, ``catalog*/**`` and
  ``**/catalog*``. ``loader["name"] = {...}`` sets a key by hand.
- Formats: ``.toml``, ``.json``, and ``.yml``/``.yaml`` when PyYAML is installed.
- Within one environment, two files defining the same top-level key is an
  error naming both files (for parameters: the same nested key; their other
  keys are merged). Between environments the run environment wins per
  top-level key (Kedro's "destructive" merge); ``merge_strategy={"parameters":
  "soft"}`` merges nested keys instead.
- Runtime parameters (``--params``) are merged into the parameters of each
  environment that has parameter files, so, as Kedro documents, with
  parameter files in the run environment ``--params model.depth=5`` replaces
  the whole ``model`` table unless the merge strategy is ``soft``. That
  surprises people, so the loader logs a warning naming the keys it dropped.
- ``${...}`` interpolation: ``${a.b}``, ``${globals:...}``,
  ``${runtime_params:...}``, ``${oc.env:VAR}`` in credentials, and
  ``custom_resolvers`` (see :mod:`minikedro.framework.config_resolvers`).
  Keys starting with ``_`` can hold values to interpolate; they are dropped
  from everything but the parameters.

- ``conf_source`` may also be a ``.zip`` or ``.tar.gz`` archive of the
  configuration folder (as ``kedro package`` makes); it is unpacked once per
  process into a temporary folder, removed at exit (``remove_unpacked_archives``).

Left out: OmegaConf's other resolvers and remote (``s3://``...) ``conf_source``.
"""
from __future__ import annotations

import logging
import os
import re
from collections import UserDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Iterator

from minikedro.framework.config_files import (
    CONFIG_EXTENSIONS,
    BadConfigException,
    MissingConfigException,
    merge_dicts,
    read_config_file,
)

__all__ = [
    "CONFIG_EXTENSIONS",
    "AbstractConfigLoader",
    "BadConfigException",
    "ConfigLoader",
    "MissingConfigException",
    "OmegaConfigLoader",
    "merge_dicts",
    "read_config_file",
]

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_PATTERNS = {
    **{
        key: [f"{key}*", f"{key}*/**", f"**/{key}*"]
        for key in ("catalog", "parameters", "credentials", "logging")
    },
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
    target = _unpacked_archives[key]
    entries = [p for p in target.iterdir() if not p.name.startswith(".")]
    single = len(entries) == 1 and entries[0].is_dir() and entries[0].name != base_env
    return entries[0] if single else target


def remove_unpacked_archives() -> None:
    """Delete the folders archives were unpacked into: at exit, or before ``os._exit``."""
    import shutil

    while _unpacked_archives:
        shutil.rmtree(_unpacked_archives.popitem()[1], ignore_errors=True)


class AbstractConfigLoader(UserDict):
    """Kedro's base class for config loaders: a dict of configuration by key.

    Subclasses implement ``__getitem__``. ``get(key, default)`` returns
    ``default`` for a key the loader does not know.
    """

    def __init__(
        self,
        conf_source: str | os.PathLike,
        env: str | None = None,
        runtime_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
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
    """Compile a glob over ``/``-separated relative paths (``**`` spans folders).

    Written out rather than using ``Path.glob`` because ``**`` matches files in
    Python 3.13 but only folders before it; this behaves the same everywhere.
    """
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] in "*?":
            out.append("[^/]*" if pattern[i] == "*" else "[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _config_files(folder: Path) -> list[str]:
    """Every config file under ``folder``, as sorted relative posix paths (hidden ones skipped)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative_root = Path(root).relative_to(folder)
        for name in files:
            if not name.startswith(".") and name.lower().endswith(CONFIG_EXTENSIONS):
                found.append((relative_root / name).as_posix())
    return sorted(found)


def _leaf_keys(config: Mapping, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in config.items():
        path = f"{prefix}{key}"
        keys |= _leaf_keys(value, path + ".") if isinstance(value, Mapping) and value else {path}
    return keys


class OmegaConfigLoader(AbstractConfigLoader):
    """Kedro's config loader: ``loader["catalog"]`` gives the merged catalog config.

    Each key is read on first access and cached. A key not in
    ``config_patterns`` raises ``KeyError``; a key with no files gives ``{}``.

    Args:
        conf_source: The configuration folder (``conf`` in a project).
        env: The run environment read over ``base_env``; ``None`` means
            ``default_run_env``. An environment named explicitly must exist.
        runtime_params: Parameters from ``--params``, merged into the
            parameters and available as ``${runtime_params:key}``.
        config_patterns: Extra or replacement patterns per key, merged over the
            defaults (``{"spark": ["spark*"]}`` adds ``loader["spark"]``).
        base_env: The environment read first (default ``"base"``).
        default_run_env: The environment used when ``env`` is ``None``
            (default ``"local"``); it may be absent.
        custom_resolvers: ``{name: function}`` for ``${name:args}``.
        merge_strategy: ``{key: "destructive" | "soft"}``; default destructive.

    Raises:
        MissingConfigException: ``conf_source`` or an explicit ``env`` folder is missing.
        BadConfigException: An unknown merge strategy.
    """

    def __init__(
        self,
        conf_source: str | os.PathLike,
        env: str | None = None,
        runtime_params: dict[str, Any] | None = None,
        *,
        config_patterns: dict[str, list[str]] | None = None,
        base_env: str | None = None,
        default_run_env: str | None = None,
        custom_resolvers: dict[str, Callable[..., Any]] | None = None,
        merge_strategy: dict[str, str] | None = None,
        **ignored: Any,
    ) -> None:
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
                raise BadConfigException(
                    f"merge_strategy for {key!r} is {strategy!r}; valid strategies: "
                    f"{', '.join(MERGE_STRATEGIES)}"
                )
        if not self.conf_source.is_dir():
            raise MissingConfigException(
                f"configuration folder {self.conf_source} does not exist "
                f"(set CONF_SOURCE in settings.py or pass --conf-source)"
            )
        if env and env != self.base_env and not (self.conf_source / env).is_dir():
            available = sorted(
                p.name for p in self.conf_source.iterdir()
                if p.is_dir() and not p.name.startswith(".")
            )
            raise MissingConfigException(
                f"environment {env!r} not found: {self.conf_source / env} does not exist "
                f"(environments available: {', '.join(available) or 'none'})"
            )
        self._cache: dict[str, dict[str, Any]] = {}
        self._own_keys: dict[tuple[str, str], set] = {}  # top-level keys the files define

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key in self.data:
            return self.data[key]
        if key not in self.config_patterns:
            raise KeyError(f"No config patterns were found for {key!r} in your config loader")
        if key not in self._cache:
            self._cache[key] = self._load(key)
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
        return (
            f"OmegaConfigLoader(conf_source={str(self.conf_source)!r}, env={self.env!r}, "
            f"base_env={self.base_env!r})"
        )

    def _load(self, key: str) -> dict[str, Any]:
        merged = self.load_environment(self.base_env, key)
        if self.env != self.base_env:
            override = self.load_environment(self.env, key)
            if self.merge_strategy.get(key, "destructive") == "soft":
                merged = merge_dicts(merged, override)
            else:
                if key == "parameters" and self.runtime_params:
                    self._warn_of_dropped_parameters(merged, override)
                merged = {**merged, **override}
        return merged

    def _warn_of_dropped_parameters(self, base: dict[str, Any], override: dict[str, Any]) -> None:
        """Say which base parameters a destructive merge drops only because of ``--params``."""
        own = self._own_keys.get((self.env, "parameters"), set())
        dropped = sorted(
            f"{top}.{leaf}"
            for top in override.keys() & base.keys() & self.runtime_params.keys() - own
            if isinstance(base[top], Mapping) and isinstance(override[top], Mapping)
            for leaf in _leaf_keys(base[top]) - _leaf_keys(override[top])
        )
        if dropped:
            logger.warning(
                "Runtime parameters replace whole tables of the base parameters, because "
                "the '%s' environment has parameter files (Kedro's destructive merge): "
                "dropped %s. Give every key of the table in --params, or set "
                "CONFIG_LOADER_ARGS = {\"merge_strategy\": {\"parameters\": \"soft\"}} in "
                "settings.py to keep them.", self.env, ", ".join(dropped)
            )

    def _resolvers(self, key: str) -> dict[str, Callable[..., Any]]:
        from minikedro.framework.config_resolvers import environment_variable, lookup

        resolvers = {}
        if key != "globals":  # as in Kedro, globals may not depend on the run
            resolvers["runtime_params"] = lookup(self.runtime_params, "runtime parameter")
            resolvers["globals"] = lookup(self["globals"], "globals")
        if key == "credentials":
            resolvers["oc.env"] = environment_variable
        return {**resolvers, **self.custom_resolvers}

    def load_environment(self, env: str, key: str) -> dict[str, Any]:
        """Read, combine and interpolate ``key``'s files of one environment folder.

        Raises:
            BadConfigException: A file does not parse, two files define the
                same key (both files are named), or a ``${...}`` cannot be resolved.
        """
        folder = self.conf_source / env
        if not folder.is_dir():
            return {}
        patterns = [_pattern_to_regex(p) for p in self.config_patterns[key]]
        nested = key == "parameters"  # parameter files may share a table, not a key
        combined: dict[str, Any] = {}
        origin: dict[str, Path] = {}
        files = [r for r in _config_files(folder) if any(p.match(r) for p in patterns)]
        for relative in files:
            path = folder / relative
            data = read_config_file(path)
            keys = _leaf_keys(data) if nested else set(data)
            duplicates = sorted(k for k in keys & origin.keys() if not k.startswith("_"))
            if duplicates:
                raise BadConfigException(
                    f"duplicate {key} keys in {origin[duplicates[0]]} and {path}: "
                    f"{', '.join(duplicates)}; define each key once per environment"
                )
            combined = merge_dicts(combined, data) if nested else {**combined, **data}
            origin.update(dict.fromkeys(keys, path))
        if not files:
            return {}
        self._own_keys[(env, key)] = set(combined)
        if nested and self.runtime_params:
            combined = merge_dicts(combined, self.runtime_params)
        if _has_interpolation(combined):
            from minikedro.framework.config_resolvers import (
                InterpolationError,
                resolve_interpolations,
            )

            try:
                combined = resolve_interpolations(combined, self._resolvers(key), f"{folder} ({key})")
            except InterpolationError as exc:
                raise BadConfigException(str(exc)) from exc
        if not nested:
            combined = {k: v for k, v in combined.items() if not str(k).startswith("_")}
        return combined


def _has_interpolation(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(_has_interpolation(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_interpolation(v) for v in value)
    return False


ConfigLoader = OmegaConfigLoader
