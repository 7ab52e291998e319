"""From catalog configuration to datasets: what ``DataCatalog.from_config`` checks and builds.

Every entry is checked before any dataset is used, all bad ones reported at once with the
key at fault. ``type`` is a built-in name (``BUILTIN_TYPES``), a kedro-datasets name with
the same meaning (``pickle.PickleDataset``) or an ``AbstractDataset`` subclass's import
path; other keys are constructor arguments (load_args/save_args checked by the class, if
it can); ``versioned: true`` passes the catalog's ``Version``; ``credentials: <name>`` (at
any depth) becomes those credentials. A name with placeholders (``"{name}_csv"``) is a
dataset factory pattern, filled in on first use; the most specific wins (more literal
characters, fewer placeholders, then A-Z); ``"{default}"`` is the one catch-all.

Public names: ``BUILTIN_TYPES``, ``CatalogConfig``, ``DatasetPattern``, ``DatasetEntry``, and helpers.

Kedro counterpart: ``parse_dataset_definition`` (``kedro.io.core``), ``kedro.io.catalog_config_resolver``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import pkgutil
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from minikedro.io.core import AbstractDataset, AbstractVersionedDataset, DatasetError, DatasetNotFoundError, Version

__all__ = ["BUILTIN_TYPES", "CatalogConfig", "DatasetEntry", "DatasetPattern", "check_load_versions",
           "dataset_from_config"]

logger = logging.getLogger(__name__)

# Import paths, not classes: the file datasets are imported on first use only. The
# package paths hold whichever module a class lives in.
BUILTIN_TYPES = {
    "CSVDataset": "minikedro.datasets:CSVDataset",
    "CachedDataset": "minikedro.io.cached_dataset:CachedDataset",
    "JSONDataset": "minikedro.datasets:JSONDataset",
    "MemoryDataset": "minikedro.io.memory_dataset:MemoryDataset",
    "PickleDataset": "minikedro.datasets:PickleDataset",
    "SQLiteQueryDataset": "minikedro.datasets:SQLiteQueryDataset",
    "SQLiteTableDataset": "minikedro.datasets:SQLiteTableDataset",
    "SharedMemoryDataset": "minikedro.io.shared_memory:SharedMemoryDataset",
    "TextDataset": "minikedro.datasets:TextDataset",
}
# kedro-datasets names whose meaning ours keep (not pandas.CSVDataset: a DataFrame).
_KEDRO_DATASETS_NAMES = ("json.JSONDataset", "pickle.PickleDataset", "text.TextDataset")
# The modules the datasets lived in until datasets/files.py and sqlite.py: configs may name them.
_MOVED = {f"minikedro.datasets.{module}.{name}": name for name, module in (
    ("CSVDataset", "csv_dataset"), ("JSONDataset", "json_dataset"), ("PickleDataset", "pickle_dataset"),
    ("SQLiteQueryDataset", "sqlite_dataset"), ("SQLiteTableDataset", "sqlite_dataset"),
    ("TextDataset", "text_dataset"))}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ConfigProblem(Exception):
    """One thing wrong with one catalog entry: which ``key`` (None: the entry), and what."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key, self.message = key, message

    def describe(self, entry: str) -> str:
        return f"Catalog entry '{entry}'" + (f", key '{self.key}'" if self.key else "") + f": {self.message}"


def resolve_type(type_name: Any) -> type:
    """Return the dataset class a config ``type`` names; ``ConfigProblem`` if there is none."""
    found = type_name
    if isinstance(type_name, str):
        # "kedro_datasets.json.JSONDataset" is "json.JSONDataset", which is "JSONDataset".
        short = type_name.split("kedro_datasets.", 1)[-1]
        short = short.split(".")[1] if short in _KEDRO_DATASETS_NAMES else type_name
        path = BUILTIN_TYPES.get(_MOVED.get(short, short), type_name)
        try:
            if "." not in path and ":" not in path:
                raise LookupError("not a built-in type")
            # "pkg.module.Class" -> "pkg.module:Class": import the module, then take the class.
            found = pkgutil.resolve_name(path if ":" in path else ":".join(path.rsplit(".", 1)))
        except Exception as exc:  # import errors, AttributeError, a failing module
            raise ConfigProblem("type", (
                f"unknown dataset type '{type_name}' ({exc}). Use a built-in type "
                f"({', '.join(BUILTIN_TYPES)}), a kedro-datasets name ({', '.join(_KEDRO_DATASETS_NAMES)}), "
                "or the dotted import path of an AbstractDataset subclass such as "
                "'mypkg.datasets.MyDataset'.")) from exc
    elif not isinstance(type_name, type):
        raise ConfigProblem("type", f"expected a class name, got {type(type_name).__name__}")
    if not (isinstance(found, type) and issubclass(found, AbstractDataset)):
        raise ConfigProblem("type", f"'{type_name}' is not an AbstractDataset subclass")
    return found


class DatasetEntry(NamedTuple):
    """A checked catalog entry: the class, its arguments, and the versioned flag."""

    dataset_type: type
    kwargs: dict
    versioned: bool

    def create(self, name: str, load_version: str | None = None, save_version: str | None = None) -> AbstractDataset:
        """Instantiate the dataset, named ``name``; ``DatasetError`` naming the entry if that fails."""
        kwargs = {**self.kwargs, "version": Version(load_version, save_version)} if self.versioned else self.kwargs
        try:
            dataset = self.dataset_type(**kwargs)
        except Exception as exc:
            raise DatasetError(f"Catalog entry '{name}': {self.dataset_type.__name__} could not be "
                               f"created: {exc}", dataset_name=name) from exc
        dataset._dataset_name = name
        filepath = getattr(dataset, "_filepath", None)
        if isinstance(filepath, (str, os.PathLike)) and logger.isEnabledFor(logging.DEBUG):
            # The file may lie outside the project: say where (realpath costs system calls).
            logger.debug("Dataset '%s' (%s) uses %s", name, self.dataset_type.__name__, os.path.realpath(filepath))
        return dataset


def parse_entry(config: Any) -> DatasetEntry:
    """Check one entry's type, versioning and argument names; ``ConfigProblem`` for the first fault."""
    if not isinstance(config, Mapping):
        raise ConfigProblem(None, f"expected a mapping of dataset arguments, got {type(config).__name__}. "
                            "Prefix the name with '_' if it is not a dataset (e.g. a shared template).")
    if "type" not in config:
        raise ConfigProblem("type", "missing; every entry needs a dataset type such as 'PickleDataset'")
    kwargs = dict(config)
    kind = resolve_type(kwargs.pop("type"))
    versioned = kwargs.pop("versioned", False)
    if not isinstance(versioned, bool):
        raise ConfigProblem("versioned", f"expected true or false, got {versioned!r}")
    names, required, takes_any = _arguments_of(kind)
    if versioned and not (issubclass(kind, AbstractVersionedDataset) or "version" in names):
        raise ConfigProblem("versioned", f"{kind.__name__} does not support versioning")
    if "version" in kwargs:
        raise ConfigProblem("version", "reserved; set 'versioned: true' and pass load_versions instead")
    unknown = sorted(set(kwargs) - names)
    if unknown and not takes_any:
        raise ConfigProblem(unknown[0], f"{kind.__name__} does not take this argument; it takes: "
                            f"{', '.join(sorted(names - {'version'}))}")
    check_args = getattr(kind, "_check_args", None)  # built-in datasets know what their args take
    for key in ("load_args", "save_args") if check_args else ():
        try:
            check_args(key, kwargs.get(key))
        except ValueError as problem:
            raise ConfigProblem(key, str(problem)) from None
    missing = [n for n in required if n not in kwargs and not (versioned and n == "version")]
    if missing:
        raise ConfigProblem(missing[0], f"missing; {kind.__name__} requires it")
    return DatasetEntry(kind, kwargs, versioned)


@functools.lru_cache(maxsize=None)
def _arguments_of(kind: type) -> tuple[frozenset, tuple, bool]:
    """The constructor's keyword names, those without a default, and whether it takes ``**kwargs``."""
    try:  # __init__'s own: Python < 3.11 reports AbstractDataset.__new__'s (*args, **kwargs)
        params = dict(list(inspect.signature(kind.__init__).parameters.items())[1:])
    except (TypeError, ValueError):  # no introspectable signature: let the call decide
        return frozenset(), (), True
    names = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    required = tuple(n for n in names if params[n].default is inspect.Parameter.empty)
    return frozenset(names), required, any(p.kind == p.VAR_KEYWORD for p in params.values())


def resolve_credentials(value: Any, credentials: Mapping[str, Any], in_pattern: bool = False) -> Any:
    """Replace every ``credentials: <name>`` inside ``value``; ``ConfigProblem`` for an unknown name.

    ``in_pattern`` leaves names holding ``{placeholders}``: a pattern fills them first."""
    if not isinstance(value, Mapping):
        return value
    resolved = {}
    for key, item in value.items():
        if key == "credentials" and isinstance(item, str) and not (in_pattern and "{" in item):
            if item not in credentials:
                known = ", ".join(sorted(credentials)) or "none"
                raise ConfigProblem("credentials", f"no credentials named '{item}' (known credentials: {known})")
            resolved[key] = credentials[item]
        else:
            resolved[key] = resolve_credentials(item, credentials, in_pattern)
    return resolved


def dataset_from_config(name: str, config: Any, load_version: str | None = None,
                        save_version: str | None = None) -> AbstractDataset:
    """Check one catalog entry and create its dataset; ``DatasetError`` if either fails."""
    try:
        entry = parse_entry(config)
    except ConfigProblem as problem:  # chain an import error: a broken user module shows its traceback
        raise DatasetError(problem.describe(name), dataset_name=name) from problem.__cause__
    return entry.create(name, load_version, save_version)


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    """Substitute ``{placeholder}`` in every string inside ``value``."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: values[match[1]], value) if "{" in value else value
    if isinstance(value, Mapping):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        filled = [_fill(item, values) for item in value]
        return filled if isinstance(value, list) else tuple(filled)
    return value


class DatasetPattern:
    """A dataset factory pattern such as ``"{namespace}.{name}_csv"``, with its entry.

    ``{word}`` matches one or more characters (the same word twice, the same text);
    credentials are looked up once filled in (``"{env}_db"``). ``ConfigProblem``: bad syntax.
    """

    def __init__(self, pattern: str, config: Any, credentials: Mapping[str, Any]):
        self.pattern, self.entry, self.config = pattern, parse_entry(config), dict(config)
        self._credentials = credentials
        regex, names = [], []
        for part in re.split(r"(\{[^{}]*\})", pattern):
            if len(part) > 1 and part[0] == "{" and part[-1] == "}":
                name = part[1:-1]
                if not name.isidentifier():
                    raise ConfigProblem(None, f"placeholder '{part}' in pattern '{pattern}' must be a plain "
                                        "name such as '{name}' (format specs are not supported)")
                regex.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
                names.append(name)
            elif "{" in part or "}" in part:
                raise ConfigProblem(None, f"unbalanced braces in pattern '{pattern}'")
            else:
                regex.append(re.escape(part))
        self._regex = re.compile("".join(regex))
        self.specificity = len(pattern) - sum(len(name) + 2 for name in names)  # literal characters
        self.placeholder_count = len(names)
        for key, value in self.entry.kwargs.items():
            try:
                _fill(value, dict.fromkeys(names, ""))
            except KeyError as undefined:
                raise ConfigProblem(key, f"uses '{{{undefined.args[0]}}}', which pattern '{pattern}' "
                                    "does not define") from None
        resolve_credentials(self.entry.kwargs, credentials, in_pattern=True)  # unknown names fail now

    def sort_key(self) -> tuple:
        """Most specific first: more literal characters, fewer placeholders, then A-Z."""
        return (-self.specificity, self.placeholder_count, self.pattern)

    def match(self, name: str) -> dict[str, str] | None:
        """Return the placeholder values if ``name`` matches, else None."""
        found = self._regex.fullmatch(name)
        return None if found is None else found.groupdict()

    def create(self, name: str, load_version: str | None = None, save_version: str | None = None) -> AbstractDataset:
        """Create the dataset ``name`` (which this pattern matches); ``DatasetError`` if that fails."""
        kwargs = _fill(self.entry.kwargs, self.match(name) or {})
        try:
            kwargs = resolve_credentials(kwargs, self._credentials)
        except ConfigProblem as problem:
            raise DatasetError(f"{problem.describe(self.pattern)} (resolving dataset '{name}')",
                               dataset_name=name) from None
        return self.entry._replace(kwargs=kwargs).create(name, load_version, save_version)

    def __repr__(self) -> str:
        return f"DatasetPattern({self.pattern!r})"


class CatalogConfig:
    """A whole catalog configuration, checked; keys starting with ``_`` (templates) are skipped.

    ``entries`` maps names to checked ``DatasetEntry`` s (credentials resolved),
    ``raw`` to the entries as written, and ``patterns`` lists the patterns most
    specific first. Raises ``TypeError`` for a non-mapping argument and
    ``DatasetError`` listing every invalid entry.
    """

    def __init__(self, catalog_config: Mapping[str, Any] | None = None,
                 credentials: Mapping[str, Any] | None = None):
        for label, value in (("catalog_config", catalog_config), ("credentials", credentials)):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"{label} must be a mapping, got {type(value).__name__}")
        self.credentials: Mapping[str, Any] = credentials or {}
        self.entries: dict[str, DatasetEntry] = {}
        self.raw: dict[str, dict[str, Any]] = {}
        patterns, problems = [], {}
        for name, config in (catalog_config or {}).items():
            try:
                if name.startswith("_"):
                    continue
                if "{" in name or "}" in name:
                    patterns.append(DatasetPattern(name, config, self.credentials))
                else:
                    entry = parse_entry(config)
                    self.entries[name] = entry._replace(kwargs=resolve_credentials(entry.kwargs, self.credentials))
                    self.raw[name] = dict(config)
            except ConfigProblem as problem:
                problems[name] = problem
        self.patterns = sorted(patterns, key=DatasetPattern.sort_key)
        catch_alls = [p.pattern for p in self.patterns if p.specificity == 0]
        for extra in catch_alls[1:]:
            problems[extra] = ConfigProblem(None, f"only one catch-all pattern is allowed, and "
                                            f"'{catch_alls[0]}' is one too; remove the extras")
        if problems:  # all at once; a broken user module's import error is chained
            lines = [problems[name].describe(name) for name in sorted(problems)]
            if len(lines) > 1:
                lines = [f"{len(lines)} catalog entries are invalid:", *(f"- {line}" for line in lines)]
            raise DatasetError("\n".join(lines)) from problems[min(problems)].__cause__

    def match(self, name: str) -> DatasetPattern | None:
        """Return the most specific pattern matching ``name``, if any."""
        return next((p for p in self.patterns if p.match(name) is not None), None)

    def is_versioned(self, name: str) -> bool | None:
        """Whether the entry or pattern for ``name`` is versioned; None if neither exists."""
        entry = self.entries[name] if name in self.entries else getattr(self.match(name), "entry", None)
        return None if entry is None else entry.versioned


def check_load_versions(load_versions: Mapping[str, str], datasets: Mapping[str, AbstractDataset],
                        config: CatalogConfig | None) -> None:
    """Refuse, all at once, load versions of datasets unknown or not versioned (``DatasetError``)."""
    unknown, unversioned = [], []
    for name in sorted(load_versions):
        if name in datasets:
            versioned: bool | None = getattr(datasets[name], "_version", None) is not None
        else:
            versioned = config.is_versioned(name) if config is not None else None
        if versioned is None:
            unknown.append(name)
        elif not versioned:
            unversioned.append(f"'{name}' is not versioned (set 'versioned: true' on its entry)")
    problems = [f"'load_versions' keys [{', '.join(unknown)}] are not found in the catalog"] if unknown else []
    if unversioned:
        problems.append(f"load_versions cannot be applied: {'; '.join(unversioned)}")
    if problems:  # Kedro's wording first
        raise (DatasetNotFoundError if unknown else DatasetError)("; ".join(problems) + ".")
