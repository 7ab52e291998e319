"""Datasets stored in one local file: pickle, JSON, text and CSV, all saved atomically.

``atomic_write`` is where minikedro writes a data file: into a temporary file beside the
target, flushed, then renamed over it in one step (``os.replace``, atomic on POSIX and
Windows), so a failed save or a crash leaves the old file as it was. A process ending at
once (``os._exit``) first calls ``remove_unfinished_writes``.

``FileDataset`` is a versioned file read and written by two functions: ``PickleDataset``
is ``pickle.load``/``dump``, ``JSONDataset`` ``json.load``/``dump``; ``TextDataset`` and
``CSVDataset`` bring their own. Their keywords are what load_args/save_args may hold.

Public names: ``PickleDataset``, ``JSONDataset``, ``TextDataset``, ``CSVDataset``, and for
writing your own, ``FileDataset``, ``atomic_write``, ``remove_unfinished_writes``.
Kedro counterpart: kedro-datasets' ``pickle``, ``json``, ``text`` and ``pandas.CSVDataset``
(rows are dicts, not DataFrames, so ``type: pandas.CSVDataset`` is not accepted); they
write through fsspec, which is not atomic.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import functools
import inspect
import json
import os
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import IO, Any, Callable, ClassVar, Iterator

from minikedro.io.core import AbstractVersionedDataset, DatasetError, Version, _failure

__all__ = ["CSVDataset", "FileDataset", "JSONDataset", "PickleDataset", "TextDataset",
           "atomic_write", "remove_unfinished_writes"]

_unfinished: set[Path] = set()  # the temporary files of the saves in progress
_OPEN_ARGS = ("encoding", "errors", "newline")  # text datasets give these to open()


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **open_args: Any) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` only if the block succeeds.

    Missing parent folders are created. To append (mode ``"a"`` or ``"ab"``: a generator
    node's chunks) the file itself is opened, and a block that fails cuts it back to its
    old length. ``open_args`` go to ``open`` (``encoding``, ``newline``, ...).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode.startswith("a"):
        with open(target, mode, **open_args) as file:
            start = file.tell()
            try:
                yield file
                file.flush()
                os.fsync(file.fileno())
            except BaseException:
                file.flush()
                os.truncate(target, start)
                raise
        return
    # A dot-name in the same folder: os.replace cannot cross filesystems, and
    # versioned loads skip a version folder without the final file.
    temporary = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
    _unfinished.add(temporary)
    try:
        # "x" creates the file with the usual permissions (unlike mkstemp's 0600).
        with open(temporary, mode.replace("w", "x"), **open_args) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    finally:
        _unfinished.discard(temporary)


def remove_unfinished_writes() -> None:
    """Delete the temporary files of the saves in progress in this process.

    Only for a process about to end with ``os._exit``: a worker told to stop,
    a run abandoning its running nodes. A save that goes on afterwards fails.
    """
    for temporary in list(_unfinished):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            os.unlink(temporary)


class FileDataset(AbstractVersionedDataset):
    """A dataset in one local file, versioned or not, read and written by two functions.

    A subclass sets ``_read(file, **load_args)`` and ``_write(data, file, **save_args)``
    (the shape of ``json.load`` and ``json.dump``), and may set ``BINARY``, ``NEWLINE``,
    ``APPENDS`` and default arguments. For text, ``encoding`` (default ``utf-8``),
    ``errors`` and ``newline`` go to ``open``; with ``APPENDS``, save_args ``mode: "a"``
    adds to the file instead of replacing it (a generator node's chunks).

    Args:
        filepath: Where the file is (versioned: the folder of versions).
        load_args: Options for reading, merged over ``DEFAULT_LOAD_ARGS``.
        save_args: Options for writing, merged over ``DEFAULT_SAVE_ARGS``.
        version: The versions to load and save (``versioned: true`` sets it), or None.
        metadata: Free-form information for users and plugins; unused here.
    """

    _read: ClassVar[Callable[..., Any]]
    _write: ClassVar[Callable[..., None]]
    BINARY: ClassVar[bool] = False  # bytes, not text
    NEWLINE: ClassVar[str | None] = None  # open()'s default newline for text
    APPENDS: ClassVar[bool] = False  # save_args may say mode: "a"
    DEFAULT_LOAD_ARGS: ClassVar[dict[str, Any]] = {}
    DEFAULT_SAVE_ARGS: ClassVar[dict[str, Any]] = {}

    def __init__(self, filepath: str | os.PathLike, load_args: dict[str, Any] | None = None,
                 save_args: dict[str, Any] | None = None, version: Version | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, version)
        self._check_args("load_args", load_args)
        self._check_args("save_args", save_args)
        self._load_args = {**self.DEFAULT_LOAD_ARGS, **(load_args or {})}
        self._save_args = {**self.DEFAULT_SAVE_ARGS, **(save_args or {})}
        self.metadata = metadata

    @classmethod
    def _takes(cls, which: str) -> frozenset[str] | None:
        """The names ``which`` ("load_args" or "save_args") may hold (None: any): the
        keywords of ``_read`` or ``_write``, of ``open`` for text, ``mode`` if saves append."""
        loading = which == "load_args"
        names = _keywords(cls._read, 1) if loading else _keywords(cls._write, 2)
        if names is None:
            return None
        return names.union(() if cls.BINARY else _OPEN_ARGS, ["mode"] if cls.APPENDS and not loading else [])

    @classmethod
    def _check_args(cls, which: str, args: Any) -> None:
        """Refuse a name nothing takes (``indnt``) up front, not once a node ran; from_config
        asks too. ``ValueError`` names it, the closest name taken, and all of them."""
        if not args:  # nothing to check: skip reading signatures (a builtin's costs ms)
            return
        taken = cls._takes(which)
        if taken is None or not isinstance(args, Mapping) or "cls" in taken.intersection(args):
            return  # not a mapping: __init__ fails; json passes the rest to a custom cls
        unknown = sorted(set(args) - taken)
        if unknown:
            close = difflib.get_close_matches(unknown[0], taken, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"{cls.__name__} does not take '{unknown[0]}'{hint}; its {which} "
                             f"take: {', '.join(sorted(taken))}")

    # A built-in dataset raises DatasetError itself, as Kedro's do, so a direct
    # ``dataset.load()`` names the dataset too (the catalog does it for others).
    def load(self) -> Any:
        args, open_args = self._split(self._load_args)
        try:
            with open(self._get_load_path(), "rb" if self.BINARY else "r", **open_args) as file:
                return self._read(file, **args)
        except DatasetError:
            raise
        except Exception as error:
            raise _failure(self, "Failed while loading data from", error) from error

    def save(self, data: Any) -> None:
        args, open_args = self._split(self._save_args)
        mode = args.pop("mode", "w") if self.APPENDS else "w"
        if mode not in ("w", "a"):
            raise ValueError(f"save_args mode must be 'w' (replace) or 'a' (append), got {mode!r}")
        try:
            path = self._get_save_path(append=mode == "a")
            with atomic_write(path, mode + "b" * self.BINARY, **open_args) as file:
                self._write(data, file, **args)
        except DatasetError:
            raise
        except Exception as error:
            raise _failure(self, "Failed while saving data to", error) from error

    def _split(self, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Separate the arguments for ``open`` from those for the read or write function."""
        args = dict(args)
        if self.BINARY:
            return args, {}
        open_args = {"encoding": "utf-8", "newline": self.NEWLINE}
        open_args.update((key, args.pop(key)) for key in _OPEN_ARGS if key in args)
        return args, open_args

    def _describe(self) -> dict[str, Any]:
        return {"filepath": PurePath(self._filepath).as_posix(), "load_args": self._load_args,
                "save_args": self._save_args, "version": self._version}


@functools.lru_cache(maxsize=None)
def _keywords(function: Callable, skip: int) -> frozenset[str] | None:
    """The names ``function`` takes by keyword after its first ``skip`` parameters; None if
    it takes ``**kwargs`` (json's go only to a custom ``cls``, so they do not count)."""
    parameters = list(inspect.signature(function).parameters.values())[skip:]
    if function.__module__ != "json" and any(p.kind == p.VAR_KEYWORD for p in parameters):
        return None
    return frozenset(p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


class PickleDataset(FileDataset):
    """Any picklable object, with ``pickle``; load_args and save_args go to ``pickle.load``/``dump``.

    Only load pickles you trust: unpickling can run arbitrary code. (Kedro's
    joblib and other backends are not in the standard library.)
    """

    BINARY = True
    _read = staticmethod(pickle.load)
    _write = staticmethod(pickle.dump)


class JSONDataset(FileDataset):
    """JSON-compatible data; arguments go to ``json.load``/``json.dump`` (default ``indent=2``, as Kedro).

    Tuples come back as lists and non-string keys as strings, as JSON has it.
    """

    DEFAULT_SAVE_ARGS: ClassVar[dict[str, Any]] = {"indent": 2}
    _read = staticmethod(json.load)
    _write = staticmethod(json.dump)


def _read_text(file: IO[str]) -> str:
    return file.read()


def _write_text(data: str, file: IO[str]) -> None:
    if not isinstance(data, str):
        raise TypeError(f"TextDataset saves a str, got {type(data).__name__}")
    file.write(data)


class TextDataset(FileDataset):
    """One ``str``. Arguments: ``encoding`` (default ``utf-8``), ``errors``, ``newline``; save ``mode: "a"``.

    Saving anything but a ``str`` fails: encode bytes, or use ``PickleDataset``.
    """

    APPENDS = True
    _read = staticmethod(_read_text)
    _write = staticmethod(_write_text)


# What CSVDataset's arguments may hold: open()'s, csv's format parameters and dialect, the
# pandas spellings _from_pandas reads, and csv.DictReader's or csv.DictWriter's own keywords.
_CSV_COMMON = {*_OPEN_ARGS, "delimiter", "dialect", "doublequote", "escapechar", "fieldnames",
               "lineterminator", "quotechar", "quoting", "skipinitialspace", "strict", "sep", "index"}
_CSV_ARGS = {"load_args": frozenset({*_CSV_COMMON, "restkey", "restval"}),
             "save_args": frozenset({*_CSV_COMMON, "restval", "extrasaction", "mode"})}


def _from_pandas(arguments: dict[str, Any]) -> dict[str, Any]:
    """Translate the pandas spellings Kedro catalogs use (``sep``, ``index``) into ``csv`` ones."""
    if "sep" in arguments:
        arguments.setdefault("delimiter", arguments.pop("sep"))
    if arguments.pop("index", False):
        raise ValueError("index=True has no meaning for rows saved as dicts; remove it")
    return arguments


def _read_rows(file: IO[str], **reader_args: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(file, **_from_pandas(reader_args)))


def _columns(rows: list, owner: str) -> list[str]:
    """Every key of every row, in order of first appearance; ``TypeError`` for a row not a dict."""
    columns: dict = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"{owner} saves a list of dicts; row {index} is a {type(row).__name__}")
        columns.update(dict.fromkeys(row))
    return list(columns)


def _write_rows(data: Iterable[Mapping[str, Any]], file: IO[str], **writer_args: Any) -> None:
    rows = list(data)
    writer_args = _from_pandas(writer_args)
    fieldnames = writer_args.pop("fieldnames", None) or _columns(rows, "CSVDataset")
    if fieldnames:
        writer = csv.DictWriter(file, fieldnames, **writer_args)
        if file.tell() == 0:  # a new file, or an empty one appended to
            writer.writeheader()
        writer.writerows(rows)


class CSVDataset(FileDataset):
    """Rows (a list of dicts) as CSV with a header line; loaded values are strings.

    ``{"n": 1}`` comes back as ``{"n": "1"}``, ``None`` as ``""``: convert types in the
    node (or use JSON, pickle or SQLite). Arguments: ``encoding`` (default ``utf-8``),
    save ``mode: "a"`` (a header only into an empty file), the rest to ``csv.DictReader``
    / ``DictWriter``; pandas' ``sep`` means ``delimiter``, ``index: True`` is refused.

    Example:
        >>> CSVDataset("data/01_raw/iris.csv").save([{"sepal": 5.1, "kind": "setosa"}])  # doctest: +SKIP
    """

    NEWLINE = ""  # the csv module handles line endings itself
    APPENDS = True
    _read = staticmethod(_read_rows)
    _write = staticmethod(_write_rows)

    @classmethod
    def _takes(cls, which: str) -> frozenset[str]:
        return _CSV_ARGS[which]
