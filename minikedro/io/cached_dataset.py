"""``CachedDataset``: another dataset, with its last loaded or saved value kept in memory.

Wrap a slow dataset that several nodes read: the first load reads it, later ones come
from memory; a save writes through and keeps the value; ``release`` (a runner's, once no
node needs it) empties the cache and releases the wrapped one. In a catalog file,
``versioned`` is the wrapper's::

    [model]
    type = "CachedDataset"
    versioned = true
    dataset = { type = "PickleDataset", filepath = "data/06_models/model.pkl" }

Public names: ``CachedDataset``. Kedro counterpart: ``kedro.io.CachedDataset``; as there,
``ParallelRunner`` refuses it (``_SINGLE_PROCESS``): each worker would cache on its own.
"""

from __future__ import annotations

from typing import Any

from minikedro.io.core import AbstractDataset, Version
from minikedro.io.memory_dataset import MemoryDataset

__all__ = ["CachedDataset"]


class CachedDataset(AbstractDataset):
    """Load once, then serve from memory; save through to the wrapped dataset.

    Args:
        dataset: The dataset to wrap, or its catalog entry as a dict
            (``{"type": "CSVDataset", "filepath": ...}``).
        version: The wrapped dataset's version, when the catalog entry says
            ``versioned: true`` (put it on the wrapper, not in ``dataset``).
        copy_mode: How the cache copies values: ``"assign"`` (default, as
            ``MemoryDataset``), ``"copy"`` or ``"deepcopy"``.
        metadata: Free-form information for users and plugins; unused here.

    Raises:
        TypeError: ``dataset`` is neither a dataset nor a dict.
        ValueError: The ``dataset`` entry says ``versioned``, or ``copy_mode`` is unknown.
        DatasetError: The ``dataset`` entry is invalid.

    Example:
        >>> cached = CachedDataset(MemoryDataset([1, 2]))
        >>> cached.load()
        [1, 2]
        >>> cached.release()
        >>> cached.exists()
        False
    """

    _SINGLE_PROCESS = True

    def __init__(self, dataset: AbstractDataset | dict[str, Any], version: Version | None = None,
                 copy_mode: str | None = None, metadata: dict[str, Any] | None = None) -> None:
        if isinstance(dataset, dict):
            if "versioned" in dataset:
                raise ValueError("CachedDataset: put 'versioned' on the CachedDataset entry, not in "
                                 "its 'dataset' entry")
            entry = {**dataset, "versioned": True} if version else dataset
            load, save = version or (None, None)
            dataset = AbstractDataset.from_config("dataset", entry, load, save)
            dataset._dataset_name = None  # errors name the catalog entry, not "dataset"
        elif not isinstance(dataset, AbstractDataset):
            raise TypeError(f"CachedDataset: 'dataset' must be a dataset or its catalog entry as a "
                            f"dict, got {type(dataset).__name__} {dataset!r}")
        self._dataset, self._cache = dataset, MemoryDataset(copy_mode=copy_mode)
        self.metadata = metadata

    def load(self) -> Any:
        if not self._cache.exists():
            self._cache.save(self._dataset.load())
        return self._cache.load()

    def save(self, data: Any) -> None:
        self._dataset.save(data)
        self._cache.save(data)

    def _exists(self) -> bool:
        return self._cache.exists() or self._dataset.exists()

    def _release(self) -> None:
        self._cache.release()
        self._dataset.release()

    def _describe(self) -> dict[str, Any]:
        return {"dataset": self._dataset._describe(), "cache": self._cache._describe()}
