"""What every file dataset shares: atomic writes and the ``FileDataset`` base.

``atomic_write`` is the one place where minikedro writes a data file. It
writes a temporary file beside the target, flushes it to disk, then renames
it over the target in one step (``os.replace`` is atomic on POSIX and
Windows). A crash or an error half-way through a save therefore leaves the
previous file exactly as it was, never a truncated one, and the temporary
file is removed. A process that must end at once, without unwinding the
threads that are saving (``os._exit``), first calls
``remove_unfinished_writes`` to remove the temporary files of those saves.

``FileDataset`` holds the constructor arguments file datasets have in
common (``filepath``, ``load_args``, ``save_args``, ``version``,
``metadata``); each subclass still writes its own ``load`` and ``save``.

Public names: ``atomic_write``, ``FileDataset`` (for writing your own file
datasets), ``remove_unfinished_writes``.

Kedro counterpart: none directly; kedro-datasets repeats this in each class
and writes through fsspec, which is not atomic.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path, PurePath
from typing import IO, Any, ClassVar, Iterator

from minikedro.io.core import AbstractVersionedDataset, Version

__all__ = ["FileDataset", "atomic_write", "remove_unfinished_writes"]

_unfinished: set[Path] = set()  # the temporary files of the saves in progress


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **open_args: Any) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` only if the block succeeds.

    Missing parent folders are created. In append mode (``"a"``, ``"ab"``:
    a generator node saving chunk after chunk) the file itself is opened, and
    a block that fails cuts it back to its old length: what was there before
    stays, byte for byte, and no half-written chunk is left at its end.

    Args:
        path: The file to (re)write, or to add to.
        mode: ``"wb"`` or ``"w"`` (text), or ``"ab"``/``"a"`` to append.
        **open_args: More ``open`` arguments, e.g. ``encoding``, ``newline``.

    Yields:
        The open temporary file.

    Example:
        >>> with atomic_write("data/out.txt", "w", encoding="utf-8") as f:  # doctest: +SKIP
        ...     f.write("all or nothing")
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode.startswith("a"):
        with _appending(target, mode, open_args) as file:
            yield file
        return
    # A dot-name in the same folder: os.replace cannot cross filesystems,
    # and versioned loads skip a version folder without the final file.
    temporary = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")  # unique per save
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


@contextlib.contextmanager
def _appending(target: Path, mode: str, open_args: dict[str, Any]) -> Iterator[IO]:
    """Append to ``target``; on failure truncate it back to where it ended."""
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


class FileDataset(AbstractVersionedDataset):
    """Base class of datasets stored in one local file, versioned or not.

    Subclasses set ``DEFAULT_LOAD_ARGS`` / ``DEFAULT_SAVE_ARGS`` and write
    ``load`` (reading ``self._get_load_path()``) and ``save`` (writing
    through ``atomic_write(self._get_save_path(), ...)``).

    Args:
        filepath: Where the file is (versioned: the folder of versions).
        load_args: Options for reading, merged over ``DEFAULT_LOAD_ARGS``.
        save_args: Options for writing, merged over ``DEFAULT_SAVE_ARGS``.
        version: None for an unversioned file, else the versions to load
            and save (``versioned: true`` in the catalog sets it).
        metadata: Free-form information for users and plugins; unused here.
    """

    DEFAULT_LOAD_ARGS: ClassVar[dict[str, Any]] = {}
    DEFAULT_SAVE_ARGS: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        filepath: str | os.PathLike,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, version)
        self._load_args = {**self.DEFAULT_LOAD_ARGS, **(load_args or {})}
        self._save_args = {**self.DEFAULT_SAVE_ARGS, **(save_args or {})}
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": PurePath(self._filepath).as_posix(),
            "load_args": self._load_args,
            "save_args": self._save_args,
            "version": self._version,
        }
