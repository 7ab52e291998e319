"""``DataCatalog``: the registry of datasets a pipeline loads from and saves to.

Nodes name their inputs and outputs; the catalog maps each name to a
dataset. It behaves like a dict of datasets (``catalog["cars"]``,
``"cars" in catalog``, ``catalog["cars"] = data``, ``keys()``, ``items()``)
and forwards ``load``/``save``/``exists``/``release``/``confirm`` to them.

Datasets come from three places, tried in this order:

1. registered datasets: given to the constructor, assigned with
   ``catalog[name] = ...``, or built from plain entries by ``from_config``;
2. dataset factory patterns from ``from_config`` (``"{name}_csv"``),
   resolved the first time a matching name is used, then registered;
3. the runtime default, only for ``get(name, fallback_to_runtime_pattern=True)``:
   a ``MemoryDataset`` (a ``SharedMemoryDataset`` in
   ``SharedMemoryDataCatalog``), which is how a runner gets somewhere to
   keep the intermediate results nobody configured.

Many threads may use one catalog at once: creating and registering datasets
happens under a lock, and reads need none.

Entries from ``from_config`` are created when the catalog is built, not on
first use as in Kedro: a broken entry is reported before any node runs.

Public names: ``DataCatalog`` (``SharedMemoryDataCatalog`` is also
importable from here, as in Kedro; it lives in
``shared_memory_data_catalog.py``).

Kedro counterpart: ``kedro.io.DataCatalog`` (``kedro/io/data_catalog.py``).
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from minikedro.io.catalog_config_resolver import CatalogConfig
from minikedro.io.catalog_queries import CatalogQueries
from minikedro.io.core import (
    AbstractDataset,
    AbstractVersionedDataset,
    DatasetAlreadyExistsError,
    DatasetError,
    DatasetNotFoundError,
    Version,
    generate_timestamp,
)
from minikedro.io.memory_dataset import MemoryDataset

__all__ = ["DataCatalog"]

logger = logging.getLogger(__name__)


class DataCatalog(CatalogQueries):
    """A dict-like registry of named datasets.

    Args:
        datasets: Name to dataset.
        raw_data: Name to data; each is wrapped in a ``MemoryDataset``.
        load_versions: Name to the version to load, for versioned datasets.
        save_version: The version every versioned dataset saves under
            (None: a fresh timestamp for each save).
        config: A parsed ``CatalogConfig`` whose entries are created now
            and whose patterns are resolved on first use; ``from_config``
            passes it.

    Raises:
        TypeError: A value in ``datasets`` is not a dataset.
        DatasetAlreadyExistsError: A name is both in ``datasets`` and ``raw_data``.
        DatasetError: ``load_versions`` names a dataset that is unknown or
            not versioned.

    Example:
        >>> catalog = DataCatalog({"xs": MemoryDataset()})
        >>> catalog.save("xs", [1, 2, 3])
        >>> catalog.load("xs")
        [1, 2, 3]
        >>> catalog.list()
        ['xs']
    """

    default_runtime_patterns: ClassVar[dict[str, dict[str, Any]]] = {
        "{default}": {"type": "MemoryDataset"}
    }

    def __init__(
        self,
        datasets: Mapping[str, AbstractDataset] | None = None,
        raw_data: Mapping[str, Any] | None = None,
        load_versions: Mapping[str, str] | None = None,
        save_version: str | None = None,
        *,
        config: CatalogConfig | None = None,
    ) -> None:
        datasets = dict(datasets or {})
        raw_data = dict(raw_data or {})
        for name, dataset in datasets.items():
            if not isinstance(dataset, AbstractDataset):
                raise TypeError(
                    f"datasets['{name}'] is a {type(dataset).__name__}, not a dataset; "
                    "pass plain data as raw_data= or assign it with catalog[name] = data"
                )
        clashes = sorted(set(datasets) & set(raw_data))
        if clashes:
            raise DatasetAlreadyExistsError(
                f"Dataset(s) {', '.join(map(repr, clashes))} given both in datasets and "
                "raw_data; give each name once."
            )
        self._lock = threading.Lock()
        self._config = config or CatalogConfig()
        self._runtime_config = CatalogConfig(self.default_runtime_patterns)
        # None means "the newest", as in to_config's output: nothing to pin.
        self._load_versions = {k: v for k, v in (load_versions or {}).items() if v is not None}
        self._save_version = save_version
        self._check_load_versions(datasets)
        self._datasets: dict[str, AbstractDataset] = {}
        # Name -> the entry as written, for the datasets made from configuration.
        self._written: dict[str, dict[str, Any]] = {}
        for name, entry in self._config.entries.items():
            self._datasets[name] = entry.create(name, self._load_versions.get(name), save_version)
            self._written[name] = self._config.raw[name]
        for name, dataset in datasets.items():
            self._register(name, dataset)
        for name, data in raw_data.items():
            self._register(name, MemoryDataset(data=data))

    @classmethod
    def from_config(
        cls,
        catalog: Mapping[str, Any] | None,
        credentials: Mapping[str, Any] | None = None,
        load_versions: Mapping[str, str] | None = None,
        save_version: str | None = None,
    ) -> DataCatalog:
        """Build a catalog from configuration, checking every entry first.

        Args:
            catalog: Entry name to entry, e.g. ``{"cars": {"type":
                "CSVDataset", "filepath": "data/cars.csv"}}``; see
                ``minikedro.io.catalog_config`` for types and patterns.
            credentials: Credentials name to credentials.
            load_versions: Dataset name to the version to load.
            save_version: The version all versioned datasets save under;
                defaults to the current timestamp.

        Raises:
            DatasetError: Invalid entries (one message naming each entry and
                key at fault), or ``load_versions`` naming an unknown or
                unversioned dataset.
        """
        return cls(
            load_versions=load_versions,
            save_version=save_version or generate_timestamp(),
            config=CatalogConfig(catalog, credentials),
        )

    # -- the dict-like interface -------------------------------------------

    def __getitem__(self, name: str) -> AbstractDataset:
        dataset = self.get(name)
        if dataset is None:
            raise self._not_found(name)
        return dataset

    def get(
        self,
        name: str,
        default: Any = None,
        *,
        fallback_to_runtime_pattern: bool = False,
        version: Version | None = None,
    ) -> Any:
        """Return the dataset called ``name``, or ``default`` if there is none.

        Names matching a factory pattern are created and registered. With
        ``fallback_to_runtime_pattern=True`` any other unknown name gets the
        catalog's default dataset, registered too: how a runner finds a home
        for intermediate results. With ``version``, a versioned dataset comes
        back as a copy using that ``Version`` (the registered one is unchanged).
        """
        dataset = self._datasets.get(name)
        if dataset is None:
            dataset = self._create_from_pattern(name, fallback_to_runtime_pattern)
            if dataset is None:
                return default
        if version is not None and isinstance(dataset, AbstractVersionedDataset):
            dataset = dataset._copy(_version=version)
        return dataset

    def _get_dataset(
        self, name: str, version: str | Version | None = None, suggest: bool = True
    ) -> AbstractDataset:
        """Kedro 0.19's accessor, which custom runners from its docs call: ``self[name]``, versioned.

        Raises:
            DatasetNotFoundError: ``name`` is unknown.
        """
        dataset = self.get(name, version=Version(version, None) if isinstance(version, str) else version)
        if dataset is None:
            raise self._not_found(name)
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
            isinstance(name, str) and self._config.match(name) is not None
        )

    def keys(self) -> list[str]:
        """The registered dataset names (patterns not yet used are not listed)."""
        return list(self._datasets)

    def values(self) -> list[AbstractDataset]:
        """The registered datasets, in the order of ``keys()``."""
        return list(self._datasets.values())

    def items(self) -> list[tuple[str, AbstractDataset]]:
        """``(name, dataset)`` pairs, in the order of ``keys()``."""
        return list(self._datasets.items())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._datasets)

    def __repr__(self) -> str:
        lines = [f"  {name!r}: {dataset!r}," for name, dataset in self.items()]
        if self._config.patterns:
            patterns = ", ".join(repr(p.pattern) for p in self._config.patterns)
            lines.append(f"  patterns: {patterns},")
        if not lines:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    # -- data operations ---------------------------------------------------

    def load(self, name: str, version: str | None = None) -> Any:
        """Load the dataset called ``name`` (``version``: read that version instead).

        Raises:
            DatasetNotFoundError: ``name`` is unknown.
            DatasetError: Loading failed, or ``version`` was given for an
                unversioned dataset.
        """
        dataset = self[name]
        if version is not None:
            if not (isinstance(dataset, AbstractVersionedDataset) and dataset._version):
                raise DatasetError(f"Dataset '{name}' is not versioned; load it without version=")
            dataset = self.get(name, version=Version(version, None))
        logger.info("Loading data from %s (%s)...", name, type(dataset).__name__)
        return dataset.load()

    def save(self, name: str, data: Any) -> None:
        """Save ``data`` to the dataset called ``name``.

        Raises:
            DatasetNotFoundError: ``name`` is unknown.
            DatasetError: Saving failed.
        """
        dataset = self[name]
        logger.info("Saving data to %s (%s)...", name, type(dataset).__name__)
        dataset.save(data)

    def exists(self, name: str) -> bool:
        """Whether ``name`` is known and its dataset has data (False if unknown)."""
        dataset = self.get(name)
        return dataset is not None and dataset.exists()

    def release(self, name: str) -> None:
        """Let the dataset called ``name`` free what it holds.

        Raises:
            DatasetNotFoundError: ``name`` is unknown.
        """
        self[name].release()

    def confirm(self, name: str) -> None:
        """Call the ``confirm()`` method of the dataset called ``name``.

        Raises:
            DatasetNotFoundError: ``name`` is unknown.
            DatasetError: The dataset has no ``confirm`` method.
        """
        dataset = self[name]
        confirm = getattr(dataset, "confirm", None)
        if not callable(confirm):
            raise DatasetError(f"Dataset '{name}' does not have 'confirm' method", dataset_name=name)
        logger.info("Confirming dataset '%s'", name)
        confirm()

    def add(self, name: str, dataset: AbstractDataset, replace: bool = False) -> None:
        """Register ``dataset`` (Kedro 0.19's API; ``catalog[name] = dataset`` is the 1.x one).

        Raises:
            DatasetAlreadyExistsError: ``name`` is taken and ``replace`` is False.
        """
        if name in self._datasets and not replace:
            raise DatasetAlreadyExistsError(
                f"Dataset '{name}' has already been registered", dataset_name=name
            )
        self[name] = dataset

    def add_all(self, datasets: Mapping[str, AbstractDataset], replace: bool = False) -> None:
        """``add`` each of ``datasets`` (Kedro 0.19's API)."""
        for name, dataset in datasets.items():
            self.add(name, dataset, replace)

    def add_feed_dict(self, feed_dict: Mapping[str, Any], replace: bool = False) -> None:
        """``add`` each value, wrapping plain data in a ``MemoryDataset`` (Kedro 0.19's API)."""
        for name, value in feed_dict.items():
            dataset = value if isinstance(value, AbstractDataset) else MemoryDataset(data=value)
            self.add(name, dataset, replace)

    def add_parameters(self, params: Mapping[str, Any]) -> None:
        """Register ``parameters`` and ``params:<key>`` for every key, nested ones too.

        ``{"model": {"lr": 0.1}}`` gives ``parameters``, ``params:model`` and
        ``params:model.lr``. Parameters are small plain data, so each load
        hands out a deep copy: a node that edits its parameters cannot
        change what the next node sees.

        Raises:
            TypeError: ``params`` is not a mapping.
        """
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping, got {type(params).__name__}")
        flat: dict[str, Any] = {"parameters": params}

        def add(key: str, value: Any) -> None:
            flat[f"params:{key}"] = value
            if isinstance(value, Mapping):
                for child, child_value in value.items():
                    add(f"{key}.{child}", child_value)

        for key, value in params.items():
            add(str(key), value)
        with self._lock:
            for name, value in flat.items():
                self._register(name, MemoryDataset(data=value, copy_mode="deepcopy"))

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
        self._written.pop(name, None)  # no longer the dataset its entry describes

    def _create_from_pattern(self, name: str, fallback_to_runtime_pattern: bool) -> AbstractDataset | None:
        """Create, register and return ``name`` from a pattern, or return None."""
        with self._lock:
            dataset = self._datasets.get(name)  # another thread may have won
            if dataset is not None:
                return dataset
            configs = [self._config, self._runtime_config] if fallback_to_runtime_pattern else [self._config]
            for config in configs:
                dataset = config.create_from_pattern(name, self._load_versions.get(name), self._save_version)
                if dataset is not None:
                    self._datasets[name] = dataset
                    if config is self._config:
                        self._written[name] = config.match(name).filled_config(name)
                    return dataset
        return None

    def _check_load_versions(self, datasets: Mapping[str, AbstractDataset]) -> None:
        unknown, unversioned = [], []
        for name in sorted(self._load_versions):
            if name in datasets:
                versioned: bool | None = getattr(datasets[name], "_version", None) is not None
            else:
                versioned = self._config.is_versioned(name)
            if versioned is None:
                unknown.append(name)
            elif not versioned:
                unversioned.append(f"'{name}' is not versioned (set 'versioned: true' on its entry)")
        problems = []
        if unknown:
            problems.append(f"'load_versions' keys [{', '.join(unknown)}] are not found in the catalog")
        if unversioned:
            problems.append(f"load_versions cannot be applied: {'; '.join(unversioned)}")
        if problems:  # all of them at once; Kedro's wording first
            raise (DatasetNotFoundError if unknown else DatasetError)("; ".join(problems) + ".")

    def _not_found(self, name: str) -> DatasetNotFoundError:
        message = f"Dataset '{name}' not found in the catalog"
        close = [repr(match) for match in difflib.get_close_matches(name, self.keys(), n=3)]
        if close:
            options = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
            message += f"; did you mean {options}?"
        return DatasetNotFoundError(message, dataset_name=name)

    def __getstate__(self) -> dict[str, Any]:
        # Runners send catalogs to worker processes; a lock cannot travel.
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def __getattr__(name: str) -> Any:
    # Kedro users import SharedMemoryDataCatalog from kedro.io.data_catalog;
    # it lives in its own module, which builds on this one.
    if name == "SharedMemoryDataCatalog":
        from minikedro.io.shared_memory_data_catalog import SharedMemoryDataCatalog

        return SharedMemoryDataCatalog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
