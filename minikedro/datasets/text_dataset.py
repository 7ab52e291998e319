"""``TextDataset``: one string in a text file.

Public names: ``TextDataset``.

Kedro counterpart: ``kedro_datasets.text.TextDataset``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from minikedro.datasets._files import FileDataset, atomic_write

__all__ = ["TextDataset"]


class TextDataset(FileDataset):
    """Save and load a ``str``.

    Args:
        filepath: The file (versioned: the folder of versions).
        load_args: ``open`` options for reading: ``encoding`` (default
            ``utf-8``), ``errors``, ``newline``.
        save_args: ``open`` options for writing, as for ``load_args``, and
            ``mode: "a"`` to add to the file instead of replacing it (a
            generator node's chunks).
        version: Versions to load and save; None for an unversioned file.
        metadata: Free-form information; unused here.

    Saving anything but a ``str`` fails (``DatasetError``): encode bytes or
    use ``PickleDataset`` for other objects.

    Example:
        >>> dataset = TextDataset("data/01_raw/notes.txt")  # doctest: +SKIP
        >>> dataset.save("hello")  # doctest: +SKIP
    """

    DEFAULT_LOAD_ARGS: ClassVar[dict[str, Any]] = {"encoding": "utf-8"}
    DEFAULT_SAVE_ARGS: ClassVar[dict[str, Any]] = {"encoding": "utf-8"}

    def load(self) -> str:
        with open(self._get_load_path(), **self._load_args) as file:
            return file.read()

    def save(self, data: str) -> None:
        if not isinstance(data, str):
            raise TypeError(f"TextDataset saves a str, got {type(data).__name__}")
        open_args = dict(self._save_args)
        mode = open_args.pop("mode", "w")
        if mode not in ("w", "a"):
            raise ValueError(f"save_args mode must be 'w' (replace) or 'a' (append), got {mode!r}")
        with atomic_write(self._get_save_path(append=mode == "a"), mode, **open_args) as file:
            file.write(data)
