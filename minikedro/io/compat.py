"""Kedro-compatibility names of ``minikedro.io``, kept out of the reading path.

Each is here because a current Kedro documentation page uses it; a plain run needs none,
so this module is imported on first use only:

- ``get_protocol_and_path``, ``get_filepath_str``: the custom-dataset guide imports them
  from ``kedro.io.core`` (so ``minikedro.io.core`` offers them too);
- ``CatalogConfigResolver``: ``catalog.config_resolver``, Kedro's read-only pattern API;
- ``catalog_to_config`` and ``dataset_config``: ``catalog.to_config()``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from minikedro.io.catalog_config import _fill
from minikedro.io.core import AbstractDataset, DatasetError, Version

if TYPE_CHECKING:
    from minikedro.io.data_catalog import DataCatalog

__all__ = [
    "CatalogConfigResolver", "catalog_to_config", "dataset_config", "get_filepath_str",
    "get_protocol_and_path",
]


def get_protocol_and_path(filepath: str | os.PathLike, version: Version | None = None) -> tuple[str, str]:
    """Split ``"s3://bucket/x.csv"`` into ``("s3", "bucket/x.csv")``; a local path gives ``"file"``.

    Raises:
        DatasetError: An http(s) path with a version (HTTP cannot be versioned).
    """
    path = os.fspath(filepath)
    protocol, separator, rest = path.partition("://")
    if not separator:
        return "file", path
    if protocol in ("http", "https") and version is not None:
        raise DatasetError("Versioning is not supported for HTTP protocols. "
                           "Please remove the `versioned` flag from the dataset configuration.")
    return protocol, rest


def get_filepath_str(raw_path: PurePath | str, protocol: str) -> str:
    """Return the path as a POSIX string, with ``protocol://`` put back for http(s)."""
    path = PurePath(raw_path).as_posix()
    return f"{protocol}://{path}" if protocol in ("http", "https") else path


class CatalogConfigResolver:
    """Kedro's read-only view of a catalog's patterns (``catalog.config_resolver``)."""

    def __init__(self, catalog: DataCatalog):
        from minikedro.io.catalog_config import CatalogConfig

        self._config = catalog._config or CatalogConfig()
        self._runtime = CatalogConfig(catalog.default_runtime_patterns)

    @property
    def config(self) -> dict[str, dict[str, Any]]:
        """The plain (non-pattern) entries, as written."""
        return dict(self._config.raw)

    @staticmethod
    def is_pattern(pattern: str) -> bool:
        """Whether ``pattern`` holds a ``{placeholder}``."""
        return "{" in pattern

    def list_patterns(self) -> list[str]:
        """Every pattern in resolution order: dataset patterns, the user catch-all, runtime ones."""
        return [p.pattern for p in self._config.patterns + self._runtime.patterns]

    def match_dataset_pattern(self, name: str) -> str | None:
        """The most specific dataset pattern (not the catch-all) matching ``name``, or None."""
        found = self._config.match(name)
        return found.pattern if found is not None and found.specificity else None

    def match_user_catch_all_pattern(self, name: str) -> str | None:
        """The user catch-all pattern, if there is one (it matches every name)."""
        found = next((p for p in self._config.patterns if not p.specificity), None)
        return found.pattern if found is not None and found.match(name) is not None else None

    def match_runtime_pattern(self, name: str) -> str | None:
        """The default runtime pattern that would create ``name`` during a run."""
        found = self._runtime.match(name)
        return found.pattern if found is not None else None

    def resolve_pattern(self, name: str) -> dict[str, Any]:
        """The configuration ``name`` gets, as written (credentials by name).

        Its entry, else its most specific pattern's (placeholders filled in),
        else the runtime default's.
        """
        if name in self._config.raw:
            return dict(self._config.raw[name])
        pattern = self._config.match(name) or self._runtime.match(name)
        return {} if pattern is None else _fill(pattern.config, pattern.match(name) or {})


def catalog_to_config(
    catalog: DataCatalog,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, str | None], str | None]:
    """What ``DataCatalog.from_config`` needs to rebuild ``catalog``, memory datasets left out.

    Datasets made from configuration give their entry as written; those made in code, their
    constructor's arguments (a ``credentials`` dict moves to ``"<name>_credentials"``).

    Returns:
        ``(catalog_config, credentials, load_versions, save_version)``.

    Raises:
        DatasetError: A dataset made in code got an argument that is not plain data.
    """
    config, credentials, load_versions = {}, {}, {}
    for name, dataset in catalog._datasets.items():
        if dataset._EPHEMERAL:
            continue
        if catalog._from_config.get(name) is dataset:
            entry = dict(catalog._config.raw[name]) if name in catalog._config.raw else (
                CatalogConfigResolver(catalog).resolve_pattern(name))
            for key in _credential_names(entry):
                credentials[key] = catalog._config.credentials[key]
        else:
            entry = dataset_config(dataset)
            if isinstance(entry.get("credentials"), Mapping):
                credentials[f"{name}_credentials"] = entry["credentials"]
                entry["credentials"] = f"{name}_credentials"
        config[name] = entry
        load_versions[name] = catalog._load_versions.get(name)
    return config, credentials, load_versions, catalog._save_version


def dataset_config(dataset: AbstractDataset) -> dict[str, Any]:
    """The catalog entry that rebuilds ``dataset``: its type path and constructor arguments.

    A ``version`` becomes ``versioned: True`` and ``metadata`` is left out, as in Kedro.

    Raises:
        DatasetError: The constructor got what configuration cannot hold (a client ...).
    """
    if dataset._init_args is False:
        raise DatasetError(
            f"Dataset {dataset._label()} cannot be written as configuration: its constructor "
            "got arguments that are not plain data (str, numbers, paths, lists and dicts of those).")
    kind = type(dataset)
    config: dict[str, Any] = {"type": f"{kind.__module__}.{kind.__qualname__}"}
    args, kwargs = dataset._init_args or ((), {})
    try:
        # __init__'s own signature: Python < 3.11 reports AbstractDataset.__new__'s (*args, **kwargs).
        bound = inspect.signature(kind.__init__).bind(dataset, *args, **kwargs)
    except (TypeError, ValueError):
        config.update(kwargs)
    else:
        for name, value in list(bound.arguments.items())[1:]:
            kind_of = bound.signature.parameters[name].kind
            if kind_of is inspect.Parameter.VAR_KEYWORD:
                config.update(value)
            elif kind_of is not inspect.Parameter.VAR_POSITIONAL:
                config[name] = value
    if config.pop("version", None) is not None:
        config["versioned"] = True
    config.pop("metadata", None)
    return config


def _credential_names(value: Any) -> set[str]:
    """The credentials names an entry refers to (``credentials: <name>``, at any depth)."""
    if not isinstance(value, Mapping):
        return set()
    return set().union(*({item} if key == "credentials" and isinstance(item, str) else _credential_names(item)
                         for key, item in value.items()))
