"""What each ``minikedro`` command does once :mod:`minikedro.cli` has parsed it.

Public names: one handler per command, taking the parsed ``argparse.Namespace`` and raising
user errors: ``run``, ``new``, ``pipeline_create``, ``pipeline_delete``, ``registry_list``,
``registry_describe``, ``catalog``, ``catalog_list``, ``info`` (``viz``, ``runs``: in
:mod:`minikedro.observe`); ``show_logs_of``, ``find_logging_config``. As Kedro's,
``registry`` and ``catalog`` answer in YAML on stdout; logs go to stderr.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Sequence

__all__ = ["catalog", "catalog_list", "find_logging_config", "info", "new", "pipeline_create",
           "pipeline_delete", "registry_describe", "registry_list", "run", "show_logs_of"]

_RICH_HANDLERS = ("minikedro.logging.RichHandler", "kedro.logging.RichHandler")
_RICH_LIKE_FORMAT = "[%(asctime)s] %(levelname)-8s %(message)s"  # what a Rich handler shows


def show_logs_of(names: Sequence[str], args: argparse.Namespace,
                 folder: str | os.PathLike | None = None) -> None:
    """Show the INFO records of these loggers, and of code in ``folder``, as minikedro's are."""
    for name in names:
        logging.getLogger(name).setLevel(args.log_level)
        args.log_filter.names.add(name.partition(".")[0])
    if folder is not None:
        args.log_filter.folders.append(os.path.join(str(folder), ""))


def _open_session(args: argparse.Namespace, env: str | None = None, **options: Any) -> Any:
    from minikedro.framework.session import KedroSession

    session = KedroSession.create(project_path=args.project, env=env, **options)
    show_logs_of([session.metadata.package_name], args, session.metadata.source_dir)
    args.active_session = session
    return session


def find_logging_config(conf_source: str | os.PathLike, loader: Mapping) -> tuple[dict, str]:
    """The project's logging configuration (for ``dictConfig``) and its origin; ``({}, "")`` if none.

    The first found wins: the file ``$MINIKEDRO_LOGGING_CONFIG`` (or Kedro's
    ``$KEDRO_LOGGING_CONFIG``) names, ``<conf_source>/logging.*`` (where Kedro's
    template keeps it), then ``loader["logging"]``: the environments' ``logging*`` files.

    Raises:
        MissingConfigException: The environment variable names a missing file.
    """
    from minikedro.framework.config_files import CONFIG_EXTENSIONS, MissingConfigException, read_config_file

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
    import importlib.util

    from minikedro.framework.context import _in_project

    handler, kind = dict(handler), handler.get("class")
    if kind in _RICH_HANDLERS or (kind == "rich.logging.RichHandler"
                                  and importlib.util.find_spec("rich") is None):
        handler = {k: v for k, v in handler.items() if k in ("level", "formatter", "filters", "stream")}
        handler["class"] = "logging.StreamHandler"
        handler.setdefault("formatter", "minikedro_rich_like")
    return _in_project(handler, project_path)  # its filename


def _apply_logging_config(session: Any, args: argparse.Namespace) -> None:
    """Configure logging from the project's logging configuration, if it has one, as ``kedro run``.

    Kedro's template logs through ``kedro.logging.RichHandler`` (after the rename,
    ``minikedro.logging.RichHandler``): that, and ``rich.logging.RichHandler`` when Rich is
    not installed, becomes a ``StreamHandler`` on stderr. Relative log file names are made
    absolute against the project folder.
    """
    import logging.config

    loader = session._get_config_loader()  # its conf_source: the folder, even from an archive
    config, origin = find_logging_config(getattr(loader, "conf_source", session.conf_source), loader)
    if not config:
        return
    config = {"version": 1, "disable_existing_loggers": False, **config}
    if isinstance(config.get("handlers"), Mapping):
        config["handlers"] = {name: _plain_handler(handler, session.metadata.project_path)
                              for name, handler in config["handlers"].items()}
        config["formatters"] = {"minikedro_rich_like": {"format": _RICH_LIKE_FORMAT},
                                **(config.get("formatters") or {})}
    logging.getLogger().setLevel(logging.WARNING)  # the file decides, from logging's default
    try:
        logging.config.dictConfig(config)
    except (ValueError, TypeError, AttributeError, ImportError) as exc:
        raise ValueError(f"bad logging configuration in {origin}: {exc}") from exc
    if args.quiet or args.verbose:
        show_logs_of(["minikedro", session.metadata.package_name], args)


def _print_yaml(value: Any) -> None:
    from minikedro.framework.config_files import dump_yaml

    print(dump_yaml(value), end="")


def run(args: argparse.Namespace) -> None:
    """``minikedro run``: Kedro's ``kedro run`` with every one of its options, and ``--resume``."""
    from minikedro.framework.run_options import OPTIONS, RunOptions, load_runner, read_run_config

    options = RunOptions.from_sources(vars(args), read_run_config(args.config) if args.config else {})
    record = None
    if options.resume:  # the last unfinished run's options; the command line still wins
        from minikedro.framework.project import find_project
        from minikedro.observe.records import resumable_run

        record = resumable_run(find_project(args.project))
        recorded = {name: value for name, value in record.get("options", {}).items() if name in OPTIONS}
        options = RunOptions.from_sources(vars(args), recorded)
    if options.conf_source:
        from minikedro.framework.config import is_config_archive

        if not (os.path.isdir(options.conf_source) or is_config_archive(options.conf_source)):
            raise FileNotFoundError(f"--conf-source {options.conf_source} is not a folder (nor a "
                                    f".zip/.tar.gz of one)")
        options.conf_source = os.path.abspath(options.conf_source)
    session = _open_session(args, **options.arguments("create"))
    if record is not None:  # exactly the nodes it did not complete, and what they need
        from minikedro.framework.project import pipelines
        from minikedro.observe.records import describe_plan, plan_resume

        names = plan_resume(record, pipelines, session.load_context().catalog)
        print(describe_plan(record, names))
        for name in ("tags", "from_nodes", "to_nodes", "from_inputs", "to_outputs", "namespaces"):
            setattr(options, name, [])
        options.node_names, options.only_missing_outputs = names, False
    runner = args.active_runner = load_runner(**options.arguments("runner"))
    show_logs_of([type(runner).__module__.split(".")[0]], args)
    _apply_logging_config(session, args)
    session.command = ["minikedro", *getattr(args, "words", ["run"])]
    session.run_options = {name: getattr(options, name) for name, option in OPTIONS.items()
                           if option.metadata["to"] != "cli"}
    session.progress = sys.stderr.isatty() if options.progress is None else options.progress
    session.run(runner=runner, **options.arguments("run"))


def _ask(prompt: str) -> str | None:
    """A line from the user (or from piped input); None when there is none to read."""
    try:
        return input(prompt).strip()
    except EOFError:
        return None


def new(args: argparse.Namespace) -> None:
    """``minikedro new``: a project that runs at once (``kedro new --name=... --example=y``)."""
    from minikedro.cli import command_line
    from minikedro.framework.config_files import read_config_file, toml_library
    from minikedro.framework.starter import create_project

    settings = read_config_file(args.config) if args.config else {}
    name = args.name_option or args.name or settings.get("project_name")
    if args.starter:
        raise ValueError(f"starters are not available: minikedro new writes one small project "
                         f"that runs at once (drop --starter {args.starter})")
    if not name:  # Kedro prompts for it; a piped answer works too
        name = _ask("Project Name [New Kedro Project]: ")
        if name is None:
            raise ValueError("give the project's name: minikedro new NAME (or --name NAME)")
        name = name or "New Kedro Project"
    example = str(args.example).strip().lower()
    if example not in ("y", "yes", "n", "no", "true", "false"):
        raise ValueError(f"--example takes y or n, got {args.example!r}")
    example = example in ("y", "yes", "true")
    folder = create_project(name, args.directory or settings.get("output_dir") or ".", example=example)
    if args.quiet:
        return
    relative = os.path.relpath(folder)
    project = ("--project", folder.as_posix() if relative.startswith("..") else relative)
    print(f"Created project {name!r} in {folder}")
    if toml_library() is None:
        print("This Python cannot read TOML (that needs Python 3.11+ or pip install tomli), "
              "so the configuration is JSON: conf/base/catalog.json, conf/base/parameters.json")
    if example:
        print(f"Next: {command_line('run', *project)}")
    else:
        print("Next: the project has no pipeline yet. Create one, add nodes to its pipeline.py, then "
              f"run it:\n  {command_line('pipeline', 'create', 'data_processing', *project)}\n"
              f"  {command_line('run', *project)}")


def _project(args: argparse.Namespace) -> Any:
    from minikedro.framework.startup import bootstrap_project, find_project

    return bootstrap_project(find_project(args.project))


def pipeline_create(args: argparse.Namespace) -> None:
    """``minikedro pipeline create NAME``: the files of a new, empty modular pipeline."""
    from minikedro.cli import command_line
    from minikedro.framework.starter import create_pipeline

    for path in create_pipeline(_project(args), args.name, args.env, args.skip_config):
        print(f"Created {path}")
    project = ("--project", args.project) if args.project else ()
    print(f"Pipeline {args.name!r} created. Next: add nodes to its pipeline.py, then run it:\n"
          f"  {command_line('run', '--pipeline', args.name, *project)}")


def pipeline_delete(args: argparse.Namespace) -> None:
    """``minikedro pipeline delete NAME``: remove what ``pipeline create`` wrote, and what was added."""
    import shutil

    from minikedro.framework.starter import pipeline_files

    paths = pipeline_files(_project(args), args.name, args.env)
    if not args.yes:
        listing = "".join(f"\n  {p}" for p in paths)
        answer = _ask(f"Delete these files?{listing}\n[y/N]: ")
        if answer is None:
            raise ValueError(f"pipeline delete needs confirmation: add -y to delete {args.name!r}")
        if answer.lower() not in ("y", "yes"):
            print("Deletion aborted")
            return
    for path in paths:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        print(f"Deleted {path}")


def _registered(name: str) -> Any:
    from minikedro.framework.project import pipelines

    if name not in pipelines:
        raise ValueError(f"pipeline {name!r} not found; registered pipelines: "
                         f"{', '.join(sorted(pipelines))}")
    return pipelines[name]


def registry_list(args: argparse.Namespace) -> None:
    """``minikedro registry list``: the registered pipelines' names."""
    from minikedro.framework.project import pipelines

    _project(args)
    _print_yaml(sorted(pipelines))


def registry_describe(args: argparse.Namespace) -> None:
    """``minikedro registry describe [NAME]``: a registered pipeline's nodes."""
    _project(args)
    _print_yaml({"Nodes": [f"{node.name} ({getattr(node.func, '__name__', type(node.func).__name__)})"
                           for node in _registered(args.name).nodes]})


def _catalog(args: argparse.Namespace) -> Any:
    """The project's catalog, with the pipeline-aware commands (``CatalogCommandsMixin``)."""
    session = _open_session(args, env=args.env)
    _apply_logging_config(session, args)
    return session.load_context().catalog


def catalog(args: argparse.Namespace) -> None:
    """``minikedro catalog describe-datasets|list-patterns|resolve-patterns``: the answer of the
    ``CatalogCommandsMixin`` method of that name, given the ``--pipeline`` names where it takes them."""
    answer = getattr(_catalog(args), args.catalog_command.replace("-", "_"))
    _print_yaml(answer(args.pipeline or None) if "pipeline" in args else answer())


def catalog_list(args: argparse.Namespace) -> None:
    """``minikedro catalog list`` (Kedro 0.19): datasets per pipeline and type."""
    from minikedro.framework.project import pipelines
    from minikedro.io.core import is_parameter

    datasets, listing = _catalog(args), {}
    last = ("default (MemoryDataset)", "parameters")  # after the dataset types, in this order
    for name in args.pipeline or sorted(pipelines):
        by_type: dict[str, list[str]] = {}
        for dataset in sorted(_registered(name).datasets()):
            kind = (last[1] if is_parameter(dataset) else last[0] if datasets.get(dataset) is None
                    else datasets.get_type(dataset))
            by_type.setdefault(kind, []).append(dataset)
        listing[name] = sorted(by_type.items(), key=lambda group: (group[0] in last, group[0]))
    for name, groups in listing.items():
        print(f"{name}:")
        for title, members in groups:
            print(f"  {title}:\n" + "\n".join(f"  - {member}" for member in members))


def info(args: argparse.Namespace) -> None:
    """``minikedro info``: the version, and what replaces Kedro's plugins."""
    import minikedro

    print(f"minikedro v{minikedro.__version__}\n\nminikedro is a Python framework for\n"
          "creating reproducible, maintainable\nand modular data science code:\n"
          "Kedro's nodes, pipelines, data catalog, runners and command line\n"
          f"on the Python standard library alone.\n\nPython {sys.version.split()[0]}\n"
          "No plugins installed")
