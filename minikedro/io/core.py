"""The dataset contract: ``AbstractDataset``, versioning and the dataset errors.

A dataset is an object with ``load()`` and ``save(data)``. Subclasses write
those two methods (plus ``_describe`` and, optionally, ``_exists`` and
``_release``); this module wraps them so that every failure reaches the
caller as a ``DatasetError`` naming the dataset, with the original error
chained as its ``__cause__``.

Versioned datasets keep every save: ``<filepath>/<version>/<filename>``,
where a version is a UTC timestamp such as ``2024-05-01T09.30.00.000Z``, so
that sorting version folder names sorts them by time.

Public names: ``AbstractDataset``, ``AbstractVersionedDataset``, ``Version``,
``generate_timestamp``, ``DatasetError``, ``DatasetNotFoundError``,
``DatasetAlreadyExistsError``, ``VersionNotFoundError``,
``VersionAlreadyExistsError``.

Kedro counterpart: ``kedro.io.core``.
"""

from __future__ import annotations

import abc
import copy
import functools
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

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
]


class DatasetError(Exception):
    """A dataset failed to load, save, check or release, or is misconfigured.

    Attributes:
        dataset_name: The catalog name of the dataset at fault, when known.
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


def _wrap_load(load_func: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Turn any failure of a subclass's ``load`` into a ``DatasetError``."""

    @functools.wraps(load_func)
    def load(self: AbstractDataset) -> Any:
        try:
            return load_func(self)
        except DatasetError as exc:
            self._add_name(exc)
            raise
        except Exception as exc:
            raise self._error("Failed while loading data from", exc) from exc

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
        try:
            save_func(self, data)
        except DatasetError as exc:
            self._add_name(exc)
            raise
        except Exception as exc:
            raise self._error("Failed while saving data to", exc) from exc

    save._dataset_wrapped = True  # type: ignore[attr-defined]
    return save


class AbstractDataset(abc.ABC):
    """Base class of every dataset: subclasses implement ``load`` and ``save``.

    Write ``load(self)``, ``save(self, data)`` and ``_describe(self)`` (the
    constructor arguments worth showing in ``repr``); add ``_exists`` and
    ``_release`` when the dataset can answer or free something. Defining a
    subclass wraps its ``load`` and ``save`` so that callers only ever see
    ``DatasetError`` (the original error is its ``__cause__``), and so that
    ``save(None)`` is refused.

    ``_EPHEMERAL`` is True for datasets that keep data only in memory: a
    runner may release them early and cannot resume from them.

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
        >>> Greeting("ada")
        Greeting(name='ada')
    """

    _EPHEMERAL: bool = False
    # The catalog name, set by from_config and DataCatalog so errors can say
    # which entry failed; None for a dataset used on its own.
    _dataset_name: Optional[str] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only wrap methods this class defines itself: inherited ones are
        # wrapped already, and wrapping twice would only add a stack frame.
        own = cls.__dict__
        if "load" in own and not getattr(own["load"], "_dataset_wrapped", False):
            cls.load = _wrap_load(own["load"])  # type: ignore[method-assign]
        if "save" in own and not getattr(own["save"], "_dataset_wrapped", False):
            cls.save = _wrap_save(own["save"])  # type: ignore[method-assign]

    @classmethod
    def from_config(
        cls,
        name: str,
        config: dict[str, Any],
        load_version: str | None = None,
        save_version: str | None = None,
    ) -> AbstractDataset:
        """Create a dataset from one catalog entry such as ``{"type": "PickleDataset", ...}``.

        Args:
            name: The entry's name, used in error messages and kept on the dataset.
            config: ``type`` (a built-in name, a kedro-datasets name such as
                ``pickle.PickleDataset``, or a dotted import path), an
                optional ``versioned: true``, and the constructor arguments.
            load_version: The version to load when the entry is versioned
                (None: the newest).
            save_version: The version to save under when the entry is
                versioned (None: a fresh timestamp per save).

        Returns:
            The new dataset.

        Raises:
            DatasetError: The entry is invalid (the message names the entry
                and the key at fault) or the dataset's constructor failed.
        """
        # Imported here because catalog_config builds on this module.
        from minikedro.io.catalog_config import dataset_from_config

        return dataset_from_config(name, config, load_version, save_version)

    @abc.abstractmethod
    def load(self) -> Any:
        """Load and return the data."""

    @abc.abstractmethod
    def save(self, data: Any) -> None:
        """Save ``data``."""

    @abc.abstractmethod
    def _describe(self) -> dict[str, Any]:
        """Return the arguments that identify this dataset, for ``repr``."""

    def exists(self) -> bool:
        """Return whether there is data to load.

        Raises:
            DatasetError: The check itself failed.
        """
        try:
            return self._exists()
        except DatasetError as exc:
            self._add_name(exc)
            raise
        except Exception as exc:
            raise self._error("Failed during exists check for", exc) from exc

    def _exists(self) -> bool:
        return False

    def release(self) -> None:
        """Free whatever the dataset holds (cached or in-memory data).

        Raises:
            DatasetError: Releasing failed.
        """
        try:
            self._release()
        except DatasetError as exc:
            self._add_name(exc)
            raise
        except Exception as exc:
            raise self._error("Failed during release for", exc) from exc

    def _release(self) -> None:
        pass

    def __repr__(self) -> str:
        shown = (
            f"{key}={value!r}"
            for key, value in self._describe().items()
            if value is not None and not (isinstance(value, dict) and not value)
        )
        return f"{type(self).__name__}({', '.join(shown)})"

    def _copy(self, **overrides: Any) -> AbstractDataset:
        """Return a shallow copy with some attributes replaced (e.g. ``_version``)."""
        twin = copy.copy(self)
        for attribute, value in overrides.items():
            setattr(twin, attribute, value)
        return twin

    def _label(self) -> str:
        """Name the dataset in an error message: ``'cars' (CSVDataset(...))``."""
        try:
            description = repr(self)
        except Exception:  # a broken _describe must not hide the real error
            description = type(self).__name__
        if self._dataset_name is None:
            return description
        return f"'{self._dataset_name}' ({description})"

    def _error(self, failure: str, exc: Exception) -> DatasetError:
        """Wrap ``exc`` as ``<failure> dataset <label>.\n<exc>`` (Kedro's wording)."""
        return DatasetError(f"{failure} dataset {self._label()}.\n{exc}", dataset_name=self._dataset_name)

    def _add_name(self, exc: DatasetError) -> None:
        """Fill in ``exc.dataset_name`` on a DatasetError passing through."""
        if exc.dataset_name is None:
            exc.dataset_name = self._dataset_name


class AbstractVersionedDataset(AbstractDataset):
    """Base class of file datasets that can keep every saved version.

    With ``version=None`` the data lives at ``filepath``. With a ``Version``
    each save goes to ``<filepath>/<version>/<filename>`` and never replaces
    an earlier one; a load reads the pinned ``version.load`` or the newest.
    Subclasses call ``_get_load_path()`` / ``_get_save_path()`` in their
    ``load`` / ``save``.
    """

    def __init__(self, filepath: str | os.PathLike, version: Version | None) -> None:
        path = os.fspath(filepath)
        if "://" in path:
            raise ValueError(
                f"filepath '{path}' names a remote filesystem; minikedro reads "
                "local files only (give a local path)."
            )
        self._filepath = Path(path)
        self._version = version

    def _get_versioned_path(self, version: str) -> Path:
        return self._filepath / version / self._filepath.name

    def resolve_load_version(self) -> str | None:
        """Return the version a load would read (None when unversioned).

        Raises:
            VersionNotFoundError: Versioned, unpinned, and nothing saved yet.
        """
        if self._version is None:
            return None
        if self._version.load is not None:
            return self._version.load
        try:
            # Newest first; a folder without the file is a save in progress.
            for version in sorted(os.listdir(self._filepath), reverse=True):
                if self._get_versioned_path(version).exists():
                    return version
        except (FileNotFoundError, NotADirectoryError):
            pass
        raise VersionNotFoundError(
            f"Did not find any saved version of dataset {self._label()} under "
            f"'{self._filepath}'; save it first or check the filepath.",
            dataset_name=self._dataset_name,
        )

    def resolve_save_version(self) -> str | None:
        """Return the version the next save writes (None when unversioned)."""
        if self._version is None:
            return None
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
        if not path.exists():
            raise VersionNotFoundError(
                f"Version '{version}' of dataset {self._label()} not found: "
                f"no file at '{path}'.",
                dataset_name=self._dataset_name,
            )
        return path

    def _get_save_path(self) -> Path:
        """Return the file a save writes, refusing to overwrite a version.

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
        path = self._get_versioned_path(version)
        if path.exists():
            raise VersionAlreadyExistsError(
                f"Version '{version}' of dataset {self._label()} is already saved at "
                f"'{path}'; versioned saves never overwrite. Save under a new version.",
                dataset_name=self._dataset_name,
            )
        return path

    def _exists(self) -> bool:
        try:
            return self._get_load_path().exists()
        except VersionNotFoundError:
            return False
