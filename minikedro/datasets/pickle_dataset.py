"""``PickleDataset``: any picklable Python object in a file.

Public names: ``PickleDataset``.

Kedro counterpart: ``kedro_datasets.pickle.PickleDataset`` (its default
``pickle`` backend only; joblib and the other backends are not stdlib).
"""

from __future__ import annotations

import pickle
from typing import Any

from minikedro.datasets._files import FileDataset, atomic_write

__all__ = ["PickleDataset"]


class PickleDataset(FileDataset):
    """Save and load a Python object with ``pickle``.

    Args:
        filepath: The file (versioned: the folder of versions).
        load_args: Passed to ``pickle.load`` (e.g. ``encoding``).
        save_args: Passed to ``pickle.dump`` (e.g. ``protocol``; default:
            pickle's default protocol).
        version: Versions to load and save; None for an unversioned file.
        metadata: Free-form information; unused here.

    Only load pickles you trust: unpickling can run arbitrary code.

    Example:
        >>> dataset = PickleDataset("data/06_models/model.pkl")  # doctest: +SKIP
        >>> dataset.save({"weights": [0.1, 0.2]})  # doctest: +SKIP
    """

    def load(self) -> Any:
        with open(self._get_load_path(), "rb") as file:
            return pickle.load(file, **self._load_args)

    def save(self, data: Any) -> None:
        with atomic_write(self._get_save_path(), "wb") as file:
            pickle.dump(data, file, **self._save_args)
