"""Read a project's ``conf/`` folder: Kedro's ``OmegaConfigLoader``, without OmegaConf.

Public names: ``OmegaConfigLoader`` (also importable as ``ConfigLoader``),
``read_config_file``, ``find_logging_config``, ``merge_dicts``, ``BadConfigException``,
``MissingConfigException``, ``CONFIG_EXTENSIONS``.

How configuration is found and merged, as in Kedro:

- ``conf/base`` is read first, then the run environment ``conf/<env>`` (default
  ``local``). ``loader["catalog"]``, ``loader["parameters"]``,
  ``loader["credentials"]`` and ``loader["logging"]`` each collect the files
  whose path (relative to the environment folder) matches Kedro's patterns,
  for example ``catalog*``, ``catalog*/**`` and ``**/catalog*``.
- Formats: ``.toml`` (``tomllib``; ``tomli`` on Python 3.9/3.10), ``.json``,
  and ``.yml``/``.yaml`` when PyYAML is installed (imported only when such a
  file is read). Files are data: nothing is ever executed.
- Two files of one environment defining the same top-level key is an error
  naming both files. Between environments the later one wins per top-level key
  (Kedro's default "destructive" merge); ``merge_strategy={"parameters": "soft"}``
  merges nested keys instead, as Kedro's does.
- Top-level keys starting with ``_`` are dropped from the catalog and the
  credentials (they hold YAML anchors to reuse, not datasets).

What is left out: OmegaConf interpolation (``${...}``) and resolvers, remote
``conf_source`` URLs and zipped configuration.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

__all__ = [
    "CONFIG_EXTENSIONS",
    "BadConfigException",
    "ConfigLoader",
    "MissingConfigException",
    "OmegaConfigLoader",
    "find_logging_config",
    "merge_dicts",
    "read_config_file",
]

CONFIG_EXTENSIONS = (".toml", ".json", ".yml", ".yaml")

DEFAULT_CONFIG_PATTERNS = {
    key: [f"{key}*", f"{key}*/**", f"**/{key}*"]
    for key in ("catalog", "parameters", "credentials", "logging")
}

MERGE_STRATEGIES = ("destructive", "soft")


class BadConfigException(ValueError):
    """A configuration file that cannot be read, or that contradicts another."""


class MissingConfigException(ValueError):
    """A configuration folder that was asked for does not exist."""


def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read one TOML, JSON or YAML file into a dictionary.

    Args:
        path: The file; its suffix chooses the format.

    Returns:
        The file's top-level table (an empty YAML file gives ``{}``).

    Raises:
        BadConfigException: The suffix is unknown, the file does not parse (the
            message gives the line and column), its top level is not a mapping,
            or the library its format needs is missing (the message names the fix).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        data = _read_toml(path)
    elif suffix == ".json":
        data = _read_json(path)
    elif suffix in (".yml", ".yaml"):
        data = _read_yaml(path)
    else:
        raise BadConfigException(
            f"cannot read {path}: unknown format {suffix!r}; "
            f"use one of {', '.join(CONFIG_EXTENSIONS)}"
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadConfigException(
            f"{path}: expected a table of keys at the top level, got {type(data).__name__}"
        )
    return data


def toml_library() -> Any:
    """``tomllib`` (3.11+), else ``tomli`` if installed, else ``None``."""
    try:
        import tomllib
    except ImportError:
        try:
            import tomli as tomllib
        except ImportError:
            return None
    return tomllib


def _read_toml(path: Path) -> Any:
    toml = toml_library()
    if toml is None:
        raise BadConfigException(
            f"cannot read {path}: TOML needs Python 3.11+ or the 'tomli' package. "
            f"Install it (pip install tomli) or convert the file to JSON "
            f"({path.with_suffix('.json').name})"
        )
    try:
        with open(path, "rb") as file:
            return toml.load(file)
    except toml.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line L, column C)".
        raise BadConfigException(f"cannot parse {path}: {exc}") from exc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BadConfigException(
            f"cannot parse {path}: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
        ) from exc


def _read_yaml(path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise BadConfigException(
            f"cannot read {path}: YAML files need PyYAML: "
            f"install PyYAML (pip install PyYAML) or convert {path} to TOML/JSON"
        ) from None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadConfigException(f"cannot parse {path}: {problem}{where}") from exc


def merge_dicts(base: Mapping, override: Mapping) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``, recursing into nested mappings.

    A value in ``override`` replaces the one in ``base`` unless both are
    mappings, in which case they are merged the same way. Neither input changes.
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


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
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _config_files(folder: Path) -> list[str]:
    """Every config file under ``folder``, as sorted relative posix paths.

    Hidden files and folders (names starting with ``.``) are skipped, as in Kedro.
    """
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative_root = Path(root).relative_to(folder)
        for name in files:
            if not name.startswith(".") and name.lower().endswith(CONFIG_EXTENSIONS):
                found.append((relative_root / name).as_posix())
    return sorted(found)


class OmegaConfigLoader(Mapping):
    """Kedro's config loader: ``loader["catalog"]`` gives the merged catalog config.

    Each key is read on first access and cached. Keys other than those in
    ``config_patterns`` raise ``KeyError``; a key with no files gives ``{}``.

    Args:
        conf_source: The configuration folder (``conf`` in a project).
        env: The run environment read over ``base_env``; ``None`` means
            ``default_run_env``. An environment named explicitly must exist.
        runtime_params: Parameters from ``--params``; kept for the context,
            which merges them into the parameters (Kedro keeps them here too).
        config_patterns: Extra or replacement patterns per key, merged over the
            defaults (``{"spark": ["spark*"]}`` adds ``loader["spark"]``).
        base_env: The environment read first (default ``"base"``).
        default_run_env: The environment used when ``env`` is ``None``
            (default ``"local"``); it may be absent.
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
        merge_strategy: dict[str, str] | None = None,
        **ignored: Any,
    ) -> None:
        self.conf_source = Path(conf_source)
        self.base_env = base_env or "base"
        self.default_run_env = default_run_env or "local"
        self.env = env or self.default_run_env
        self.runtime_params = dict(runtime_params or {})
        self.config_patterns = {**DEFAULT_CONFIG_PATTERNS, **(config_patterns or {})}
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

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key not in self.config_patterns:
            raise KeyError(key)
        if key not in self._cache:
            self._cache[key] = self._load(key)
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.config_patterns)

    def __len__(self) -> int:
        return len(self.config_patterns)

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
                merged = {**merged, **override}
        return merged

    def load_environment(self, env: str, key: str) -> dict[str, Any]:
        """Read and combine ``key``'s files of one environment folder.

        Raises:
            BadConfigException: A file does not parse, or two files define the
                same top-level key (both files are named).
        """
        folder = self.conf_source / env
        if not folder.is_dir():
            return {}
        patterns = [_pattern_to_regex(p) for p in self.config_patterns[key]]
        combined: dict[str, Any] = {}
        origin: dict[str, Path] = {}
        for relative in _config_files(folder):
            if not any(p.match(relative) for p in patterns):
                continue
            path = folder / relative
            data = read_config_file(path)
            if key in ("catalog", "credentials"):
                data = {k: v for k, v in data.items() if not str(k).startswith("_")}
            duplicates = sorted(data.keys() & combined.keys())
            if duplicates:
                raise BadConfigException(
                    f"duplicate {key} keys in {origin[duplicates[0]]} and {path}: "
                    f"{', '.join(duplicates)}; define each key once per environment"
                )
            combined.update(data)
            origin.update(dict.fromkeys(data, path))
        return combined


ConfigLoader = OmegaConfigLoader


def find_logging_config(conf_source: str | os.PathLike, loader: Mapping) -> tuple[dict, str]:
    """The project's logging configuration (a ``logging.config.dictConfig`` dict).

    Looked for in this order, the first found wins: the file named by
    ``$MINIKEDRO_LOGGING_CONFIG`` (or Kedro's ``$KEDRO_LOGGING_CONFIG``),
    ``<conf_source>/logging.{toml,json,yml,yaml}`` (where Kedro's template
    keeps it), then the ``logging*`` files of the base and run environments.

    Args:
        conf_source: The configuration folder.
        loader: The project's config loader, for the environments' files.

    Returns:
        ``(config, where it came from)``; ``({}, "")`` when there is none.

    Raises:
        MissingConfigException: The environment variable names a missing file.
    """
    for variable in ("MINIKEDRO_LOGGING_CONFIG", "KEDRO_LOGGING_CONFIG"):
        named = os.environ.get(variable)
        if named:
            if not Path(named).is_file():
                raise MissingConfigException(f"${variable} names {named}, which does not exist")
            return read_config_file(named), named
    for suffix in CONFIG_EXTENSIONS:
        path = Path(conf_source) / f"logging{suffix}"
        if path.is_file():
            return read_config_file(path), str(path)
    config = loader["logging"]
    return config, f"the logging files of {conf_source}" if config else ""
