"""The dataset contract: errors, ``AbstractDataset``, versions.

A subclass of ``AbstractDataset`` writes ``load()``, ``save(data)`` and
``_describe()``, and may write ``_exists()`` and ``_release()``. The methods it
writes are the methods that run: nothing rewraps them. A failure becomes a
``DatasetError`` naming the dataset where the catalog calls it
(``DataCatalog.load``/``save``) and in ``exists()``/``release()`` here.

A versioned dataset keeps every save at ``<filepath>/<version>/<filename>``;
a version is one plain folder name, such as the UTC timestamps
``generate_timestamp`` writes (``2024-05-01T09.30.00.000Z``, sorting by time).

Public names: the errors (``DatasetError`` and four subclasses),
``AbstractDataset``, ``AbstractVersionedDataset``, ``Version``,
``generate_timestamp``, ``is_parameter``; Kedro's path helpers ``get_protocol_and_path`` and
``get_filepath_str`` are importable from here too (they live in ``compat``).

Kedro counterpart: ``kedro.io.core``.
"""

from __future__ import annotations

import abc
import copy
import os
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Any, Callable, Generic, Iterable, Iterator, NamedTuple, Optional, TypeVar

__all__ = [
    "AbstractDataset", "AbstractVersionedDataset", "DatasetAlreadyExistsError", "DatasetError",
    "DatasetNotFoundError", "Version", "VersionAlreadyExistsError", "VersionNotFoundError",
    "generate_timestamp", "is_parameter",
]

_DI = TypeVar("_DI")  # the type ``save`` takes
_DO = TypeVar("_DO")  # the type ``load`` returns


class DatasetError(Exception):
    """A dataset failed to load, save, check or release, or is misconfigured.

    ``dataset_name`` is the catalog name of the dataset at fault, when known.
    """

    def __init__(self, message: str = "", *, dataset_name: str | None = None):
        super().__init__(message)
        self.dataset_name = dataset_name


class DatasetNotFoundError(DatasetError):
    """A catalog was asked for a dataset name it does not know."""


class DatasetAlreadyExistsError(DatasetError):
    """A dataset name was given twice where only one dataset can hold it."""


class VersionNotFoundError(DatasetError):
    """A versioned dataset has no saved version to load (or not the pinned one)."""


class VersionAlreadyExistsError(DatasetError):
    """A versioned save would overwrite a version that is already saved."""


class Version(NamedTuple):
    """The versions to load (None: the newest) and save (None: a fresh timestamp)."""

    load: Optional[str]
    save: Optional[str]


def generate_timestamp() -> str:
    """The UTC time as a version that sorts by time: ``2024-05-01T09.30.00.123Z`` (as Kedro)."""
    now = datetime.now(tz=timezone.utc)
    return now.strftime("%Y-%m-%dT%H.%M.%S.") + f"{now.microsecond // 1000:03d}Z"


def is_parameter(dataset_name: str) -> bool:
    """Whether a dataset name is a parameter: ``parameters`` or ``params:<key>`` (as Kedro)."""
    return dataset_name == "parameters" or dataset_name.startswith("params:")


_VERSION_FORMAT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")  # one folder name, no ".."


def _check_version(version: Any, which: str, dataset: str) -> None:
    """Raise ``ValueError`` if ``version`` (to ``which``: load or save) is not one folder name."""
    if version is not None and not (isinstance(version, str) and _VERSION_FORMAT.fullmatch(version)):
        raise ValueError(
            f"{which} version {version!r} of dataset {dataset} is not a version: valid form is "
            f"one folder name of letters, digits, '_', '.' and '-', not starting with '.', such "
            f"as the timestamps minikedro writes ('2024-01-31T12.00.00.000Z')"
        )


def _is_plain(value: Any) -> bool:
    """Whether ``value`` is what a catalog file could hold (paths and ``Version`` too)."""
    if isinstance(value, (str, bytes, int, float, type(None), PurePath)):
        return True
    if isinstance(value, (list, tuple)):
        return all(map(_is_plain, value))
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_plain(item) for key, item in value.items())
    return False


def _failure(dataset: AbstractDataset, action: str, error: Exception, name: str | None = None) -> DatasetError:
    """``<action> dataset <label>.\\n<error>`` (Kedro's wording), to raise ``from error``."""
    return DatasetError(f"{action} dataset {dataset._label()}.\n{error}",
                        dataset_name=name or dataset._dataset_name)


class AbstractDataset(abc.ABC, Generic[_DI, _DO]):
    """Base class of every dataset: subclasses implement ``load``, ``save`` and ``_describe``.

    Generic like Kedro's in the type ``save`` takes and the type ``load``
    returns: ``class Images(AbstractDataset[list, list])``. ``_EPHEMERAL = True``
    marks data kept only in memory (a runner may release it early and cannot
    resume from it); ``_SINGLE_PROCESS = True`` a dataset ``ParallelRunner`` refuses.
    ``MemoryDataset`` (``memory_dataset.py``) is the smallest complete example.
    """

    _EPHEMERAL: bool = False
    _SINGLE_PROCESS: bool = False
    _dataset_name: Optional[str] = None  # the catalog name, for error messages
    _init_args: Any = None  # the constructor's (args, kwargs), for DataCatalog.to_config

    def __new__(cls, *args: Any, **kwargs: Any) -> AbstractDataset:
        # Keep the constructor's arguments so DataCatalog.to_config can write the dataset
        # back out as a catalog entry. Only plain data is kept (False marks others): a
        # client or connection must not be held, nor travel when the dataset is pickled.
        # Memory datasets keep none: their argument is the data.
        self = super().__new__(cls)
        if not cls._EPHEMERAL:
            self._init_args = (args, kwargs) if _is_plain((args, kwargs)) else False
        return self

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], load_version: str | None = None,
                    save_version: str | None = None) -> AbstractDataset:
        """Create a dataset from one catalog entry such as ``{"type": "PickleDataset", ...}``.

        Raises ``DatasetError`` naming ``name`` and the key at fault, or the failing constructor.
        """
        from minikedro.io.catalog_config import dataset_from_config  # only configuration needs it

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
        """Return whether there is data to load; a failing check raises ``DatasetError``."""
        try:
            return self._exists()
        except DatasetError:
            raise
        except Exception as error:
            raise _failure(self, "Failed during exists check for", error) from error

    def _exists(self) -> bool:
        return False

    def release(self) -> None:
        """Free what the dataset holds (cached or in-memory data); failing raises ``DatasetError``."""
        try:
            self._release()
        except DatasetError:
            raise
        except Exception as error:
            raise _failure(self, "Failed during release for", error) from error

    def _release(self) -> None:
        pass

    def __repr__(self) -> str:
        """Kedro's form: the class's full import path and the ``_describe()`` values."""
        return f"{type(self).__module__}.{type(self).__qualname__}({self._described()})"

    def _described(self) -> str:
        """``key=value`` for each ``_describe()`` entry that is not None or an empty dict."""
        description = self._describe()
        if not isinstance(description, dict):
            return ""
        return ", ".join(f"{key}={value!r}" for key, value in description.items()
                         if value is not None and not (isinstance(value, dict) and not value))

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
        return description if self._dataset_name is None else f"'{self._dataset_name}' ({description})"


class AbstractVersionedDataset(AbstractDataset[_DI, _DO]):
    """Base class of file datasets that can keep every saved version.

    With ``version=None`` the data lives at ``filepath``. With a ``Version``
    each save goes to ``<filepath>/<version>/<filename>`` and never replaces
    an earlier one; a load reads the pinned ``version.load`` or the newest.
    Subclasses read ``self._get_load_path()`` and write ``self._get_save_path()``.

    Args:
        filepath: A local path (``str``, ``Path`` or ``PurePosixPath``).
        version: None for an unversioned file, else the versions to use.
        exists_function, glob_function: Whether a path exists, and the paths
            matching a glob pattern (Kedro's guide passes them); default: the disk.

    Raises ``ValueError`` for a remote ``filepath`` (``s3://...``) or a bad version.
    """

    def __init__(self, filepath: str | os.PathLike, version: Version | None,
                 exists_function: Callable[[str], bool] | None = None,
                 glob_function: Callable[[str], Iterable[str]] | None = None) -> None:
        path = os.fspath(filepath)
        if "://" in path:
            raise ValueError(f"filepath '{path}' names a remote filesystem; minikedro reads "
                             "local files only (give a local path).")
        for which, value in zip(("load", "save"), version or ()):
            _check_version(value, which, f"'{path}'")
        self._filepath = Path(path)
        self._version = version
        self._exists_function = exists_function
        self._glob_function = glob_function

    def _get_versioned_path(self, version: str) -> Path:
        return self._filepath / version / self._filepath.name

    def _path_exists(self, path: Path) -> bool:
        return bool(self._exists_function(str(path))) if self._exists_function else path.exists()

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
        """Every saved version, newest first: the version's file path, or (``full_path=False``) its name."""
        versions = list(self._saved_versions())
        return [str(self._get_versioned_path(v)) for v in versions] if full_path else versions

    def resolve_load_version(self) -> str | None:
        """Return the version a load would read: None when unversioned, else pinned or newest.

        Raises ``ValueError`` for a pinned version that is not one folder name, and
        ``VersionNotFoundError`` when nothing is saved yet.
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
                dataset_name=self._dataset_name)
        return newest

    def resolve_save_version(self) -> str | None:
        """Return the version the next save writes (None when unversioned); see ``_check_version``."""
        if self._version is None:
            return None
        _check_version(self._version.save, "save", self._label())
        return self._version.save or generate_timestamp()

    def _get_load_path(self) -> Path:
        """Return the file a load reads; ``VersionNotFoundError`` if it is missing."""
        version = self.resolve_load_version()
        if version is None:
            return self._filepath
        path = self._get_versioned_path(version)
        if not self._path_exists(path):
            raise VersionNotFoundError(
                f"Version '{version}' of dataset {self._label()} not found: no file at '{path}'.",
                dataset_name=self._dataset_name)
        return path

    def _get_save_path(self, *, append: bool = False) -> Path:
        """Return the file a save writes; ``append`` (chunks in ``mode: a``) may reuse a version.

        Raises ``VersionAlreadyExistsError`` if the version is saved already, and
        ``DatasetError`` if ``filepath`` is a plain file from before versioning.
        """
        version = self.resolve_save_version()
        if version is None:
            return self._filepath
        path = self._get_versioned_path(version)
        if self._filepath.is_file():
            raise DatasetError(
                f"Cannot save versioned dataset {self._label()}: '{self._filepath}' is a plain "
                f"file, probably saved before versioning was enabled. Move it to '{path}' or "
                "remove it.", dataset_name=self._dataset_name)
        if self._version.load is not None and self._version.load != version:
            warnings.warn(  # Kedro's warning: loads will not see what is saved
                f"Save version '{version}' did not match load version '{self._version.load}' "
                f"for {self._label()}. This is strongly discouraged due to inconsistencies "
                "it may cause between 'save' and 'load' operations.", UserWarning, stacklevel=3)
        if self._path_exists(path) and not append:
            raise VersionAlreadyExistsError(
                f"Version '{version}' of dataset {self._label()} is already saved at "
                f"'{path}'; versioned saves never overwrite. Save under a new version.",
                dataset_name=self._dataset_name)
        return path

    def _exists(self) -> bool:
        try:
            return self._path_exists(self._get_load_path())
        except VersionNotFoundError:
            return False


def __getattr__(name: str) -> Any:
    # Kedro's custom-dataset guide imports these from kedro.io.core; they live in compat.
    if name in ("get_filepath_str", "get_protocol_and_path"):
        from minikedro.io import compat

        return getattr(compat, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
