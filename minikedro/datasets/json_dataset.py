"""``JSONDataset``: JSON-compatible data (dicts, lists, strings, numbers) in a file.

Public names: ``JSONDataset``.

Kedro counterpart: ``kedro_datasets.json.JSONDataset``.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from minikedro.datasets._files import FileDataset, atomic_write

__all__ = ["JSONDataset"]


class JSONDataset(FileDataset):
    """Save and load data as UTF-8 JSON.

    Args:
        filepath: The file (versioned: the folder of versions).
        load_args: Passed to ``json.load`` (e.g. ``parse_float``).
        save_args: Passed to ``json.dump``; default ``{"indent": 2}`` as in
            Kedro (e.g. ``sort_keys``, ``ensure_ascii``, ``default``).
        version: Versions to load and save; None for an unversioned file.
        metadata: Free-form information; unused here.

    Tuples come back as lists and non-string keys as strings, as JSON has it.

    Example:
        >>> dataset = JSONDataset("data/08_reporting/metrics.json")  # doctest: +SKIP
        >>> dataset.save({"accuracy": 0.93})  # doctest: +SKIP
    """

    DEFAULT_SAVE_ARGS: ClassVar[dict[str, Any]] = {"indent": 2}

    def load(self) -> Any:
        with open(self._get_load_path(), encoding="utf-8") as file:
            return json.load(file, **self._load_args)

    def save(self, data: Any) -> None:
        with atomic_write(self._get_save_path(), "w", encoding="utf-8") as file:
            json.dump(data, file, **self._save_args)
