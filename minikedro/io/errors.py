"""The dataset errors, with Kedro's names; each carries the dataset's catalog name.

Public names: ``DatasetError``, ``DatasetNotFoundError``,
``DatasetAlreadyExistsError``, ``VersionNotFoundError``,
``VersionAlreadyExistsError`` (also importable from ``minikedro.io.core``
and ``minikedro.io``, as in Kedro's ``kedro.io.core``).
"""

from __future__ import annotations

__all__ = [
    "DatasetAlreadyExistsError",
    "DatasetError",
    "DatasetNotFoundError",
    "VersionAlreadyExistsError",
    "VersionNotFoundError",
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
