"""Loading and saving data: datasets, and the catalog that names them.

Public names: ``AbstractDataset``, ``AbstractVersionedDataset``, ``Version``,
``MemoryDataset``, ``SharedMemoryDataset``, ``CachedDataset``, ``DataCatalog``,
``SharedMemoryDataCatalog``, ``DatasetError``, ``DatasetNotFoundError``,
``DatasetAlreadyExistsError``, ``CatalogConfigResolver`` (and ``VersionNotFoundError``,
``VersionAlreadyExistsError``, subclasses of ``DatasetError``).

The file datasets (pickle, JSON, text, CSV, SQLite) live in
``minikedro.datasets``.

Modules: ``core`` (the dataset base classes, ``Version``), ``errors``,
``filepaths`` (path helpers for custom datasets), ``memory_dataset``, ``cached_dataset``,
``shared_memory_dataset``, ``data_catalog`` with ``catalog_queries``,
``shared_memory_data_catalog``, ``catalog_config`` (one entry <-> one
dataset) and ``catalog_config_resolver`` (patterns, the whole configuration).

Kedro counterpart: ``kedro.io``.
"""

from minikedro.io.core import (
    AbstractDataset,
    AbstractVersionedDataset,
    DatasetAlreadyExistsError,
    DatasetError,
    DatasetNotFoundError,
    Version,
    VersionAlreadyExistsError,
    VersionNotFoundError,
)
from minikedro.io.cached_dataset import CachedDataset
from minikedro.io.catalog_config_resolver import CatalogConfigResolver
from minikedro.io.data_catalog import DataCatalog
from minikedro.io.memory_dataset import MemoryDataset
from minikedro.io.shared_memory_data_catalog import SharedMemoryDataCatalog
from minikedro.io.shared_memory_dataset import SharedMemoryDataset

__all__ = [
    "AbstractDataset",
    "AbstractVersionedDataset",
    "CachedDataset",
    "CatalogConfigResolver",
    "DataCatalog",
    "DatasetAlreadyExistsError",
    "DatasetError",
    "DatasetNotFoundError",
    "MemoryDataset",
    "SharedMemoryDataCatalog",
    "SharedMemoryDataset",
    "Version",
    "VersionAlreadyExistsError",
    "VersionNotFoundError",
]
