"""``SharedMemoryDataset``: in-memory data that worker processes can share.

Under ``ParallelRunner`` each node runs in a worker process that receives a
pickled copy of the catalog. A plain ``MemoryDataset`` would be copied along
with it, so what one worker saved would never reach the next. A
``SharedMemoryDataset`` instead talks to a ``MemoryDataset`` that lives in a
``multiprocessing`` manager's server process::

    parent process                 manager process
    SharedMemoryDataset  --proxy-> MemoryDataset (the data)
          | pickled                    ^
          v                            |
    worker process                     |
    SharedMemoryDataset  --proxy-------+

The manager must register the typeid ``"MemoryDataset"`` (the runner's
manager does). Without a manager the dataset is an ordinary local
``MemoryDataset``, and ``set_manager(None)`` brings the shared data back
into one, so results stay loadable after the manager has shut down.

Public names: ``SharedMemoryDataset``.

Kedro counterpart: ``kedro.io.SharedMemoryDataset``.
"""

from __future__ import annotations

import pickle
from typing import Any

from minikedro.io.core import AbstractDataset, DatasetError
from minikedro.io.memory_dataset import MemoryDataset

__all__ = ["SharedMemoryDataset"]


class SharedMemoryDataset(AbstractDataset):
    """A ``MemoryDataset`` served by a multiprocessing manager, when one is set.

    Args:
        manager: A started ``multiprocessing.managers.BaseManager`` (or
            subclass) that registers ``"MemoryDataset"``; None keeps the data
            in this process until ``set_manager`` is called.

    Example:
        >>> dataset = SharedMemoryDataset()  # no manager: works locally
        >>> dataset.save({"a": 1})
        >>> dataset.load()
        {'a': 1}
    """

    _EPHEMERAL = True

    def __init__(self, manager: Any = None) -> None:
        self._local = MemoryDataset()
        self._shared: Any = None  # the manager's proxy, when attached
        if manager is not None:
            self.set_manager(manager)

    def set_manager(self, manager: Any) -> None:
        """Move the data into ``manager``, or back into this process if None.

        Data already held moves along, so nothing is lost either way.

        Args:
            manager: A started manager registering ``"MemoryDataset"``, or None.

        Raises:
            DatasetError: The previous manager could not hand back its data.
        """
        holder = self._store()
        try:
            data = holder.load() if holder.exists() else None
        except Exception as exc:
            raise DatasetError(
                f"Could not copy the data of {self._label()} out of its manager: {exc}",
                dataset_name=self._dataset_name,
            ) from exc
        self._local = MemoryDataset()
        self._shared = None if manager is None else manager.MemoryDataset()
        if data is not None:
            self._store().save(data)

    def _store(self) -> Any:
        return self._shared if self._shared is not None else self._local

    def load(self) -> Any:
        return self._store().load()

    def save(self, data: Any) -> None:
        if self._shared is None:
            self._local.save(data)
            return
        try:
            self._shared.save(data)
        except Exception as exc:
            # The usual cause is data that cannot be pickled: say so plainly
            # instead of showing the proxy machinery's error.
            try:
                pickle.dumps(data)
            except Exception as pickling_error:
                raise DatasetError(
                    f"Cannot share data of type {type(data).__name__} with worker "
                    f"processes through {self._label()}: {pickling_error}. Data passed "
                    "between ParallelRunner nodes must be picklable; use "
                    "ThreadRunner or SequentialRunner for this pipeline.",
                    dataset_name=self._dataset_name,
                ) from exc
            raise

    def _exists(self) -> bool:
        return bool(self._store().exists())

    def _release(self) -> None:
        self._store().release()

    def _describe(self) -> dict[str, Any]:
        # Kept local on purpose: repr is used in error messages, and asking
        # the manager there could fail in turn if the manager is gone.
        return {"shared": self._shared is not None}
