"""Keep two runs of one project off each other's data, as Snakemake and DVC do (Kedro does not).

Public names: ``RunLock``, ``RunLockError``, ``Conflict``, ``datasets_to_lock``.

A run locks the persisted datasets it writes (exclusive) and reads (shared) for
as long as it lasts: a conflicting run fails at once naming the run in its way,
or with ``wait=True`` waits for it. Each run holding locks has a file in
``.minikedro/locks/`` (pid, host, command, since, its datasets by storage: a
file by its resolved path), read and written under an OS lock on ``.mutex`` that
the OS drops if its holder dies, so of two runs starting together one wins. A
file goes when its run ends, however it ends; one whose run is gone (same host,
pid gone) is taken over with a warning.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import sys
import time
from pathlib import Path, PurePath
from typing import Any, Iterator, NamedTuple

from minikedro.datasets.files import atomic_write
from minikedro.io.core import is_parameter

if os.name == "nt":
    import msvcrt
else:
    import fcntl

__all__ = ["Conflict", "RunLock", "RunLockError", "datasets_to_lock"]

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25  # how often a waiting run looks again


class Conflict(NamedTuple):
    """Another run in the way: its lock file, its record, what of ours it writes and reads."""

    lock_file: Path
    run: dict[str, Any]  # pid, host, command, since, written, read
    writes: dict[str, str]  # {storage: our name for it}
    reads: dict[str, str]

    def __str__(self) -> str:
        run = self.run
        uses = [f"{verb} " + ", ".join(f"{name!r} ({key})" for key, name in sorted(used.items()))
                for verb, used in (("writes", self.writes), ("reads", self.reads)) if used]
        return (f"run {run['command']!r} (pid {run['pid']} on {run['host']}, since "
                f"{run['since']}){' ' if uses else ''}{' and '.join(uses)}")


class RunLockError(Exception):
    """Another run of the project holds locks on datasets this run needs: ``conflicts``, one per run."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__(
            f"datasets in use by another run of this project: {'; '.join(map(str, conflicts))}. "
            f"Run again when it ends, or add --wait to wait for it; if that run is gone, "
            f"delete {', '.join(str(conflict.lock_file) for conflict in conflicts)}")


def datasets_to_lock(pipeline: Any, catalog: Any) -> tuple[dict[str, str], dict[str, str]]:
    """``({storage: name} written, {storage: name} only read)`` for a run of ``pipeline``.

    A dataset's storage is its resolved path (or URL, ``s3://...``) if it has a
    ``_filepath``, else ``dataset <name>``. Memory datasets, parameters and names
    the catalog does not know (memory at run time) are left out.
    """
    written, read = {}, {}
    outputs = pipeline.all_outputs()
    for name in sorted(name for name in pipeline.datasets() if not is_parameter(name)):
        storage = _storage_of(name, catalog)
        if storage is not None:
            (written if name in outputs else read).setdefault(storage, name)
    return written, {storage: name for storage, name in read.items() if storage not in written}


def _storage_of(name: str, catalog: Any) -> str | None:
    dataset = catalog.get(name)  # a pattern's dataset is registered, as the runner would
    if dataset is None or getattr(dataset, "_EPHEMERAL", False):
        return None
    path = getattr(dataset, "_filepath", None)
    if not isinstance(path, (str, PurePath)):
        return f"dataset {name}"
    path = os.fspath(path)
    if "://" in path:  # another filesystem's URL (s3://bucket/x.csv) is its own name
        return path
    return os.path.normcase(os.path.realpath(path))


class RunLock:
    """The locks of one run: ``with RunLock(folder, written, read):`` holds them for the block.

    ``folder`` holds the runs' lock files (a project's ``.minikedro/locks``); ``written`` and
    ``read`` are ``datasets_to_lock``'s answer. Entering raises ``RunLockError`` if another run
    holds conflicting locks, or with ``wait`` waits for it to end.
    """

    def __init__(self, folder: str | os.PathLike, written: dict[str, str],
                 read: dict[str, str], wait: bool = False) -> None:
        self.folder = Path(folder)
        self.path = self.folder / f"{os.getpid()}-{os.urandom(4).hex()}.json"
        self.wait = wait
        command = getattr(sys, "orig_argv", sys.argv)  # 3.10+: as typed, "python -m ..."
        self.record = {"pid": os.getpid(), "host": _host(), "command": shlex.join(command),
                       "since": None, "written": written, "read": read}

    def __repr__(self) -> str:
        return f"RunLock({str(self.path)!r}, wait={self.wait})"

    def __enter__(self) -> RunLock:
        """Take every lock at once, or none; with ``wait``, look again until they are free."""
        if not self.record["written"] and not self.record["read"]:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        waiting_for = ""
        try:
            while True:
                conflicts = self._take()
                if not conflicts:
                    return self
                if not self.wait:
                    raise RunLockError(conflicts)
                in_the_way = "; ".join(map(str, conflicts))
                if in_the_way != waiting_for:  # said again only when another run is in the way
                    logger.info("Waiting for another run of this project to end: %s", in_the_way)
                    waiting_for = in_the_way
                time.sleep(POLL_SECONDS)
        except BaseException:  # Ctrl-C right after the file was written
            self.__exit__()
            raise

    def __exit__(self, *exc_info: Any) -> None:
        """Give the locks back; nothing happens if they are not held."""
        if self.path.exists():
            with _mutex(self.folder / ".mutex"):  # Windows cannot delete a file being read
                self.path.unlink(missing_ok=True)

    def _take(self) -> list[Conflict]:
        """Write this run's lock file if no other run's conflicts; else return the conflicts."""
        written, used = self.record["written"], {**self.record["read"], **self.record["written"]}
        conflicts = []
        with _mutex(self.folder / ".mutex"):
            for path in sorted(self.folder.glob("*.json")):
                other = _read(path)
                if other["host"] == self.record["host"] and not _alive(other["pid"]):
                    logger.warning("Taking over the locks of a run that is no longer running: "
                                   "%s; removed %s", Conflict(path, other, {}, {}), path)
                    path.unlink()
                    continue
                writes = {key: used[key] for key in other["written"] if key in used}
                reads = {key: written[key] for key in other["read"] if key in written}
                if writes or reads:
                    conflicts.append(Conflict(path, other, writes, reads))
            if not conflicts:
                self.record["since"] = time.strftime("%Y-%m-%d %H:%M:%S")  # after any wait
                with atomic_write(self.path, "w", encoding="utf-8") as file:
                    json.dump(self.record, file, indent=1)
        return conflicts


def _host() -> str:
    """This machine's name; ``os.uname`` where there is one, as importing ``socket`` is slow."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _read(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if {"pid", "host", "command", "since", "written", "read"} <= record.keys():
            return record
    except (ValueError, AttributeError):
        pass
    raise ValueError(f"{path} is not a minikedro run lock: delete it if no run is going on")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs; on Windows, always assumed to."""
    if os.name == "nt":  # os.kill(pid, 0) would send it CTRL_C_EVENT
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


@contextlib.contextmanager
def _mutex(path: Path) -> Iterator[None]:
    """Hold an OS lock on ``path`` for the block; the OS drops it if this process dies."""
    with open(path, "a+b") as file:
        if os.name == "nt":
            file.seek(0)
            while True:
                with contextlib.suppress(OSError):  # LK_LOCK gives up after 10 tries
                    msvcrt.locking(file.fileno(), msvcrt.LK_LOCK, 1)
                    break
            try:
                yield
            finally:
                file.seek(0)
                msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)
            yield  # closing the file drops the lock
