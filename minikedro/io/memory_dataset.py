"""``MemoryDataset``: data held in a Python variable for the length of a run.

The catalog makes one for every name it has no entry for: a pipeline's
intermediate results live here unless configured otherwise. It is also the
smallest complete dataset: ``load``, ``save``, ``_exists``, ``_release``, ``_describe``.

Public names: ``MemoryDataset``. Kedro counterpart: ``kedro.io.MemoryDataset``.
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
        return "_EMPTY"  # by name, so that `data is _EMPTY` still holds in a worker process

    def __repr__(self) -> str:
        return "<empty>"


_EMPTY = _Empty()


class MemoryDataset(AbstractDataset):
    """Keep data in memory: ``save`` stores it, ``load`` hands it back.

    By default nothing is copied (``copy_mode="assign"``): ``load`` returns the
    very object that was saved. Kedro deep-copies most data on every save and
    load, which breaks objects that cannot be copied (locks, connections, some
    models: Kedro issue #1258) and holds two copies of every large result (issue
    #3551). minikedro expects node functions not to modify their inputs, and then
    a copy buys nothing; ``copy_mode="deepcopy"`` brings Kedro's copying back.

    Args:
        data: Initial data; leave it out for an empty dataset.
        copy_mode: ``"assign"`` (default), ``"copy"`` or ``"deepcopy"``, on save and load.
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

    def __init__(self, data: Any = _EMPTY, copy_mode: str | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        if copy_mode is not None and copy_mode not in _COPY_MODES:
            raise ValueError(f"Invalid copy mode: {copy_mode!r}. Possible values are: {', '.join(_COPY_MODES)}.")
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
        return copy.copy(data) if self._copy_mode == "copy" else copy.deepcopy(data)
