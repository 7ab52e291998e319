"""A project's logging configuration (a ``logging.config.dictConfig`` dict), found and applied as
``kedro run`` does.

Public names: ``find_logging_config``, ``apply_logging_config``.

Kedro's template logs through ``kedro.logging.RichHandler`` (after the rename,
``minikedro.logging.RichHandler``): that, and ``rich.logging.RichHandler`` when
Rich is not installed, becomes a ``StreamHandler`` on stderr. Relative log file
names are made absolute against the project folder.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minikedro.framework.config_files import CONFIG_EXTENSIONS, MissingConfigException, read_config_file

__all__ = ["apply_logging_config", "find_logging_config"]

_RICH_HANDLERS = ("minikedro.logging.RichHandler", "kedro.logging.RichHandler")
_PLAIN_HANDLER_KEYS = ("class", "level", "formatter", "filters", "stream")
_RICH_LIKE_FORMATTER = "minikedro_rich_like"  # what a Rich handler shows: time, level, message
_RICH_LIKE_FORMAT = "[%(asctime)s] %(levelname)-8s %(message)s"


def find_logging_config(conf_source: str | os.PathLike, loader: Mapping) -> tuple[dict, str]:
    """The project's logging configuration and where it came from; ``({}, "")`` if none.

    The first found wins: the file ``$MINIKEDRO_LOGGING_CONFIG`` (or Kedro's
    ``$KEDRO_LOGGING_CONFIG``) names, ``<conf_source>/logging.*`` (where Kedro's
    template keeps it), then ``loader["logging"]``: the environments' ``logging*`` files.

    Raises:
        MissingConfigException: The environment variable names a missing file.
    """
    for variable in ("MINIKEDRO_LOGGING_CONFIG", "KEDRO_LOGGING_CONFIG"):
        named = os.environ.get(variable)
        if named:
            if not Path(named).is_file():
                raise MissingConfigException(f"${variable} names {named}, which does not exist")
            return read_config_file(named), named
    for suffix in CONFIG_EXTENSIONS:
        path = Path(conf_source) / f"logging{suffix}"
        if path.is_file():
            return read_config_file(path), str(path)
    config = loader.get("logging") or {}
    return config, f"the logging files of {conf_source}" if config else ""


def _plain_handler(handler: Any, project_path: Path) -> Any:
    """A handler's config with Rich swapped for a stream handler and log files made absolute."""
    if not isinstance(handler, Mapping):
        return handler
    handler = dict(handler)
    kind = handler.get("class")
    if kind in _RICH_HANDLERS or (kind == "rich.logging.RichHandler"
                                  and importlib.util.find_spec("rich") is None):
        handler = {k: v for k, v in handler.items() if k in _PLAIN_HANDLER_KEYS}
        handler["class"] = "logging.StreamHandler"
        handler.setdefault("formatter", _RICH_LIKE_FORMATTER)
    filename = handler.get("filename")
    if isinstance(filename, str) and not Path(filename).is_absolute():
        handler["filename"] = str(project_path / filename)
    return handler


def apply_logging_config(config: Mapping[str, Any], origin: str, project_path: Path) -> None:
    """Configure logging from what ``find_logging_config`` found at ``origin``.

    Raises:
        ValueError: ``dictConfig`` rejects it; the message names ``origin``.
    """
    import logging.config

    config = {"version": 1, "disable_existing_loggers": False, **config}
    if isinstance(config.get("handlers"), Mapping):
        config["handlers"] = {name: _plain_handler(handler, project_path)
                              for name, handler in config["handlers"].items()}
        config["formatters"] = {_RICH_LIKE_FORMATTER: {"format": _RICH_LIKE_FORMAT},
                                **(config.get("formatters") or {})}
    try:
        logging.config.dictConfig(config)
    except (ValueError, TypeError, AttributeError, ImportError) as exc:
        raise ValueError(f"bad logging configuration in {origin}: {exc}") from exc
