"""Loading and saving data: datasets, and the catalog that names them.

Public names: ``AbstractDataset``, ``AbstractVersionedDataset``, ``Version``,
``MemoryDataset``, ``SharedMemoryDataset``, ``DataCatalog``,
``SharedMemoryDataCatalog``, ``DatasetError``, ``DatasetNotFoundError``,
``DatasetAlreadyExistsError`` (and ``VersionNotFoundError``,
``VersionAlreadyExistsError``, subclasses of ``DatasetError``).

The file datasets (pickle, JSON, text, CSV, SQLite) live in
``minikedro.datasets``.

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
from minikedro.io.data_catalog import DataCatalog, SharedMemoryDataCatalog
from minikedro.io.memory_dataset import MemoryDataset
from minikedro.io.shared_memory_dataset import SharedMemoryDataset

__all__ = [
    "AbstractDataset",
    "AbstractVersionedDataset",
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
