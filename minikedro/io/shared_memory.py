"""In-memory data that worker processes share: ``SharedMemoryDataset`` and its catalog.

Under ``ParallelRunner`` a worker gets pickled copies of the datasets its node touches:
what it saved in a plain ``MemoryDataset`` would never reach the next worker. A
``SharedMemoryDataset`` attached to a ``multiprocessing`` manager keeps its data there,
and a pickled copy still talks to the same place::

    parent process                 the manager's process
    SharedMemoryDataset  ─────────▶ the data
          │ pickled                   ▲
          ▼                           │
    worker process                    │
    SharedMemoryDataset  ─────────────┘

Attaching calls ``manager.MemoryDataset()``, as in Kedro (any manager registering that
typeid works). Without a manager the data stays in this process; detaching
(``set_manager(None)``) brings it back, so results stay loadable after the manager ends.

Public names (also in ``minikedro.io``): ``SharedMemoryDataset``,
``SharedMemoryDataCatalog``; Kedro's ``kedro.io`` names.
"""
from __future__ import annotations

import pickle
from typing import Any, ClassVar, Iterable

from minikedro.io.core import AbstractDataset, DatasetError
from minikedro.io.data_catalog import DataCatalog
from minikedro.io.memory_dataset import MemoryDataset

__all__ = ["SharedMemoryDataCatalog", "SharedMemoryDataset"]


class SharedMemoryDataset(AbstractDataset):
    """A ``MemoryDataset`` whose data a multiprocessing manager holds, once one is set.

    Args:
        manager: A started manager whose ``MemoryDataset()`` makes the shared storage;
            None keeps the data in this process until ``set_manager``.

    Attributes:
        shared_memory_dataset: The manager's storage (Kedro's name), or None.

    Example:
        >>> dataset = SharedMemoryDataset()  # no manager: works locally
        >>> dataset.save({"a": 1})
        >>> dataset.load()
        {'a': 1}
    """

    _EPHEMERAL = True

    def __init__(self, manager: Any = None) -> None:
        self._local = MemoryDataset()
        self.shared_memory_dataset: Any = None
        if manager is not None:
            self.set_manager(manager)

    def set_manager(self, manager: Any) -> None:
        """Move the data into ``manager``'s storage, or back into this process if None.

        Raises:
            DatasetError: The previous manager could not hand its data back.
        """
        holder = self._store()
        try:
            data = holder.load() if holder.exists() else None
        except Exception as exc:
            raise DatasetError(f"Could not copy the data of {self._label()} out of its manager: {exc}",
                               dataset_name=self._dataset_name) from exc
        self._local = MemoryDataset()
        self.shared_memory_dataset = None if manager is None else manager.MemoryDataset()
        if data is not None:
            self._store().save(data)

    def _store(self) -> Any:
        return self._local if self.shared_memory_dataset is None else self.shared_memory_dataset

    def load(self) -> Any:
        return self._store().load()

    def save(self, data: Any) -> None:
        try:
            self._store().save(data)
        except Exception as exc:
            try:  # the usual cause: say so plainly instead of showing the manager's machinery
                pickle.dumps(data)
            except Exception as pickling_error:
                raise DatasetError(
                    f"Cannot share data of type {type(data).__name__} with worker processes "
                    f"through {self._label()}: {pickling_error}. Data passed between ParallelRunner "
                    f"nodes must be picklable; use ThreadRunner or SequentialRunner for this "
                    f"pipeline.", dataset_name=self._dataset_name) from exc
            raise

    def _exists(self) -> bool:
        return bool(self._store().exists())

    def _release(self) -> None:
        self._store().release()

    def _describe(self) -> dict[str, Any]:
        # Never asks the manager: a repr in an error message must not fail in turn.
        return {"shared": self.shared_memory_dataset is not None}


class SharedMemoryDataCatalog(DataCatalog):
    """The catalog ``ParallelRunner`` needs: names it does not know become ``SharedMemoryDataset``."""

    default_runtime_patterns: ClassVar[dict[str, dict[str, Any]]] = {"{default}": {"type": "SharedMemoryDataset"}}

    def set_manager_datasets(self, manager: Any) -> None:
        """Attach every ``SharedMemoryDataset`` to ``manager``; None detaches them, data and all."""
        for dataset in self.values():
            if isinstance(dataset, SharedMemoryDataset):
                dataset.set_manager(manager)

    def validate_catalog(self, names: Iterable[str] | None = None) -> None:
        """Check that every dataset (or each of ``names``) can be pickled to a worker.

        A dataset whose class sets ``_SINGLE_PROCESS = True`` is refused too.

        Raises:
            DatasetError: Naming every dataset that cannot be sent, and why.
        """
        failures = []
        chosen = self.items() if names is None else ((n, self[n]) for n in set(names) if n in self)
        for name, dataset in sorted(chosen, key=lambda item: item[0]):
            if getattr(dataset, "_SINGLE_PROCESS", False):
                failures.append(f"- '{name}' ({type(dataset).__name__}): it is marked _SINGLE_PROCESS")
                continue
            try:
                pickle.dumps(dataset)
            except Exception as exc:
                failures.append(f"- '{name}' ({type(dataset).__name__}): {exc}")
        if failures:
            raise DatasetError(f"{len(failures)} dataset(s) cannot be sent to worker processes because "
                               f"they cannot be pickled:\n" + "\n".join(failures) + "\nMake them "
                               "picklable, or run with ThreadRunner or SequentialRunner.")
