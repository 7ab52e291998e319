"""Transcoding: one dataset read or written through several catalog entries.

Kedro lets ``my_data@json`` and ``my_data@text`` name two catalog entries
that point at the same file, so one node can save through the first and
another load through the second. To the pipeline both are the dataset
``my_data``: dependencies, free inputs and outputs, and uniqueness checks
use the name before the ``@`` (its *base*), while the catalog keeps the two
full names apart.

Public names: ``TRANSCODING_SEPARATOR``, ``strip_transcoding``,
``transcode_split`` (Kedro: ``kedro.pipeline.transcoding``).
"""

from __future__ import annotations

__all__ = ["TRANSCODING_SEPARATOR", "strip_transcoding", "transcode_split"]

TRANSCODING_SEPARATOR = "@"


def transcode_split(name: str) -> tuple[str, str]:
    """Split ``"base@format"`` into ``("base", "format")``; ``("name", "")`` without ``@``.

    Raises:
        ValueError: The name holds more than one ``@``.
    """
    base, separator, suffix = name.partition(TRANSCODING_SEPARATOR)
    if separator and TRANSCODING_SEPARATOR in suffix:
        raise ValueError(
            f"Expected maximum 1 transcoding separator, found {name.count('@')} "
            f"instead: '{name}'."
        )
    return base, suffix


def strip_transcoding(name: str) -> str:
    """Return the dataset name without its ``@format`` part.

    Raises:
        ValueError: The name holds more than one ``@``.
    """
    if TRANSCODING_SEPARATOR not in name:  # the common case, kept cheap
        return name
    return transcode_split(name)[0]


def bases_of(names: tuple[str, ...]) -> tuple[str, ...]:
    """Strip every name; return ``names`` itself when none is transcoded."""
    if TRANSCODING_SEPARATOR not in "".join(names):  # the common case, one C-level scan
        return names
    return tuple(strip_transcoding(name) for name in names)
