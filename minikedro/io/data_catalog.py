"""``DataCatalog``: the registry of datasets a pipeline loads from and saves to.

Nodes name their inputs and outputs; the catalog maps each name to a dataset. It
behaves like a dict of datasets (``catalog["cars"]``, ``"cars" in catalog``,
``catalog["cars"] = data``, ``keys()``) and forwards ``load``, ``save``,
``exists``, ``release`` and ``confirm`` to them. Where it calls a dataset's
``load`` or ``save``, a failure becomes a ``DatasetError`` naming the dataset.

A name is looked up among the registered datasets, then in the factory patterns
of ``from_config`` (created on first use), then, for ``get(name,
fallback_to_runtime_pattern=True)`` only, in the runtime default: a
``MemoryDataset``, where a runner keeps what nobody configured. Unlike Kedro,
entries are created with the catalog: a broken one fails before any node runs.

Public names: ``DataCatalog`` (and ``SharedMemoryDataCatalog``, as in Kedro).
Kedro counterpart: ``kedro.io.DataCatalog`` (``kedro/io/data_catalog.py``).
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from minikedro.io.core import (
    AbstractDataset, AbstractVersionedDataset, DatasetAlreadyExistsError, DatasetError,
    DatasetNotFoundError, Version, _failure, generate_timestamp,
)
from minikedro.io.memory_dataset import MemoryDataset

if TYPE_CHECKING:
    from minikedro.io.catalog_config import CatalogConfig
    from minikedro.io.compat import CatalogConfigResolver

__all__ = ["DataCatalog"]

logger = logging.getLogger(__name__)


class DataCatalog:
    """A dict-like registry of named datasets; threads may share one (datasets are made under a lock).

    Args:
        datasets: Name to dataset; ``raw_data``: name to data, kept in a ``MemoryDataset``.
        load_versions: Name to the version to load, for versioned datasets.
        save_version: The version versioned datasets save under (None: a fresh timestamp each time).
        config: A checked ``CatalogConfig``, which ``from_config`` passes.

    Raises:
        TypeError: A value in ``datasets`` is not a dataset.
        DatasetError: A name in both ``datasets`` and ``raw_data`` (``DatasetAlreadyExistsError``),
            or ``load_versions`` naming an unknown or unversioned dataset.

    Example:
        >>> DataCatalog(raw_data={"xs": [1, 2, 3]}).load("xs")
        [1, 2, 3]
    """

    default_runtime_patterns: ClassVar[dict[str, dict[str, Any]]] = {"{default}": {"type": "MemoryDataset"}}

    def __init__(self, datasets: Mapping[str, AbstractDataset] | None = None,
                 raw_data: Mapping[str, Any] | None = None, load_versions: Mapping[str, str] | None = None,
                 save_version: str | None = None, *, config: CatalogConfig | None = None) -> None:
        datasets, raw_data = dict(datasets or {}), dict(raw_data or {})
        for name, dataset in datasets.items():
            if not isinstance(dataset, AbstractDataset):
                raise TypeError(f"datasets['{name}'] is a {type(dataset).__name__}, not a dataset; "
                                "pass plain data as raw_data= or assign it with catalog[name] = data")
        clashes = sorted(set(datasets) & set(raw_data))
        if clashes:
            raise DatasetAlreadyExistsError(f"Dataset(s) {', '.join(map(repr, clashes))} given both in "
                                            "datasets and raw_data; give each name once.")
        self._lock = threading.Lock()
        self._config = config
        self._runtime_config: CatalogConfig | None = None  # built on first use, if ever
        # None means "the newest", as in to_config's output: nothing to pin.
        self._load_versions = {k: v for k, v in (load_versions or {}).items() if v is not None}
        self._save_version = save_version
        if self._load_versions:
            from minikedro.io.catalog_config import check_load_versions

            check_load_versions(self._load_versions, datasets, config)
        self._datasets: dict[str, AbstractDataset] = {}
        self._from_config: dict[str, AbstractDataset] = {}  # made from configuration: to_config writes them
        for name, entry in (config.entries.items() if config else ()):
            dataset = entry.create(name, self._load_versions.get(name), save_version)
            self._datasets[name] = self._from_config[name] = dataset
        for name, dataset in datasets.items():
            self._register(name, dataset)
        for name, data in raw_data.items():
            self._register(name, MemoryDataset(data=data))

    @classmethod
    def from_config(cls, catalog: Mapping[str, Any] | None, credentials: Mapping[str, Any] | None = None,
                    load_versions: Mapping[str, str] | None = None,
                    save_version: str | None = None) -> DataCatalog:
        """Build a catalog from configuration, checking every entry first (see ``catalog_config``).

        ``catalog`` maps names to entries such as ``{"type": "CSVDataset", "filepath":
        "cars.csv"}``; ``save_version`` defaults to now. Raises ``DatasetError`` naming
        every invalid entry and the key at fault, or an unknown or unversioned load version.
        """
        from minikedro.io.catalog_config import CatalogConfig  # only configuration needs it

        return cls(load_versions=load_versions, save_version=save_version or generate_timestamp(),
                   config=CatalogConfig(catalog, credentials))

    # -- the dict-like interface -------------------------------------------

    def __getitem__(self, name: str) -> AbstractDataset:
        dataset = self._datasets.get(name) or self.get(name)
        if dataset is None:
            raise self._not_found(name)
        return dataset

    def get(self, name: str, default: Any = None, *, fallback_to_runtime_pattern: bool = False,
            version: Version | None = None) -> Any:
        """Return the dataset called ``name``, or ``default`` if there is none.

        A name matching a pattern is created and registered; with
        ``fallback_to_runtime_pattern=True`` so is any other, as the runtime default (how
        a runner finds a home for intermediate results). ``version``: a versioned copy.
        """
        dataset = self._datasets.get(name) or self._create(name, fallback_to_runtime_pattern)
        if dataset is None:
            return default
        if version is not None and isinstance(dataset, AbstractVersionedDataset):
            dataset = dataset._copy(_version=version)
        return dataset

    def __setitem__(self, name: str, value: Any) -> None:
        """Register a dataset, or wrap plain data in a ``MemoryDataset``."""
        dataset = value if isinstance(value, AbstractDataset) else MemoryDataset(data=value)
        with self._lock:
            if name in self._datasets:
                logger.warning("Replacing dataset '%s'", name)
            self._register(name, dataset)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is registered or matches a factory pattern."""
        return name in self._datasets or (
            self._config is not None and isinstance(name, str) and self._config.match(name) is not None)

    def keys(self) -> list[str]:
        """The registered dataset names (patterns not yet used are not listed)."""
        return list(self._datasets)

    def values(self) -> list[AbstractDataset]:
        return list(self._datasets.values())

    def items(self) -> list[tuple[str, AbstractDataset]]:
        return list(self._datasets.items())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._datasets)

    def __repr__(self) -> str:
        lines = [f"  {name!r}: {dataset!r}," for name, dataset in self.items()]
        if self._config is not None and self._config.patterns:
            lines.append(f"  patterns: {', '.join(repr(p.pattern) for p in self._config.patterns)},")
        return f"{type(self).__name__}(" + "".join(f"\n{line}" for line in lines) + ("\n)" if lines else ")")

    # -- data operations ---------------------------------------------------

    def load(self, name: str, version: str | None = None) -> Any:
        """Load the dataset called ``name`` (``version``: read that version instead).

        Raises ``DatasetNotFoundError`` for an unknown name, and ``DatasetError`` if
        loading failed (the cause is chained) or ``version`` is given for an unversioned dataset.
        """
        dataset = self._datasets.get(name) or self[name]
        if version is not None:
            if not (isinstance(dataset, AbstractVersionedDataset) and dataset._version):
                raise DatasetError(f"Dataset '{name}' is not versioned; load it without version=")
            dataset = dataset._copy(_version=Version(version, None))
        logger.info("Loading data from %s (%s)...", name, type(dataset).__name__)
        try:
            return dataset.load()
        except DatasetError as error:
            error.dataset_name = error.dataset_name or name
            raise
        except Exception as error:
            raise _failure(dataset, "Failed while loading data from", error, name) from error

    def save(self, name: str, data: Any) -> None:
        """Save ``data`` to the dataset called ``name``.

        Raises ``DatasetNotFoundError`` for an unknown name, and ``DatasetError`` if
        ``data`` is None (as in Kedro) or saving failed (the cause is chained).
        """
        dataset = self._datasets.get(name) or self[name]
        if data is None:
            raise DatasetError(f"Saving 'None' to a 'Dataset' is not allowed: dataset {dataset._label()} "
                               "got None; return a value for every declared output.", dataset_name=name)
        logger.info("Saving data to %s (%s)...", name, type(dataset).__name__)
        try:
            dataset.save(data)
        except DatasetError as error:
            error.dataset_name = error.dataset_name or name
            raise
        except Exception as error:
            raise _failure(dataset, "Failed while saving data to", error, name) from error

    def exists(self, name: str) -> bool:
        """Whether ``name`` is known and its dataset has data (False if unknown)."""
        dataset = self.get(name)
        return dataset is not None and dataset.exists()

    def release(self, name: str) -> None:
        """Let the dataset called ``name`` free what it holds; ``DatasetNotFoundError`` if unknown."""
        self[name].release()

    def confirm(self, name: str) -> None:
        """Call the ``confirm()`` method of the dataset ``name`` (``DatasetError`` if it has none)."""
        confirm = getattr(self[name], "confirm", None)
        if not callable(confirm):
            raise DatasetError(f"Dataset '{name}' does not have 'confirm' method", dataset_name=name)
        logger.info("Confirming dataset '%s'", name)
        confirm()

    def add_parameters(self, params: Mapping[str, Any]) -> None:
        """Register ``parameters`` and ``params:<key>`` for every key, nested ones too (``params:a.b``).

        Each load hands out a deep copy: a node that edits its parameters cannot
        change what the next node sees. ``TypeError`` if ``params`` is not a mapping.
        """
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping, got {type(params).__name__}")
        flat: dict[str, Any] = {"parameters": params}

        def add(key: str, value: Any) -> None:
            flat[f"params:{key}"] = value
            for child, item in value.items() if isinstance(value, Mapping) else ():
                add(f"{key}.{child}", item)

        for key, value in params.items():
            add(str(key), value)
        with self._lock:
            for name, value in flat.items():
                self._register(name, MemoryDataset(data=value, copy_mode="deepcopy"))

    # -- queries -------------------------------------------------------------

    def filter(self, name_regex: str | re.Pattern | None = None, type_regex: str | re.Pattern | None = None,
               by_type: type | list[type] | tuple[type, ...] | None = None) -> list[str]:
        """The registered names that pass every filter given (``ValueError`` for a bad regex).

        ``name_regex`` is searched in the name, ``type_regex`` in the class path
        (``minikedro.datasets.files.CSVDataset``); ``by_type`` is a class or a list."""
        name_search, type_search = _compiled(name_regex), _compiled(type_regex)
        types = tuple(by_type) if isinstance(by_type, list) else by_type
        return [name for name, dataset in self._datasets.items()
                if (name_search is None or name_search.search(name))
                and (type_search is None or type_search.search(_type_path(type(dataset))))
                and (types is None or isinstance(dataset, types))]

    def list(self, regex: str | re.Pattern | None = None) -> list[str]:
        """Return the registered names, or those where ``regex`` is found (the older API)."""
        return self.filter(name_regex=regex)

    def get_type(self, name: str) -> str | None:
        """The full class path of the dataset ``name`` would be, without creating it (None: unknown)."""
        if name in self._datasets:
            return _type_path(type(self._datasets[name]))
        pattern = self._config.match(name) if self._config is not None else None
        return None if pattern is None else _type_path(pattern.entry.dataset_type)

    # -- Kedro's compatibility API, in compat.py ---------------------------------

    @property
    def config_resolver(self) -> CatalogConfigResolver:
        """Kedro's read-only pattern API: ``resolve_pattern``, ``list_patterns``, ``match_*``."""
        from minikedro.io.compat import CatalogConfigResolver

        return CatalogConfigResolver(self)

    def to_config(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, str | None], str | None]:
        """``(catalog, credentials, load_versions, save_version)`` that ``from_config`` rebuilds this from."""
        from minikedro.io.compat import catalog_to_config

        return catalog_to_config(self)

    def _get_dataset(self, name: str, version: str | Version | None = None, suggest: bool = True) -> Any:
        """Kedro 0.19's accessor, still in Kedro's hooks examples: ``self[name]``, versioned."""
        dataset = self[name]
        return dataset if version is None else self.get(name, version=Version(version, None)
                                                        if isinstance(version, str) else version)

    # -- internals ---------------------------------------------------------

    def _register(self, name: str, dataset: AbstractDataset) -> None:
        """Store ``dataset`` under ``name``, applying the catalog's versions."""
        version = getattr(dataset, "_version", None)
        if isinstance(dataset, AbstractVersionedDataset) and version is not None:
            wanted = Version(self._load_versions.get(name, version.load), version.save or self._save_version)
            if wanted != version:
                dataset = dataset._copy(_version=wanted)
        if dataset._dataset_name is None:
            dataset._dataset_name = name
        self._datasets[name] = dataset

    def _create(self, name: str, fallback_to_runtime_pattern: bool) -> AbstractDataset | None:
        """Create and register ``name`` from a pattern (or the runtime default), or return None."""
        with self._lock:
            dataset = self._datasets.get(name)  # another thread may have won
            if dataset is None and self._config is not None:
                pattern = self._config.match(name)
                if pattern is not None:
                    dataset = pattern.create(name, self._load_versions.get(name), self._save_version)
                    self._from_config[name] = dataset
            if dataset is None and fallback_to_runtime_pattern:
                dataset = self._runtime_default(name)
            if dataset is not None:
                self._datasets[name] = dataset
            return dataset

    def _runtime_default(self, name: str) -> AbstractDataset:
        """The dataset a runner gets for a name nobody configured (``default_runtime_patterns``)."""
        if self.default_runtime_patterns == DataCatalog.default_runtime_patterns:
            dataset = MemoryDataset()  # the usual case, without the pattern machinery
            dataset._dataset_name = name
            return dataset
        if self._runtime_config is None:
            from minikedro.io.catalog_config import CatalogConfig

            self._runtime_config = CatalogConfig(self.default_runtime_patterns)
        return self._runtime_config.match(name).create(name)

    def _not_found(self, name: str) -> DatasetNotFoundError:
        close = [repr(match) for match in difflib.get_close_matches(name, self.keys(), n=3)]
        hint = "" if not close else close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return DatasetNotFoundError(f"Dataset '{name}' not found in the catalog"
                                    + (f"; did you mean {hint}?" if hint else ""), dataset_name=name)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()  # runners send catalogs to worker processes; a lock cannot travel
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _compiled(regex: str | re.Pattern | None) -> re.Pattern | None:
    if regex is None or isinstance(regex, re.Pattern):
        return regex
    try:
        return re.compile(regex)
    except re.error as exc:
        raise ValueError(f"Invalid regular expression {regex!r}: {exc}") from exc


def _type_path(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def __getattr__(name: str) -> Any:
    # Kedro users import SharedMemoryDataCatalog from here; it builds on this module.
    if name == "SharedMemoryDataCatalog":
        from minikedro.io.shared_memory import SharedMemoryDataCatalog

        return SharedMemoryDataCatalog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
