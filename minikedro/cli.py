"""The ``minikedro`` command line: ``run``, ``new``, ``registry``, ``catalog``.

Public names: ``main`` (``main(argv=None) -> int``) and ``build_parser``.

Mirrors ``kedro run``'s options (``kedro`` -> ``minikedro``). This module only
turns words into calls on :mod:`minikedro.framework` and results into exit
codes: 0 on success, 1 with one ``error: ...`` paragraph on stderr for a user
error (``--verbose`` adds the traceback), 2 for a malformed command line.
Importing it stays cheap: everything beyond ``argparse`` and ``logging`` is
imported by the command that needs it.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, Sequence

import minikedro

__all__ = ["build_parser", "main"]

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

MAIN_EPILOG = """\
examples:
  minikedro new my_project                run 'minikedro run' inside it next
  minikedro run --project examples/iris   run the __default__ pipeline
  minikedro registry list                 the registered pipelines
  minikedro <command> --help              a command's options
"""

RUN_EPILOG = """\
examples:
  minikedro run
  minikedro run --pipeline training --env prod
  minikedro run -r ParallelRunner --runner-params max_workers=4
  minikedro run -r my_project.runner.DryRunner
  minikedro run --tags train,report --params "model.k=3,seed=42"
  minikedro run --from-nodes "split,train" --to-outputs report
  minikedro run --config run_config.toml -p reporting   (the command line wins)

List options take comma-separated values and may be repeated.
--params values are typed: 3, 0.5, true, null become int, float, bool, None.
"""

# (flags, dest, metavar, help) for every run option; dest is Kedro's name, which is
# also the key a --config file uses. A metavar of "A,B" marks a list option, None a flag.
RUN_ARGUMENTS = (
    (("-p", "--pipeline"), "pipeline", "NAME", "registered pipeline to run (default: __default__)"),
    (("--pipelines",), "pipelines", "A,B", "several registered pipelines, run together"),
    (("-r", "--runner"), "runner", "RUNNER",
     "SequentialRunner (default), ThreadRunner, ParallelRunner, or a dotted path to a class"),
    (("--async",), "is_async", None, "load inputs and save outputs on threads"),
    (("--runner-params",), "runner_params", "K=V,...", "runner keyword arguments: max_workers=2"),
    (("-e", "--env"), "env", "ENV", "configuration environment read over base (default: local)"),
    (("-t", "--tags"), "tags", "A,B", "run only nodes with any of these tags"),
    (("-n", "--nodes"), "node_names", "A,B", "run only these nodes"),
    (("--from-nodes",), "from_nodes", "A,B", "run from these nodes onwards"),
    (("--to-nodes",), "to_nodes", "A,B", "run up to these nodes"),
    (("--from-inputs",), "from_inputs", "A,B", "run from the nodes using these datasets"),
    (("--to-outputs",), "to_outputs", "A,B", "run up to the nodes making these datasets"),
    (("-ns", "--namespaces"), "namespaces", "A,B", "run only nodes in these namespaces"),
    (("-lv", "--load-versions"), "load_versions", "DS:VERSION,...", "dataset versions to load"),
    (("--params",), "params", "K=V,...", "override parameters; nested keys: a.b=v"),
    (("--conf-source",), "conf_source", "PATH", "configuration folder (default: conf)"),
    (("--only-missing-outputs",), "only_missing_outputs", None,
     "skip nodes whose persisted outputs exist"),
)

def _add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="PATH",
                        help="project folder (default: found from the current folder up)")
    volume = parser.add_mutually_exclusive_group()
    volume.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    volume.add_argument("-v", "--verbose", action="store_true",
                        help="log debug messages and show tracebacks")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, as one ``argparse`` parser with sub-commands."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="minikedro", description="Run Kedro-style data pipelines on the standard library.",
        epilog=MAIN_EPILOG, formatter_class=formatter, allow_abbrev=False,
    )
    parser.add_argument("--version", action="version",
                        version=f"minikedro, version {minikedro.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(parent: Any, name: str, help: str, handler: Any, epilog: str = "") -> Any:
        sub = parent.add_parser(name, help=help, description=help, epilog=epilog,
                                formatter_class=formatter, allow_abbrev=False)
        sub.set_defaults(handler=handler)
        return sub

    run = command(commands, "run", "Run a project's pipeline.", _run, RUN_EPILOG)
    for flags, dest, metavar, text in RUN_ARGUMENTS:
        if metavar is None:
            run.add_argument(*flags, dest=dest, action="store_true", default=None, help=text)
        else:
            action = "append" if metavar == "A,B" else "store"
            run.add_argument(*flags, dest=dest, action=action, metavar=metavar, help=text)
    run.add_argument("-c", "--config", metavar="FILE",
                     help="read options from the [run] table of a TOML/JSON/YAML file")
    _add_common_options(run)

    new = command(commands, "new", "Create a new project that runs at once.", _new,
                  "example:\n  minikedro new spaceflights && cd spaceflights && minikedro run\n")
    new.add_argument("name", help="project name; the folder and package are derived from it")
    new.add_argument("--directory", metavar="DIR", default=".",
                     help="where to create the project folder (default: here)")
    volume = new.add_mutually_exclusive_group()
    volume.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    volume.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")

    registry = commands.add_parser("registry", help="Inspect the registered pipelines.",
                                   description="Inspect the registered pipelines.")
    registry_commands = registry.add_subparsers(dest="registry_command", metavar="COMMAND",
                                                required=True)
    listing = command(registry_commands, "list", "List the registered pipelines.",
                      _registry_list, "example:\n  minikedro registry list\n")
    _add_common_options(listing)
    describe = command(registry_commands, "describe", "List a registered pipeline's nodes.",
                       _registry_describe, "example:\n  minikedro registry describe training\n")
    describe.add_argument("name", nargs="?", default="__default__",
                          help="pipeline name (default: __default__)")
    _add_common_options(describe)

    catalog = commands.add_parser("catalog", help="Inspect the data catalog.",
                                  description="Inspect the data catalog.")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", metavar="COMMAND",
                                              required=True)
    catalog_list = command(
        catalog_commands, "list", "List the datasets each pipeline uses, by type.",
        _catalog_list, "example:\n  minikedro catalog list --pipeline training\n",
    )
    catalog_list.add_argument("-p", "--pipeline", action="append", metavar="A,B",
                              help="only these pipelines (default: all)")
    catalog_list.add_argument("-e", "--env", help="configuration environment (default: local)")
    _add_common_options(catalog_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code (``minikedro`` console script).

    Args:
        argv: The arguments after the program name; default ``sys.argv[1:]``.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed it
        return exc.code if isinstance(exc.code, int) else 2
    handler = _setup_logging(args)
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.verbose:
            import traceback

            traceback.print_exc()
        print(f"error: {_error_message(exc, args)}", file=sys.stderr)
        return 1
    finally:  # main() may run again in this process (tests, notebooks): start afresh
        logging.getLogger().removeHandler(handler)


# Logging ----------------------------------------------------------------------


def _level(args: argparse.Namespace) -> int:
    return logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO


def _setup_logging(args: argparse.Namespace) -> logging.Handler:
    """Add one stderr handler to the root logger; INFO for minikedro's own loggers.

    The root logger stays at WARNING so other libraries stay quiet; the
    project's package (and a custom runner's) get INFO once they are known.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    logging.getLogger("minikedro").setLevel(_level(args))
    logging.captureWarnings(True)
    return handler


def _show_logs_of(names: Sequence[str], args: argparse.Namespace) -> None:
    """Give the project's own loggers the level minikedro's have."""
    for name in names:
        logging.getLogger(name).setLevel(_level(args))


def _apply_logging_config(session: Any, args: argparse.Namespace) -> None:
    """Configure logging from the project's logging file, if it has one."""
    from minikedro.framework.config import find_logging_config

    config, origin = find_logging_config(session.conf_source, session._get_config_loader())
    if not config:
        return
    import logging.config

    try:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False, **config})
    except (ValueError, TypeError, AttributeError, ImportError) as exc:
        raise ValueError(f"bad logging configuration in {origin}: {exc}") from exc
    if args.quiet or args.verbose:
        _show_logs_of(["minikedro", session.metadata.package_name], args)


# Errors -------------------------------------------------------------------------


# Exceptions whose message says it all; any other type is named in the message.
_PLAIN_ERRORS = (ValueError, KeyError, LookupError, TypeError, RuntimeError, FileNotFoundError)


def _error_message(exc: BaseException, args: argparse.Namespace) -> str:
    """One paragraph for the user: what failed and, for a node, how to resume."""
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    node = getattr(getattr(args, "active_session", None), "failed_node", None)
    plain = type(exc) in _PLAIN_ERRORS or type(exc).__module__.startswith("minikedro")
    if node is not None or not plain:
        message = f"{type(exc).__name__}: {message}"
    if node is None:
        return message
    text = f"node {node.name!r} failed: {message}"
    if not args.verbose:
        text += " (run with --verbose to see the traceback)"
    hint = getattr(getattr(args, "active_runner", None), "resume_hint", None)
    if hint:
        text += f". To resume: {hint}{_context_arguments(args)}"
    return text


def _context_arguments(args: argparse.Namespace) -> str:
    """The options a resumed run must repeat to run the same project the same way."""
    import shlex

    words = []
    for flag, dest in (
        ("--project", "project"), ("--config", "config"), ("--pipeline", "pipeline"),
        ("--pipelines", "pipelines"), ("--env", "env"), ("--conf-source", "conf_source"),
        ("--params", "params"), ("--runner", "runner"), ("--runner-params", "runner_params"),
    ):
        value = getattr(args, dest, None)
        if value:
            words += [flag, ",".join(value) if isinstance(value, list) else value]
    if getattr(args, "is_async", None):
        words.append("--async")
    return "".join(" " + shlex.quote(word) for word in words)


# Commands -----------------------------------------------------------------------


def _open_session(args: argparse.Namespace, env: str | None = None, **options: Any) -> Any:
    from minikedro.framework.session import KedroSession

    session = KedroSession.create(project_path=args.project, env=env, **options)
    _show_logs_of([session.metadata.package_name], args)
    args.active_session = session
    return session


def _run(args: argparse.Namespace) -> int:
    import os

    from minikedro.framework.run_options import load_runner, merge_run_options, read_run_config

    from_file = read_run_config(args.config) if args.config else {}
    options = merge_run_options(vars(args), from_file)
    conf_source = options["conf_source"]
    if conf_source and not os.path.isdir(conf_source):
        raise FileNotFoundError(f"--conf-source {conf_source} is not a folder")
    session = _open_session(
        args,
        env=options["env"],
        runtime_params=options["params"],
        conf_source=os.path.abspath(conf_source) if conf_source else None,
    )
    runner = load_runner(options["runner"], options["is_async"], options["runner_params"])
    args.active_runner = runner
    _show_logs_of([type(runner).__module__.split(".")[0]], args)
    _apply_logging_config(session, args)
    session.run(
        pipeline_name=options["pipeline"],
        pipeline_names=options["pipelines"] or None,
        tags=options["tags"],
        runner=runner,
        node_names=options["node_names"],
        from_nodes=options["from_nodes"],
        to_nodes=options["to_nodes"],
        from_inputs=options["from_inputs"],
        to_outputs=options["to_outputs"],
        load_versions=options["load_versions"],
        namespaces=options["namespaces"],
        only_missing_outputs=options["only_missing_outputs"],
    )
    return 0


def _new(args: argparse.Namespace) -> int:
    from minikedro.framework.starter import create_project

    path = create_project(args.name, args.directory)
    if not args.quiet:
        print(f"Created project {args.name!r} in {path}\nNext: cd {path} && minikedro run")
    return 0


def _registered(name: str) -> Any:
    from minikedro.framework.project import pipelines

    if name not in pipelines:
        raise KeyError(
            f"pipeline {name!r} not found; registered pipelines: {', '.join(sorted(pipelines))}"
        )
    return pipelines[name]


def _registry_list(args: argparse.Namespace) -> int:
    from minikedro.framework.project import pipelines
    from minikedro.framework.startup import bootstrap_project, find_project

    bootstrap_project(find_project(args.project))
    print("\n".join(f"- {name}" for name in sorted(pipelines)))
    return 0


def _registry_describe(args: argparse.Namespace) -> int:
    from minikedro.framework.startup import bootstrap_project, find_project

    bootstrap_project(find_project(args.project))
    pipeline = _registered(args.name)
    print("Nodes:")
    for node in pipeline.nodes:
        function = getattr(node.func, "__name__", type(node.func).__name__)
        print(f"- {node.name} ({function})")
    return 0


def _catalog_list(args: argparse.Namespace) -> int:
    from minikedro.framework.project import pipelines

    session = _open_session(args, env=args.env)
    _apply_logging_config(session, args)
    catalog = session.load_context().catalog
    names = [n for value in args.pipeline or [] for n in value.split(",") if n] or sorted(pipelines)
    for name in names:
        pipeline = _registered(name)
        by_type: dict[str, list[str]] = {}
        defaults, parameters = [], []
        for dataset_name in sorted(pipeline.datasets()):
            if dataset_name == "parameters" or dataset_name.startswith("params:"):
                parameters.append(dataset_name)
                continue
            dataset = catalog.get(dataset_name)
            if dataset is None:
                defaults.append(dataset_name)
            else:
                kind = type(dataset)
                by_type.setdefault(f"{kind.__module__}.{kind.__qualname__}", []).append(dataset_name)
        print(f"{name}:")
        for title, members in [*sorted(by_type.items()),
                               ("default (MemoryDataset)", defaults), ("parameters", parameters)]:
            if members:
                print(f"  {title}:")
                print("\n".join(f"  - {member}" for member in members))
    return 0
