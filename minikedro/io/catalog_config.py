"""Turn one catalog entry (a plain dict from TOML/JSON/YAML) into a dataset, and back.

One catalog entry looks like ``{"type": "CSVDataset", "filepath": "...",
"versioned": True, "credentials": "db"}``. This module checks entries before
any dataset is used, so a mistake is reported up front with the entry and
the key at fault:

- ``type`` is a built-in class name, a kedro-datasets name with the same
  meaning (``pickle.PickleDataset``), or the dotted import path of any
  ``AbstractDataset`` subclass (``mypkg.datasets.MyDataset``);
- the remaining keys must be arguments of that class's constructor, and
  every required argument must be there (checked with ``inspect.signature``);
- ``credentials: <name>`` (at any depth) is replaced by that entry of the
  credentials mapping.

``dataset_config`` goes the other way, for ``DataCatalog.to_config``: the
entry that rebuilds a dataset built in code. Patterns (``"{name}_csv"``) and
the whole-catalog configuration live in ``catalog_config_resolver.py``.

Public names: ``BUILTIN_TYPES``, ``ConfigProblem``, ``DatasetEntry``,
``dataset_config``, ``dataset_from_config``, ``parse_entry``,
``resolve_credentials``, ``resolve_type``.

Kedro counterpart: ``parse_dataset_definition`` and
``AbstractDataset.from_config``/``_init_config`` in ``kedro.io.core``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from minikedro.io.core import AbstractDataset, AbstractVersionedDataset, DatasetError, Version

__all__ = [
    "BUILTIN_TYPES",
    "ConfigProblem",
    "DatasetEntry",
    "dataset_config",
    "dataset_from_config",
    "parse_entry",
    "resolve_credentials",
    "resolve_type",
]

logger = logging.getLogger(__name__)

# Import paths, not classes: the file datasets are imported on first use only.
BUILTIN_TYPES = {
    "CSVDataset": "minikedro.datasets.csv_dataset.CSVDataset",
    "CachedDataset": "minikedro.io.cached_dataset.CachedDataset",
    "JSONDataset": "minikedro.datasets.json_dataset.JSONDataset",
    "MemoryDataset": "minikedro.io.memory_dataset.MemoryDataset",
    "PickleDataset": "minikedro.datasets.pickle_dataset.PickleDataset",
    "SQLiteQueryDataset": "minikedro.datasets.sqlite_dataset.SQLiteQueryDataset",
    "SQLiteTableDataset": "minikedro.datasets.sqlite_dataset.SQLiteTableDataset",
    "SharedMemoryDataset": "minikedro.io.shared_memory_dataset.SharedMemoryDataset",
    "TextDataset": "minikedro.datasets.text_dataset.TextDataset",
}
# kedro-datasets names whose meaning ours keep. pandas.CSVDataset is not
# here: it yields a DataFrame, and ours yields a list of dicts.
_KEDRO_DATASETS_NAMES = {
    "json.JSONDataset": "JSONDataset",
    "pickle.PickleDataset": "PickleDataset",
    "text.TextDataset": "TextDataset",
}


class ConfigProblem(Exception):
    """One thing wrong with one catalog entry: which key, and what."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key = key
        self.message = message

    def describe(self, entry: str) -> str:
        where = f"Catalog entry '{entry}'" + (f", key '{self.key}'" if self.key else "")
        return f"{where}: {self.message}"


def resolve_type(type_name: Any) -> type:
    """Return the dataset class a config ``type`` names.

    Raises:
        ConfigProblem: The name matches nothing importable, or not a dataset class.
    """
    if isinstance(type_name, type):
        found: Any = type_name
    elif not isinstance(type_name, str):
        raise ConfigProblem("type", f"expected a class name, got {type(type_name).__name__}")
    else:
        # "kedro_datasets.json.JSONDataset" is "json.JSONDataset" (also after
        # a blanket kedro -> minikedro rename).
        short = type_name.split("kedro_datasets.", 1)[-1] if "kedro_datasets." in type_name else type_name
        path = BUILTIN_TYPES.get(_KEDRO_DATASETS_NAMES.get(short, short), type_name)
        module_name, _, class_name = path.rpartition(".")
        try:
            if not module_name:
                raise LookupError("not a built-in type")
            found = getattr(importlib.import_module(module_name), class_name)
        except Exception as exc:  # import errors, AttributeError, a failing module
            raise ConfigProblem(
                "type",
                f"unknown dataset type '{type_name}' ({exc}). Use a built-in type "
                f"({', '.join(BUILTIN_TYPES)}), a kedro-datasets name "
                f"({', '.join(_KEDRO_DATASETS_NAMES)}), or the dotted import path "
                "of an AbstractDataset subclass such as 'mypkg.datasets.MyDataset'.",
            ) from exc
    if not (isinstance(found, type) and issubclass(found, AbstractDataset)):
        raise ConfigProblem("type", f"'{type_name}' is not an AbstractDataset subclass")
    return found


class DatasetEntry(NamedTuple):
    """A checked catalog entry: the class, its arguments, and the versioned flag."""

    dataset_type: type
    kwargs: dict
    versioned: bool

    def create(
        self, name: str, load_version: str | None = None, save_version: str | None = None
    ) -> AbstractDataset:
        """Instantiate the dataset, name it ``name``, and log its file's resolved path at DEBUG.

        Raises:
            DatasetError: The constructor failed (the message names the entry).
        """
        kwargs = self.kwargs
        if self.versioned:
            kwargs = {**kwargs, "version": Version(load_version, save_version)}
        try:
            dataset = self.dataset_type(**kwargs)
        except Exception as exc:
            raise DatasetError(
                f"Catalog entry '{name}': {self.dataset_type.__name__} could not be "
                f"created: {exc}",
                dataset_name=name,
            ) from exc
        dataset._dataset_name = name
        filepath = getattr(dataset, "_filepath", None)
        if isinstance(filepath, (str, os.PathLike)):  # it may lie outside the project: say where
            logger.debug("Dataset '%s' (%s) uses %s", name, self.dataset_type.__name__,
                         os.path.realpath(filepath))
        return dataset


def parse_entry(config: Any) -> DatasetEntry:
    """Check one entry's type, versioning and argument names.

    Raises:
        ConfigProblem: The first problem found.
    """
    if not isinstance(config, Mapping):
        raise ConfigProblem(
            None,
            f"expected a mapping of dataset arguments, got {type(config).__name__}. "
            "Prefix the name with '_' if it is not a dataset (e.g. a shared template).",
        )
    if "type" not in config:
        raise ConfigProblem("type", "missing; every entry needs a dataset type such as 'PickleDataset'")
    kwargs = dict(config)
    dataset_type = resolve_type(kwargs.pop("type"))
    versioned = kwargs.pop("versioned", False)
    if not isinstance(versioned, bool):
        raise ConfigProblem("versioned", f"expected true or false, got {versioned!r}")
    if versioned and not (issubclass(dataset_type, AbstractVersionedDataset)  # or a wrapper:
                          or "version" in inspect.signature(dataset_type).parameters):
        raise ConfigProblem("versioned", f"{dataset_type.__name__} does not support versioning")
    if "version" in kwargs:
        raise ConfigProblem("version", "reserved; set 'versioned: true' and pass load_versions instead")
    _check_arguments(dataset_type, kwargs, versioned)
    return DatasetEntry(dataset_type, kwargs, versioned)


class _Arguments(NamedTuple):
    """What a constructor accepts by keyword."""

    names: frozenset  # every keyword argument except ``version``
    required: tuple  # those without a default, in signature order
    takes_any: bool  # it has ``**kwargs``


@functools.lru_cache(maxsize=None)
def _arguments_of(dataset_type: type) -> _Arguments | None:
    """Read the constructor's signature once per class (None if it has none)."""
    try:
        params = inspect.signature(dataset_type).parameters
    except (TypeError, ValueError):
        return None
    by_keyword = [
        name for name, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return _Arguments(
        names=frozenset(by_keyword) - {"version"},
        required=tuple(name for name in by_keyword if params[name].default is inspect.Parameter.empty),
        takes_any=any(p.kind == p.VAR_KEYWORD for p in params.values()),
    )


def _check_arguments(dataset_type: type, kwargs: dict, versioned: bool) -> None:
    """Check ``kwargs`` against the constructor's signature (never calling it)."""
    accepted = _arguments_of(dataset_type)
    if accepted is None:  # no introspectable signature: let the call decide
        return
    unknown = sorted(key for key in kwargs if key not in accepted.names)
    if unknown and not accepted.takes_any:
        raise ConfigProblem(
            unknown[0],
            f"{dataset_type.__name__} does not take this argument; it takes: "
            f"{', '.join(sorted(accepted.names))}",
        )
    given = set(kwargs) | ({"version"} if versioned else set())
    missing = [name for name in accepted.required if name not in given]
    if missing:
        raise ConfigProblem(missing[0], f"missing; {dataset_type.__name__} requires it")


def resolve_credentials(value: Any, credentials: Mapping[str, Any], in_pattern: bool = False) -> Any:
    """Replace every ``credentials: <name>`` (at any depth) by its credentials.

    Args:
        value: A config value; only mappings are searched.
        credentials: Credentials name to credentials.
        in_pattern: Leave names holding ``{placeholders}`` for later, when
            a dataset factory pattern has filled them in.

    Raises:
        ConfigProblem: A name is not in ``credentials``.
    """
    if not isinstance(value, Mapping):
        return value
    resolved = {}
    for key, item in value.items():
        if key == "credentials" and isinstance(item, str) and not (in_pattern and "{" in item):
            if item not in credentials:
                known = ", ".join(sorted(credentials)) or "none"
                raise ConfigProblem(
                    "credentials", f"no credentials named '{item}' (known credentials: {known})"
                )
            resolved[key] = credentials[item]
        else:
            resolved[key] = resolve_credentials(item, credentials, in_pattern)
    return resolved


def dataset_from_config(
    name: str, config: Any, load_version: str | None = None, save_version: str | None = None
) -> AbstractDataset:
    """Check one catalog entry and create its dataset (``AbstractDataset.from_config``).

    Raises:
        DatasetError: The entry is invalid or the dataset could not be created.
    """
    try:
        entry = parse_entry(config)
    except ConfigProblem as problem:
        # Chain the import error, if any, so a broken user module shows its traceback.
        raise DatasetError(problem.describe(name), dataset_name=name) from problem.__cause__
    return entry.create(name, load_version, save_version)


def dataset_config(dataset: AbstractDataset) -> dict[str, Any]:
    """The catalog entry that rebuilds ``dataset``: its type path and constructor arguments.

    The arguments are the ones its ``__init__`` was called with (recorded by
    ``AbstractDataset``). A ``version`` becomes ``versioned: True`` and
    ``metadata`` is left out, as in Kedro's ``to_config``.

    Raises:
        DatasetError: The constructor got something other than plain data
            (an object such as a client), which configuration cannot hold.
    """
    kind = type(dataset)
    if dataset._init_args is False:
        raise DatasetError(
            f"Dataset {dataset._label()} cannot be written as configuration: its "
            "constructor got arguments that are not plain data (str, numbers, paths, "
            "lists and dicts of those)."
        )
    config: dict[str, Any] = {"type": f"{kind.__module__}.{kind.__qualname__}"}
    args, kwargs = dataset._init_args or ((), {})
    try:
        bound = inspect.signature(kind).bind(*args, **kwargs)
    except (TypeError, ValueError):
        config.update(kwargs)
    else:
        for name, value in bound.arguments.items():
            kind_of = bound.signature.parameters[name].kind
            if kind_of is inspect.Parameter.VAR_KEYWORD:
                config.update(value)
            elif kind_of is not inspect.Parameter.VAR_POSITIONAL:
                config[name] = value
    if config.pop("version", None) is not None:
        config["versioned"] = True
    config.pop("metadata", None)
    return config
