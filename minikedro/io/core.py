"""The dataset contract: ``AbstractDataset``, versioning, and helpers for writing datasets.

A dataset is an object with ``load()`` and ``save(data)``. Subclasses write
those two methods (plus ``_describe`` and, optionally, ``_exists`` and
``_release``); this module wraps them so that every failure reaches the
caller as a ``DatasetError`` naming the dataset, with the original error
chained as its ``__cause__``. Datasets written for Kedro 0.19, with
``_load``/``_save`` instead, work too: those become ``load``/``save``.

Versioned datasets keep every save: ``<filepath>/<version>/<filename>``,
where a version is a UTC timestamp such as ``2024-05-01T09.30.00.000Z``, so
that sorting version folder names sorts them by time. A version given instead
must be one plain folder name (``my_exact_version``, as in Kedro's docs):
``../..`` or ``a/b`` would reach outside the dataset's folder, so they are refused.

Public names: ``AbstractDataset``, ``AbstractVersionedDataset``, ``Version``,
``generate_timestamp``; re-exported as in Kedro: the errors of
``minikedro.io.errors`` (``DatasetError``, ...) and the path helpers of
``minikedro.io.filepaths`` (``get_protocol_and_path``, ``get_filepath_str``).

Kedro counterpart: ``kedro.io.core``.
"""

from __future__ import annotations

import abc
import contextlib
import copy
import functools
import os
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Any, Callable, Generic, Iterable, Iterator, NamedTuple, Optional, TypeVar

from minikedro.io.errors import (
    DatasetAlreadyExistsError,
    DatasetError,
    DatasetNotFoundError,
    VersionAlreadyExistsError,
    VersionNotFoundError,
)
from minikedro.io.filepaths import get_filepath_str, get_protocol_and_path

__all__ = [
    "AbstractDataset",
    "AbstractVersionedDataset",
    "DatasetAlreadyExistsError",
    "DatasetError",
    "DatasetNotFoundError",
    "Version",
    "VersionAlreadyExistsError",
    "VersionNotFoundError",
    "generate_timestamp",
    "get_filepath_str",
    "get_protocol_and_path",
]

_DI = TypeVar("_DI")  # the type ``save`` takes
_DO = TypeVar("_DO")  # the type ``load`` returns


class Version(NamedTuple):
    """The versions a versioned dataset loads and saves.

    ``load=None`` loads the newest saved version; ``save=None`` saves under
    a fresh timestamp from ``generate_timestamp()``.
    """

    load: Optional[str]
    save: Optional[str]


def generate_timestamp() -> str:
    """Return the current UTC time as a version string that sorts by time.

    Returns:
        A string like ``2024-05-01T09.30.00.123Z`` (Kedro's format: dots
        instead of colons, which some filesystems refuse).
    """
    now = datetime.now(tz=timezone.utc)
    return now.strftime("%Y-%m-%dT%H.%M.%S.") + f"{now.microsecond // 1000:03d}Z"


# A version becomes a folder name under the dataset's filepath: one plain name, like
# generate_timestamp()'s, so that "../.." or "a/b" cannot reach outside it.
_VERSION_FORMAT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _check_version(version: Any, which: str, dataset: str) -> None:
    """Refuse a load or save ``version`` that is not one plain folder name.

    Raises:
        ValueError: The message names ``dataset`` and the value, and shows the valid form.
    """
    if version is not None and not (isinstance(version, str) and _VERSION_FORMAT.fullmatch(version)):
        raise ValueError(
            f"{which} version {version!r} of dataset {dataset} is not a version: valid form is "
            f"one folder name of letters, digits, '_', '.' and '-', not starting with '.', such "
            f"as the timestamps minikedro writes ('2024-01-31T12.00.00.000Z')"
        )


def _wrap_load(load_func: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Turn any failure of a subclass's ``load`` into a ``DatasetError``."""

    @functools.wraps(load_func)
    def load(self: AbstractDataset) -> Any:
        with self._failures_reported("Failed while loading data from"):
            return load_func(self)

    load._dataset_wrapped = True  # type: ignore[attr-defined]
    return load


def _wrap_save(save_func: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Refuse ``None`` and turn any failure of ``save`` into a ``DatasetError``."""

    @functools.wraps(save_func)
    def save(self: AbstractDataset, data: Any) -> None:
        if data is None:
            raise DatasetError(
                f"Saving 'None' to a 'Dataset' is not allowed: dataset {self._label()} "
                "got None; return a value for every declared output.",
                dataset_name=self._dataset_name,
            )
        with self._failures_reported("Failed while saving data to"):
            save_func(self, data)

    save._dataset_wrapped = True  # type: ignore[attr-defined]
    return save


def _is_plain(value: Any) -> bool:
    """Whether ``value`` is what a catalog file could hold (paths and ``Version`` too)."""
    if isinstance(value, (str, bytes, int, float, type(None), PurePath)):
        return True
    if isinstance(value, (list, tuple)):  # Version is a tuple
        return all(map(_is_plain, value))
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_plain(item) for key, item in value.items())
    return False


def _record_init(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap ``__init__`` to keep its arguments, which ``DataCatalog.to_config`` writes out."""

    @functools.wraps(init)
    def __init__(self: AbstractDataset, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        # The outermost __init__ finishes last, so a subclass's arguments win.
        # Only configuration-like arguments are kept (False marks others): a
        # client or connection must not be held, nor travel when the dataset
        # is pickled; memory datasets keep none, their argument is the data.
        if not self._EPHEMERAL:
            try:
                self._init_args = (args, kwargs) if _is_plain((args, kwargs)) else False
            except AttributeError:  # a subclass with __slots__ and no __dict__
                pass

    __init__._dataset_wrapped = True  # type: ignore[attr-defined]
    return __init__


class AbstractDataset(abc.ABC, Generic[_DI, _DO]):
    """Base class of every dataset: subclasses implement ``load`` and ``save``.

    Write ``load(self)``, ``save(self, data)`` and ``_describe(self)`` (the
    constructor arguments worth showing in ``repr``); add ``_exists`` and
    ``_release`` when the dataset can answer or free something. Defining a
    subclass wraps its ``load`` and ``save`` so that callers only ever see
    ``DatasetError`` (the original error is its ``__cause__``), and so that
    ``save(None)`` is refused. A subclass written for Kedro 0.19 defines
    ``_load``/``_save`` instead; they are used as ``load``/``save``.

    Like Kedro's, the class is generic in the type ``save`` takes and the type
    ``load`` returns: ``class Images(AbstractDataset[list, list])`` works.

    ``_EPHEMERAL`` is True for datasets that keep data only in memory: a
    runner may release them early and cannot resume from them.
    ``_SINGLE_PROCESS = True`` marks a dataset that ``ParallelRunner`` must
    refuse (one that cannot work in another process even if it pickles).

    Example:
        >>> class Greeting(AbstractDataset):
        ...     def __init__(self, name):
        ...         self._name = name
        ...     def load(self):
        ...         return f"hello {self._name}"
        ...     def save(self, data):
        ...         raise NotImplementedError("read-only")
        ...     def _describe(self):
        ...         return {"name": self._name}
        >>> Greeting("ada").load()
        'hello ada'
        >>> repr(Greeting("ada")).endswith("Greeting(name='ada')")  # <module>.Greeting(...)
        True
    """

    _EPHEMERAL: bool = False
    _SINGLE_PROCESS: bool = False
    # The catalog name, set by from_config and DataCatalog so errors can say
    # which entry failed; None for a dataset used on its own.
    _dataset_name: Optional[str] = None
    # The constructor's (args, kwargs), recorded for DataCatalog.to_config
    # (see catalog_config.dataset_config); False if they were not plain data.
    _init_args: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only wrap methods this class defines itself: inherited ones are
        # wrapped already, and wrapping twice would only add a stack frame.
        own = cls.__dict__
        for public, legacy, wrap in (("load", "_load", _wrap_load), ("save", "_save", _wrap_save)):
            method = own.get(public) or own.get(legacy)
            if method is not None and not getattr(method, "_dataset_wrapped", False):
                setattr(cls, public, wrap(method))
        init = own.get("__init__")
        if init is not None and not getattr(init, "_dataset_wrapped", False):
            cls.__init__ = _record_init(init)  # type: ignore[method-assign]

    @classmethod
    def from_config(
        cls,
        name: str,
        config: dict[str, Any],
        load_version: str | None = None,
        save_version: str | None = None,
    ) -> AbstractDataset:
        """Create a dataset from one catalog entry such as ``{"type": "PickleDataset", ...}``.

        ``name`` appears in error messages; ``load_version``/``save_version``
        apply when the entry says ``versioned: true`` (None: the newest, and
        a fresh timestamp per save). See ``catalog_config.dataset_from_config``.

        Raises:
            DatasetError: The entry is invalid (the message names the entry
                and the key at fault) or the dataset's constructor failed.
        """
        # Imported here because catalog_config builds on this module.
        from minikedro.io.catalog_config import dataset_from_config

        return dataset_from_config(name, config, load_version, save_version)

    @abc.abstractmethod
    def load(self) -> _DO:
        """Load and return the data."""

    @abc.abstractmethod
    def save(self, data: _DI) -> None:
        """Save ``data``."""

    @abc.abstractmethod
    def _describe(self) -> dict[str, Any]:
        """Return the arguments that identify this dataset, for ``repr``."""

    def exists(self) -> bool:
        """Return whether there is data to load.

        Raises:
            DatasetError: The check itself failed.
        """
        with self._failures_reported("Failed during exists check for"):
            return self._exists()

    def _exists(self) -> bool:
        return False

    def release(self) -> None:
        """Free whatever the dataset holds (cached or in-memory data).

        Raises:
            DatasetError: Releasing failed.
        """
        with self._failures_reported("Failed during release for"):
            self._release()

    def _release(self) -> None:
        pass

    def __repr__(self) -> str:
        """Kedro's form: the class's full import path and the ``_describe()`` values."""
        kind = type(self)
        return f"{kind.__module__}.{kind.__qualname__}({self._described()})"

    def _described(self) -> str:
        """``key=value`` for each ``_describe()`` entry that is not None or an empty dict."""
        description = self._describe()
        if not isinstance(description, dict):
            return ""
        return ", ".join(
            f"{key}={value!r}"
            for key, value in description.items()
            if value is not None and not (isinstance(value, dict) and not value)
        )

    def _copy(self, **overrides: Any) -> AbstractDataset:
        """Return a shallow copy with some attributes replaced (e.g. ``_version``)."""
        twin = copy.copy(self)
        for attribute, value in overrides.items():
            setattr(twin, attribute, value)
        return twin

    def _label(self) -> str:
        """Name the dataset in an error message: ``'cars' (CSVDataset(...))``."""
        try:
            description = f"{type(self).__name__}({self._described()})"
        except Exception:  # a broken _describe must not hide the real error
            description = type(self).__name__
        if self._dataset_name is None:
            return description
        return f"'{self._dataset_name}' ({description})"

    @contextlib.contextmanager
    def _failures_reported(self, failure: str) -> Iterator[None]:
        """Re-raise any error as ``<failure> dataset <label>.\n<exc>`` (Kedro's wording).

        A ``DatasetError`` passes through unchanged, only gaining the dataset
        name if it lacked one; anything else becomes a ``DatasetError``
        chained to it.
        """
        try:
            yield
        except DatasetError as exc:
            if exc.dataset_name is None:
                exc.dataset_name = self._dataset_name
            raise
        except Exception as exc:
            message = f"{failure} dataset {self._label()}.\n{exc}"
            raise DatasetError(message, dataset_name=self._dataset_name) from exc


class AbstractVersionedDataset(AbstractDataset[_DI, _DO]):
    """Base class of file datasets that can keep every saved version.

    With ``version=None`` the data lives at ``filepath``. With a ``Version``
    each save goes to ``<filepath>/<version>/<filename>`` and never replaces
    an earlier one; a load reads the pinned ``version.load`` or the newest.
    Subclasses call ``_get_load_path()`` / ``_get_save_path()`` in their
    ``load`` / ``save``.

    Args:
        filepath: A local path (``str``, ``Path`` or ``PurePosixPath``).
        version: None for an unversioned file, else the versions to use.
        exists_function: Tells whether a path (str) exists; default: the
            local filesystem. Accepted for datasets written as in Kedro's docs.
        glob_function: Lists the paths (str) matching a glob pattern, used
            to find saved versions; default: the local filesystem.

    Raises:
        ValueError: ``filepath`` names a remote filesystem (``s3://...``).
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        version: Version | None,
        exists_function: Callable[[str], bool] | None = None,
        glob_function: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        path = os.fspath(filepath)
        if "://" in path:
            raise ValueError(
                f"filepath '{path}' names a remote filesystem; minikedro reads "
                "local files only (give a local path)."
            )
        self._filepath = Path(path)
        for which, value in zip(("load", "save"), version or ()):
            _check_version(value, which, f"'{path}'")
        self._version = version
        self._exists_function = exists_function
        self._glob_function = glob_function

    def _get_versioned_path(self, version: str) -> Path:
        return self._filepath / version / self._filepath.name

    def _path_exists(self, path: Path) -> bool:
        if self._exists_function is not None:
            return bool(self._exists_function(str(path)))
        return path.exists()

    def _saved_versions(self) -> Iterator[str]:
        """Yield the saved versions, newest first; a folder without the file is a save in progress."""
        if self._glob_function is not None:
            paths = self._glob_function(str(self._get_versioned_path("*")))
            found = {PurePath(path).parent.name for path in paths}
        else:
            try:
                found = set(os.listdir(self._filepath))
            except (FileNotFoundError, NotADirectoryError):
                return
        for version in sorted(found, reverse=True):
            if self._path_exists(self._get_versioned_path(version)):
                yield version

    def list_versions(self, full_path: bool = True) -> list[str]:
        """Every saved version, newest first.

        Args:
            full_path: True for the path of each version's file, False for
                the version names (timestamps).
        """
        versions = list(self._saved_versions())
        if not full_path:
            return versions
        return [str(self._get_versioned_path(version)) for version in versions]

    def resolve_load_version(self) -> str | None:
        """Return the version a load would read (None when unversioned).

        Raises:
            ValueError: The pinned version is not one plain folder name.
            VersionNotFoundError: Versioned, unpinned, and nothing saved yet.
        """
        if self._version is None:
            return None
        if self._version.load is not None:
            _check_version(self._version.load, "load", self._label())
            return self._version.load
        newest = next(self._saved_versions(), None)
        if newest is None:
            raise VersionNotFoundError(
                f"Did not find any saved version of dataset {self._label()} under "
                f"'{self._filepath}'; save it first or check the filepath.",
                dataset_name=self._dataset_name,
            )
        return newest

    def resolve_save_version(self) -> str | None:
        """Return the version the next save writes (None when unversioned).

        Raises:
            ValueError: The given version is not one plain folder name.
        """
        if self._version is None:
            return None
        _check_version(self._version.save, "save", self._label())
        return self._version.save or generate_timestamp()

    def _get_load_path(self) -> Path:
        """Return the file a load reads.

        Raises:
            VersionNotFoundError: The pinned or newest version is missing.
        """
        version = self.resolve_load_version()
        if version is None:
            return self._filepath
        path = self._get_versioned_path(version)
        if not self._path_exists(path):
            raise VersionNotFoundError(
                f"Version '{version}' of dataset {self._label()} not found: "
                f"no file at '{path}'.",
                dataset_name=self._dataset_name,
            )
        return path

    def _get_save_path(self, *, append: bool = False) -> Path:
        """Return the file a save writes, refusing to overwrite a version.

        Args:
            append: The save adds to the file (a generator node's chunks in
                ``mode: a``): the run's version may already exist.

        Raises:
            VersionAlreadyExistsError: That version is already saved.
            DatasetError: ``filepath`` is a plain file from before versioning.
        """
        version = self.resolve_save_version()
        if version is None:
            return self._filepath
        if self._filepath.is_file():
            raise DatasetError(
                f"Cannot save versioned dataset {self._label()}: '{self._filepath}' "
                "is a plain file, probably saved before versioning was enabled. Move "
                f"it to '{self._get_versioned_path(version)}' or remove it.",
                dataset_name=self._dataset_name,
            )
        if self._version.load is not None and self._version.load != version:
            warnings.warn(  # Kedro's warning: loads will not see what is saved
                f"Save version '{version}' did not match load version '{self._version.load}' "
                f"for {self._label()}. This is strongly discouraged due to inconsistencies "
                "it may cause between 'save' and 'load' operations.",
                UserWarning,
                stacklevel=4,
            )
        path = self._get_versioned_path(version)
        if self._path_exists(path) and not append:
            raise VersionAlreadyExistsError(
                f"Version '{version}' of dataset {self._label()} is already saved at "
                f"'{path}'; versioned saves never overwrite. Save under a new version.",
                dataset_name=self._dataset_name,
            )
        return path

    def _exists(self) -> bool:
        try:
            return self._path_exists(self._get_load_path())
        except VersionNotFoundError:
            return False
