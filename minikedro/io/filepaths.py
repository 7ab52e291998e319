"""Path helpers for custom datasets written as in Kedro's "create a custom dataset" guide.

Kedro's datasets reach many filesystems through ``fsspec``; minikedro's read
local files only, but a custom dataset may still split and rebuild paths the
way Kedro's guide shows, so these two functions keep their Kedro behaviour.

Public names: ``get_protocol_and_path``, ``get_filepath_str`` (also importable
from ``minikedro.io.core``, like Kedro's ``kedro.io.core``).
"""

from __future__ import annotations

import os
from pathlib import PurePath
from typing import TYPE_CHECKING

from minikedro.io.errors import DatasetError

if TYPE_CHECKING:
    from minikedro.io.core import Version

__all__ = ["get_filepath_str", "get_protocol_and_path"]

_HTTP = ("http", "https")


def get_protocol_and_path(
    filepath: str | os.PathLike, version: Version | None = None
) -> tuple[str, str]:
    """Split ``"s3://bucket/x.csv"`` into ``("s3", "bucket/x.csv")``; a local path gives ``"file"``.

    Raises:
        DatasetError: An http(s) path with a version (HTTP cannot be versioned).
    """
    path = os.fspath(filepath)
    protocol, separator, rest = path.partition("://")
    if not separator:
        return "file", path
    if protocol in _HTTP and version is not None:
        raise DatasetError(
            "Versioning is not supported for HTTP protocols. "
            "Please remove the `versioned` flag from the dataset configuration."
        )
    return protocol, rest


def get_filepath_str(raw_path: PurePath | str, protocol: str) -> str:
    """Return the path as a POSIX string, with ``protocol://`` put back for http(s)."""
    path = PurePath(raw_path).as_posix()
    return f"{protocol}://{path}" if protocol in _HTTP else path
