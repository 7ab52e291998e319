"""``MemoryDataset``: data held in a Python variable for the length of a run.

It is the dataset a catalog creates for every name it has no entry for, so
the intermediate results of a pipeline live here unless configured otherwise.

Public names: ``MemoryDataset``.

Kedro counterpart: ``kedro.io.MemoryDataset`` (``kedro/io/memory_dataset.py``).
"""

from __future__ import annotations

import copy
from typing import Any

from minikedro.io.core import AbstractDataset, DatasetError

__all__ = ["MemoryDataset"]

_COPY_MODES = ("deepcopy", "copy", "assign")


class _Empty:
    """The "nothing saved yet" marker; it unpickles as the same object."""

    def __reduce__(self) -> str:
        # Pickle it by name, so `data is _EMPTY` still holds in a worker
        # process (a bare object() would arrive as a different object).
        return "_EMPTY"

    def __repr__(self) -> str:
        return "<empty>"


_EMPTY = _Empty()


class MemoryDataset(AbstractDataset):
    """Keep data in memory: ``save`` stores it, ``load`` hands it back.

    By default nothing is copied (``copy_mode="assign"``): ``load`` returns
    the very object that was saved. Kedro instead deep-copies most data on
    every save and load. That copy breaks objects that cannot be copied
    (locks, connections, open files, some models: Kedro issue #1258) and
    holds two copies of every large result in memory at once (issue #3551).
    minikedro expects node functions to be pure, that is, not to modify
    their inputs, and then a copy buys nothing. Pass
    ``copy_mode="deepcopy"`` to get Kedro's defensive copying back, or
    ``"copy"`` for a shallow copy.

    Args:
        data: Initial data; leave it out for an empty dataset.
        copy_mode: ``"assign"`` (default), ``"copy"`` or ``"deepcopy"``,
            applied on both save and load.
        metadata: Free-form information for users and plugins; unused here.

    Raises:
        ValueError: ``copy_mode`` is not one of the three modes.

    Example:
        >>> dataset = MemoryDataset(data=[1, 2, 3])
        >>> dataset.load()
        [1, 2, 3]
        >>> dataset.release()
        >>> dataset.exists()
        False
    """

    _EPHEMERAL = True

    def __init__(
        self,
        data: Any = _EMPTY,
        copy_mode: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if copy_mode is not None and copy_mode not in _COPY_MODES:
            raise ValueError(
                f"Invalid copy mode: {copy_mode!r}. Possible values are: "
                f"{', '.join(_COPY_MODES)}."
            )
        self._copy_mode = copy_mode or "assign"
        self.metadata = metadata
        self._data = _EMPTY if data is _EMPTY else self._copied(data)

    def load(self) -> Any:
        if self._data is _EMPTY:
            raise DatasetError("Data for MemoryDataset has not been saved yet.")
        return self._copied(self._data)

    def save(self, data: Any) -> None:
        self._data = self._copied(data)

    def _exists(self) -> bool:
        return self._data is not _EMPTY

    def _release(self) -> None:
        self._data = _EMPTY

    def _describe(self) -> dict[str, Any]:
        description: dict[str, Any] = {}
        if self._data is not _EMPTY:
            description["data"] = f"<{type(self._data).__name__}>"
        if self._copy_mode != "assign":
            description["copy_mode"] = self._copy_mode
        return description

    def _copied(self, data: Any) -> Any:
        if self._copy_mode == "assign":
            return data
        if self._copy_mode == "copy":
            return copy.copy(data)
        return copy.deepcopy(data)
