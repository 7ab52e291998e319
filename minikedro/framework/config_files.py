"""Read one configuration file into a dict, and print data as YAML, each by a library.

Public names: ``read_config_file``, ``dump_yaml``, ``toml_library``,
``merge_dicts``, ``BadConfigException``, ``MissingConfigException``,
``CONFIG_EXTENSIONS`` (:mod:`minikedro.framework.config` re-exports them).

``.toml`` is read by ``tomllib`` (3.11+) or ``tomli``, ``.json`` by ``json``,
``.yml``/``.yaml`` by PyYAML, each imported when a file needs it; a missing
library gets an error naming the fix. Files are data: nothing in them runs.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["CONFIG_EXTENSIONS", "BadConfigException", "MissingConfigException", "dump_yaml",
           "merge_dicts", "read_config_file", "toml_library"]

CONFIG_EXTENSIONS = (".toml", ".json", ".yml", ".yaml")


class BadConfigException(ValueError):
    """A configuration file that cannot be read, or that contradicts another."""


class MissingConfigException(ValueError):
    """A configuration folder that was asked for does not exist."""


def toml_library() -> Any:
    """``tomllib`` (3.11+), else ``tomli`` if installed, else ``None``."""
    for name in ("tomllib", "tomli"):
        try:
            return __import__(name)
        except ImportError:
            pass
    return None


def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """The top-level table of one TOML, JSON or YAML file (by its suffix); ``{}`` if empty.

    Raises:
        BadConfigException: An unknown suffix, a parse error (with line and column), a
            top level that is no table, or a missing library (the message names the fix).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8") if suffix in CONFIG_EXTENSIONS else ""
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadConfigException(f"cannot parse {path}: {exc.msg} "
                                     f"(at line {exc.lineno}, column {exc.colno})") from exc
    elif suffix == ".toml":
        toml = toml_library()
        if toml is None:
            raise BadConfigException(
                f"cannot read {path}: TOML needs Python 3.11+ or the 'tomli' package. Install "
                f"it (pip install tomli) or convert the file to JSON ({path.with_suffix('.json').name})")
        try:
            data = toml.loads(text)
        except toml.TOMLDecodeError as exc:  # "... (at line 2, column 5)" or "(at end of document)"
            lines = text.splitlines() or [""]
            end = f"end of document: line {len(lines)}, column {len(lines[-1]) + 1}"
            raise BadConfigException(f"cannot parse {path}: "
                                     f"{str(exc).replace('end of document', end)}") from exc
    elif suffix in (".yml", ".yaml"):
        try:
            import yaml
        except ImportError:
            raise BadConfigException(f"cannot read {path}: YAML files need PyYAML: install PyYAML "
                                     f"(pip install PyYAML) or convert {path} to TOML/JSON") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise BadConfigException(f"cannot parse {path}: {problem}{where}") from exc
    else:
        raise BadConfigException(f"cannot read {path}: unknown format {suffix!r}; "
                                 f"use one of {', '.join(CONFIG_EXTENSIONS)}")
    if not isinstance(data, (dict, type(None))):
        raise BadConfigException(f"{path}: expected a table of keys at the top level, "
                                 f"got {type(data).__name__}")
    return data or {}


def dump_yaml(value: Any) -> str:
    """``value`` as YAML, as Kedro's ``registry`` and ``catalog`` print it: ``yaml.safe_dump``'s,
    else JSON (which YAML reads too)."""
    try:
        import yaml
    except ImportError:
        return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
    return yaml.safe_dump(value)


def merge_dicts(base: Mapping, override: Mapping) -> dict[str, Any]:
    """A copy of ``base`` with ``override`` merged in, recursing where both hold mappings."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged
