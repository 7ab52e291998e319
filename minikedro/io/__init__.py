"""Loading and saving data: the dataset contract (``core``) and the ``DataCatalog`` naming datasets.

``CachedDataset``, ``SharedMemoryDataset``, ``SharedMemoryDataCatalog`` and ``CatalogConfigResolver``
load on first use; file datasets are in ``minikedro.datasets``. Kedro counterpart: ``kedro.io``.
"""

from importlib import import_module
from typing import Any

from minikedro.io.core import (AbstractDataset, AbstractVersionedDataset, DatasetAlreadyExistsError, DatasetError,
                               DatasetNotFoundError, Version, VersionAlreadyExistsError, VersionNotFoundError)
from minikedro.io.data_catalog import DataCatalog
from minikedro.io.memory_dataset import MemoryDataset

_LAZY = {"CachedDataset": "cached_dataset", "CatalogConfigResolver": "compat",
         "SharedMemoryDataCatalog": "shared_memory", "SharedMemoryDataset": "shared_memory"}
__all__ = ["AbstractDataset", "AbstractVersionedDataset", "DataCatalog", "DatasetAlreadyExistsError", "DatasetError",
           "DatasetNotFoundError", "MemoryDataset", "Version", "VersionAlreadyExistsError", "VersionNotFoundError",
           *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"minikedro.io.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
