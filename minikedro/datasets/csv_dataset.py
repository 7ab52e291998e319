"""``CSVDataset``: a table as a list of row dicts in a CSV file.

Public names: ``CSVDataset``.

Kedro counterpart: ``kedro_datasets.pandas.CSVDataset``, without pandas:
rows are ``dict`` s, not a DataFrame, so ``type: pandas.CSVDataset`` is
deliberately not accepted as a name for this class.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

from minikedro.datasets._files import FileDataset, atomic_write

__all__ = ["CSVDataset"]


class CSVDataset(FileDataset):
    """Save and load rows (a list of dicts) as CSV with a header line.

    Loaded values are strings, exactly as the ``csv`` module reads them:
    ``{"n": 1}`` saved comes back as ``{"n": "1"}``, and ``None`` as ``""``.
    Convert types in the node that uses the rows (or use ``JSONDataset``,
    ``PickleDataset`` or ``SQLiteTableDataset``, which keep them).

    Args:
        filepath: The file (versioned: the folder of versions).
        load_args: ``encoding`` (default ``utf-8``); everything else goes to
            ``csv.DictReader`` (``delimiter``, ``dialect``, ``fieldnames``
            for a file without a header, ...).
        save_args: ``encoding`` (default ``utf-8``); ``mode: "a"`` to add
            rows to the file (a generator node's chunks; the header is
            written only into an empty file); everything else goes to
            ``csv.DictWriter`` (``delimiter``, ``dialect``, ``fieldnames``
            to fix the column order, ...). Without ``fieldnames`` the
            columns are every key seen, in order of first appearance.

    Two pandas arguments common in Kedro catalogs are understood: ``sep``
    means ``delimiter``, and ``index: False`` is accepted (rows have no
    index to write); ``index: True`` is refused.
        version: Versions to load and save; None for an unversioned file.
        metadata: Free-form information; unused here.

    Example:
        >>> dataset = CSVDataset("data/01_raw/iris.csv")  # doctest: +SKIP
        >>> dataset.save([{"sepal": 5.1, "kind": "setosa"}])  # doctest: +SKIP
        >>> dataset.load()  # doctest: +SKIP
        [{'sepal': '5.1', 'kind': 'setosa'}]
    """

    def load(self) -> list[dict[str, str]]:
        reader_args = _from_pandas(self._load_args)
        encoding = reader_args.pop("encoding", "utf-8")
        with open(self._get_load_path(), newline="", encoding=encoding) as file:
            return list(csv.DictReader(file, **reader_args))

    def save(self, data: Iterable[Mapping[str, Any]]) -> None:
        rows = list(data)
        writer_args = _from_pandas(self._save_args)
        encoding = writer_args.pop("encoding", "utf-8")
        mode = _write_mode(writer_args.pop("mode", "w"))
        fieldnames = writer_args.pop("fieldnames", None) or _columns(rows)
        path = self._get_save_path(append=mode == "a")
        with atomic_write(path, mode, newline="", encoding=encoding) as file:
            if fieldnames:
                writer = csv.DictWriter(file, fieldnames, **writer_args)
                if file.tell() == 0:  # a new file, or an empty one appended to
                    writer.writeheader()
                writer.writerows(rows)


def _columns(rows: list) -> list:
    """Every key of every row, in order of first appearance."""
    columns: dict = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"CSVDataset saves a list of dicts; row {index} is a {type(row).__name__}")
        columns.update(dict.fromkeys(row))
    return list(columns)


def _write_mode(mode: str) -> str:
    """``"w"`` (replace the file, the default) or ``"a"`` (add rows), as pandas spells them."""
    if mode not in ("w", "a"):
        raise ValueError(f"save_args mode must be 'w' (replace) or 'a' (append), got {mode!r}")
    return mode


def _from_pandas(arguments: dict[str, Any]) -> dict[str, Any]:
    """Translate the pandas spellings Kedro catalogs use into ``csv`` module arguments."""
    arguments = dict(arguments)
    if "sep" in arguments:
        arguments.setdefault("delimiter", arguments.pop("sep"))
    if arguments.pop("index", False):
        raise ValueError("index=True has no meaning for rows saved as dicts; remove it")
    return arguments
