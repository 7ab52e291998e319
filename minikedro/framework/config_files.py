"""Read one configuration file (TOML, JSON or YAML) into a dict, with errors that say where.

Public names: ``read_config_file``, ``toml_library``, ``merge_dicts``,
``BadConfigException``, ``MissingConfigException``, ``CONFIG_EXTENSIONS``
(all re-exported by :mod:`minikedro.framework.config`, which uses them to read
a project's ``conf/`` folder).

- ``.toml``: ``tomllib`` (Python 3.11+), else ``tomli`` when installed; without
  either the error names both fixes (install ``tomli`` or use JSON).
- ``.json``: ``json``.
- ``.yml``/``.yaml``: PyYAML, imported only when such a file is read.

Parse errors give the file, line and column. Files are data: nothing in them
is ever executed.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_EXTENSIONS",
    "BadConfigException",
    "MissingConfigException",
    "merge_dicts",
    "read_config_file",
    "toml_library",
]

CONFIG_EXTENSIONS = (".toml", ".json", ".yml", ".yaml")


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
        # tomllib's message ends with "(at line L, column C)" or "(at end of document)".
        message = str(exc)
        if message.endswith("(at end of document)"):
            lines = path.read_text(encoding="utf-8").splitlines() or [""]
            message = message.replace(
                "end of document", f"end of document: line {len(lines)}, column {len(lines[-1]) + 1}"
            )
        raise BadConfigException(f"cannot parse {path}: {message}") from exc


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

