"""The read-only questions a ``DataCatalog`` answers about its datasets and configuration.

``filter``/``list`` select registered names by name, type path or class;
``get_type`` tells the class a name would get without creating it;
``config_resolver`` and ``list_patterns`` expose the dataset factory
patterns; ``to_config`` writes the catalog back out as configuration that
``DataCatalog.from_config`` rebuilds. None of them changes the catalog.

Public names: ``CatalogQueries``, the half of ``DataCatalog`` that holds
these methods (Kedro: the same methods of ``kedro.io.DataCatalog``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minikedro.io.catalog_config import dataset_config
from minikedro.io.catalog_config_resolver import CatalogConfig, CatalogConfigResolver
from minikedro.io.core import AbstractDataset

__all__ = ["CatalogQueries"]


class CatalogQueries:
    """Query methods shared by ``DataCatalog``, built on the state it keeps.

    ``DataCatalog`` provides ``_datasets`` (name -> dataset), ``_config``
    and ``_runtime_config`` (its patterns), ``_written`` (name -> the entry
    as written, for datasets made from configuration), ``_load_versions``
    and ``_save_version``.
    """

    _datasets: dict[str, AbstractDataset]
    _config: CatalogConfig
    _runtime_config: CatalogConfig
    _written: dict[str, dict[str, Any]]
    _load_versions: dict[str, str]
    _save_version: str | None

    def filter(
        self,
        name_regex: str | re.Pattern | None = None,
        type_regex: str | re.Pattern | None = None,
        by_type: type | list[type] | tuple[type, ...] | None = None,
    ) -> list[str]:
        """Return the registered names that pass every filter given.

        Args:
            name_regex: Searched for in the name (``re.search``).
            type_regex: Searched for in the dataset's full class path, e.g.
                ``minikedro.datasets.csv_dataset.CSVDataset``.
            by_type: A class or list of classes the dataset must be an
                instance of.

        Raises:
            ValueError: A regex does not compile.
        """
        name_search, type_search = _compile(name_regex), _compile(type_regex)
        types = tuple(by_type) if isinstance(by_type, (list, tuple)) else by_type
        chosen = []
        for name, dataset in self._datasets.items():
            kind = type(dataset)
            if (
                (name_search is None or name_search.search(name))
                and (type_search is None or type_search.search(f"{kind.__module__}.{kind.__qualname__}"))
                and (types is None or isinstance(dataset, types))
            ):
                chosen.append(name)
        return chosen

    def list(self, regex: str | re.Pattern | None = None) -> list[str]:
        """Return the registered names, or those where ``regex`` is found (older API)."""
        return self.filter(name_regex=regex)

    def get_type(self, name: str) -> str | None:
        """The full class path of the dataset ``name`` would be, without creating it.

        Returns:
            E.g. ``"minikedro.io.memory_dataset.MemoryDataset"``; None if the
            name is neither registered nor matched by a pattern.
        """
        dataset = self._datasets.get(name)
        if dataset is not None:
            kind = type(dataset)
        else:
            pattern = self._config.match(name)
            if pattern is None:
                return None
            kind = pattern.entry.dataset_type
        return f"{kind.__module__}.{kind.__qualname__}"

    @property
    def config_resolver(self) -> CatalogConfigResolver:
        """Kedro's pattern API: ``match_dataset_pattern``, ``resolve_pattern``, ``list_patterns`` ..."""
        return CatalogConfigResolver(self._config, self._runtime_config)

    def list_patterns(self) -> list[str]:
        """Every dataset factory pattern in resolution order, the runtime default last."""
        return self.config_resolver.list_patterns()

    def to_config(
        self,
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, str | None], str | None]:
        """Return what ``from_config`` needs to rebuild this catalog (memory datasets left out).

        Datasets built in code are described by the arguments their
        constructor got; a ``credentials`` dict among them is moved to the
        credentials under ``"<name>_credentials"``.

        Returns:
            ``(catalog_config, credentials, load_versions, save_version)``.

        Raises:
            DatasetError: A dataset built in code got a constructor argument
                that is not plain data (a client, a function ...).
        """
        catalog: dict[str, dict[str, Any]] = {}
        credentials: dict[str, Any] = {}
        load_versions: dict[str, str | None] = {}
        for name, dataset in self._datasets.items():
            if dataset._EPHEMERAL:
                continue
            entry = self._written.get(name)
            if entry is not None:
                entry = dict(entry)
                for key in _credential_names(entry):
                    credentials[key] = self._config.credentials[key]
            else:
                entry = dataset_config(dataset)
                if isinstance(entry.get("credentials"), Mapping):
                    credentials[f"{name}_credentials"] = entry["credentials"]
                    entry["credentials"] = f"{name}_credentials"
            catalog[name] = entry
            load_versions[name] = self._load_versions.get(name)
        return catalog, credentials, load_versions, self._save_version


def _compile(regex: str | re.Pattern | None) -> re.Pattern | None:
    if regex is None or isinstance(regex, re.Pattern):
        return regex
    try:
        return re.compile(regex)
    except re.error as exc:
        raise ValueError(f"Invalid regular expression {regex!r}: {exc}") from exc


def _credential_names(value: Any) -> set[str]:
    """The credentials names an entry refers to (``credentials: <name>``, at any depth)."""
    if not isinstance(value, Mapping):
        return set()
    found: set[str] = set()
    for key, item in value.items():
        if key == "credentials" and isinstance(item, str):
            found.add(item)
        else:
            found |= _credential_names(item)
    return found
