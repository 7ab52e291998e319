"""The ``minikedro`` command line: ``run``, ``new``, ``pipeline``, ``registry``, ``catalog``, ``info``.

Public names: ``main`` (``main(argv=None) -> int``) and ``build_parser``.

Mirrors Kedro's CLI (``kedro`` -> ``minikedro``). This module turns words
into calls on the command handlers in :mod:`minikedro.framework.cli_commands`
and results into exit codes: 0 on success, 1 with one ``error: ...`` paragraph
on stderr for a user error (``--verbose`` adds the traceback), 2 for a
malformed command line. Importing it stays cheap: everything beyond
``argparse`` and ``logging`` is imported by the command that needs it.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any, NoReturn, Sequence

import minikedro

__all__ = ["build_parser", "main"]

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

MAIN_EPILOG = """\
examples:
  minikedro new my_project                run 'minikedro run' inside it next
  minikedro run --project examples/iris   run the __default__ pipeline
  minikedro registry list                 the registered pipelines
  minikedro catalog describe-datasets     the datasets each pipeline uses
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
# also the key a --config file uses. A metavar of None marks a flag; NAME, RUNNER, ENV
# and PATH a single value; the others (lists, K=V pairs) may be given several times.
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
    (("--wait",), "wait", None,
     "wait for another run using the same datasets to end, instead of failing"),
)
# Older Kedro spellings, accepted without being advertised.
RUN_ALIASES = (("--node", "node_names"), ("--tag", "tags"), ("--namespace", "namespaces"),
               ("--load-version", "load_versions"))


def _add_common_options(parser: argparse.ArgumentParser, env: bool = False) -> None:
    if env:
        parser.add_argument("-e", "--env", help="configuration environment (default: local)")
    parser.add_argument("--project", metavar="PATH",
                        help="project folder (default: found from the current folder up)")
    volume = parser.add_mutually_exclusive_group()
    volume.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    volume.add_argument("-v", "--verbose", action="store_true",
                        help="log debug messages and show tracebacks")


def _add_run_options(run: argparse.ArgumentParser) -> None:
    for flags, dest, metavar, text in RUN_ARGUMENTS:
        if metavar is None:
            run.add_argument(*flags, dest=dest, action="store_true", default=None, help=text)
        else:  # every option but the single names may be repeated
            action = "store" if metavar in ("NAME", "RUNNER", "ENV", "PATH") else "append"
            run.add_argument(*flags, dest=dest, action=action, metavar=metavar, help=text)
    for flag, dest in RUN_ALIASES:
        run.add_argument(flag, dest=dest, action="append", help=argparse.SUPPRESS)
    run.add_argument("-c", "--config", metavar="FILE",
                     help="read options from the [run] table of a TOML/JSON/YAML file")
    _add_common_options(run)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, as one ``argparse`` parser with sub-commands."""
    from minikedro.framework import cli_commands as do

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="minikedro", description="Run Kedro-style data pipelines on the standard library.",
        epilog=MAIN_EPILOG, formatter_class=formatter, allow_abbrev=False,
    )
    parser.add_argument("-V", "--version", action="version",
                        version=f"minikedro, version {minikedro.__version__}")
    parser.set_defaults(handler=lambda args: parser.print_help())  # bare "minikedro", as Kedro
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(parent: Any, name: str, help: str, handler: Any, epilog: str = "") -> Any:
        sub = parent.add_parser(name, help=help, description=help, epilog=epilog,
                                formatter_class=formatter, allow_abbrev=False)
        sub.set_defaults(handler=handler)
        return sub

    def group(name: str, help: str) -> Any:
        sub = commands.add_parser(name, help=help, description=help)
        return sub.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)

    _add_run_options(command(commands, "run", "Run a project's pipeline.", do.run, RUN_EPILOG))

    new = command(commands, "new", "Create a new project that runs at once.", do.new,
                  "example:\n  minikedro new spaceflights && cd spaceflights && minikedro run\n"
                  "  minikedro new --name=spaceflights --example=n\n")
    new.add_argument("name", nargs="?", help="project name; the folder and package come from it")
    new.add_argument("-n", "--name", dest="name_option", metavar="NAME", help="the same, as Kedro spells it")
    new.add_argument("-c", "--config", metavar="FILE",
                     help="a TOML/JSON/YAML file with project_name (and output_dir)")
    new.add_argument("-e", "--example", metavar="y|n", default="y",
                     help="include the example pipeline (default: y)")
    new.add_argument("--directory", metavar="DIR", default=None,
                     help="where to create the project folder (default: here)")
    for flags in (("-t", "--tools"), ("-s", "--starter"), ("--checkout",), ("-tc", "--telemetry")):
        new.add_argument(*flags, dest=flags[-1].lstrip("-"), help=argparse.SUPPRESS)
    volume = new.add_mutually_exclusive_group()
    volume.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    volume.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")

    pipeline = group("pipeline", "Create or delete a pipeline's files.")
    create = command(pipeline, "create", "Create the files of a new pipeline.", do.pipeline_create,
                     "example:\n  minikedro pipeline create data_processing\n")
    create.add_argument("name", help="the pipeline's name: letters, digits and underscores")
    create.add_argument("--skip-config", action="store_true", help="write no parameters file")
    create.add_argument("-e", "--env", default="base", help="where the parameters file goes (base)")
    _add_common_options(create)
    delete = command(pipeline, "delete", "Delete a pipeline's files.", do.pipeline_delete,
                     "example:\n  minikedro pipeline delete data_processing -y\n")
    delete.add_argument("name", help="the pipeline's name")
    delete.add_argument("-e", "--env", default="base", help="where its parameters file is (base)")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    _add_common_options(delete)

    registry = group("registry", "Inspect the registered pipelines.")
    _add_common_options(command(registry, "list", "List the registered pipelines.",
                                do.registry_list, "example:\n  minikedro registry list\n"))
    describe = command(registry, "describe", "List a registered pipeline's nodes.",
                       do.registry_describe, "example:\n  minikedro registry describe training\n")
    describe.add_argument("name", nargs="?", default="__default__",
                          help="pipeline name (default: __default__)")
    _add_common_options(describe)

    catalog = group("catalog", "Inspect the data catalog.")
    for name, handler, text, with_pipeline in (
        ("describe-datasets", do.catalog_describe_datasets,
         "List each pipeline's datasets: catalog entries, factory-made, defaults.", True),
        ("list-patterns", do.catalog_list_patterns,
         "List the dataset factory patterns, in matching order.", False),
        ("resolve-patterns", do.catalog_resolve_patterns,
         "Show the configuration each pipeline dataset resolves to.", True),
        ("list", do.catalog_list, "List the datasets each pipeline uses, by type.", True),
    ):
        sub = command(catalog, name, text, handler, f"example:\n  minikedro catalog {name}\n")
        if with_pipeline:
            sub.add_argument("-p", "--pipeline", action="append", metavar="A,B",
                             help="only these pipelines (default: all)")
        _add_common_options(sub, env=True)

    command(commands, "info", "Show the version and what this minikedro provides.", do.info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code (``minikedro`` console script).

    Ctrl-C ends a command with 130, and SIGTERM (``kill``, ``timeout``, a
    container stop) with 143, once the runner has stopped the run and said
    how to resume it. If a second Ctrl-C left nodes running on threads,
    ``main`` running this program's own command line (``argv`` None) ends
    the process at once: Python would wait for those threads at exit.

    Args:
        argv: The arguments after the program name; default ``sys.argv[1:]``.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed it
        return exc.code if isinstance(exc.code, int) else 2
    root_level = logging.getLogger().level
    handler = _setup_logging(args)
    previous_sigterm = _on_sigterm(_terminate)
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        _print_traceback_if_verbose(args)
        status = 143 if isinstance(stop, _Terminated) else 130
        how = "terminated" if status == 143 else "interrupted"
        print(f"error: {how}{_how_to_resume(args)}", file=sys.stderr)
        # Threads a second Ctrl-C abandoned would hold the exit. (Not is_alive():
        # Python < 3.13 marks a thread stopped when Ctrl-C interrupts joining it.)
        if argv is None and any(not thread.daemon for thread in threading.enumerate()
                                if thread is not threading.current_thread()):
            _exit_now(status)
        return status
    except Exception as exc:
        _print_traceback_if_verbose(args)
        print(f"error: {_error_message(exc, args)}", file=sys.stderr)
        return 1
    finally:  # main() may run again in this process (tests, notebooks): start afresh
        if previous_sigterm is not None:
            _on_sigterm(previous_sigterm)
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(root_level)
        logging.captureWarnings(False)  # else the next main() would not capture them again


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread: whatever stops a run on Ctrl-C stops it on this too."""


def _terminate(signum: int, frame: Any) -> None:
    raise _Terminated


def _on_sigterm(handler: Any) -> Any:
    """Handle SIGTERM with ``handler``; return the previous one (None off the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # only the main thread may set signal handlers
        return None


def _exit_now(status: int) -> NoReturn:
    """End the process without waiting for abandoned nodes' threads, as exiting would.

    What exiting would clean up goes first: the temporary files of their
    saves, an unpacked ``--conf-source`` archive, the log handlers' buffers.
    """
    import os

    from minikedro.datasets.files import remove_unfinished_writes
    from minikedro.framework.config import remove_unpacked_archives

    remove_unfinished_writes()
    remove_unpacked_archives()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _print_traceback_if_verbose(args: argparse.Namespace) -> None:
    if getattr(args, "verbose", False):
        import traceback

        traceback.print_exc()


# Logging ----------------------------------------------------------------------


def _setup_logging(args: argparse.Namespace) -> logging.Handler:
    """Add one stderr handler to the root logger, showing what a run's reader wants.

    Warnings and errors from anyone, and INFO (DEBUG with ``--verbose``)
    records from minikedro, from the project's loggers, and from any code in
    the project's source folder, whatever its logger is called: Kedro's hooks
    examples log to ``logging.getLogger(self.__class__.__name__)``, and
    project code often calls ``logging.info()``. Other libraries' INFO stays
    out unless ``--verbose``. ``args.log_filter`` learns the project's names
    and folder once they are known (``cli_commands.show_logs_of``).
    """
    quiet, verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
    args.log_level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    args.log_filter = _ProjectRecords()
    if not verbose:  # --verbose shows every library's records too
        handler.addFilter(args.log_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(args.log_level)
    logging.getLogger("minikedro").setLevel(args.log_level)
    logging.captureWarnings(True)
    return handler


class _ProjectRecords(logging.Filter):
    """Pass warnings from anyone; below that, records of ``names`` or made by code in ``folders``.

    Attributes:
        names: Top-level logger names shown (``minikedro``, the project's package).
        folders: Source folders (ending with a separator) whose code's records are shown.
    """

    def __init__(self) -> None:
        super().__init__()
        self.names = {"minikedro"}
        self.folders: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or record.name.partition(".")[0] in self.names:
            return True
        pathname = record.pathname or ""
        return any(pathname.startswith(folder) for folder in self.folders)


# Errors -------------------------------------------------------------------------


# Exceptions whose message says it all; any other type is named in the message.
_PLAIN_ERRORS = (ValueError, KeyError, LookupError, TypeError, RuntimeError, FileNotFoundError)


def _error_message(exc: BaseException, args: argparse.Namespace) -> str:
    """One paragraph for the user: what failed and, for a node, how to resume."""
    message = str(exc)
    if isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__ and exc.args:
        message = str(exc.args[0])  # not KeyError's repr() of the key
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    node = getattr(getattr(args, "active_session", None), "failed_node", None)
    plain = type(exc) in _PLAIN_ERRORS or type(exc).__module__.startswith("minikedro")
    if node is not None or not plain:
        message = f"{type(exc).__name__}: {message}"
    text = message if node is None else f"node {node.name!r} failed: {message}"
    if node is not None and not args.verbose:
        text += " (run with --verbose to see the traceback)"
    return text + _how_to_resume(args)


def _how_to_resume(args: argparse.Namespace) -> str:
    """``. To resume: <command>`` when a run stopped after some nodes ran, else nothing."""
    hint = getattr(getattr(args, "active_runner", None), "resume_hint", None)
    return f". To resume: {_resume_command(hint, args)}" if hint else ""


def _resume_command(hint: str, args: argparse.Namespace) -> str:
    """The runner's ``minikedro run --from-nodes "..."``, ready to paste into the shell.

    It starts the way this process was started (``python3 -m minikedro run``
    when ``minikedro`` is not the command that ran) and repeats every option
    that chose the project, the configuration, the runner and the nodes, so
    the resumed run finishes exactly what the failed one set out to do.
    """
    import shlex

    session = getattr(args, "active_session", None)
    program = _program_words(getattr(getattr(session, "metadata", None), "package_name", None))
    if program and hint.startswith("minikedro run"):
        hint = " ".join(shlex.quote(word) for word in program) + hint[len("minikedro run"):]
    return hint + _context_arguments(args)


def _program_words(project_package: str | None = None) -> list[str] | None:
    """How the user started this program, when it was not as ``minikedro run``.

    ``python -m minikedro`` gives the interpreter (by name when that name
    finds it on ``PATH``, else its full path) and ``-m minikedro run``, even
    when a ``minikedro`` command is installed: that one may run another copy
    of minikedro than the one that failed. The project's ``python -m <package>``
    (Kedro's template ``__main__.py``, which runs ``run`` implicitly) gives
    ``-m <package>``. ``None`` means keep ``minikedro run``: the console
    script, or ``main()`` called from Python.

    Args:
        project_package: The package of the project that ran.
    """
    import os
    import shutil

    script = sys.argv[0] if sys.argv else ""
    package = os.path.basename(os.path.dirname(os.path.abspath(script)))
    if os.path.basename(script) != "__main__.py" or package not in ("minikedro", project_package):
        return None
    found = shutil.which(os.path.basename(sys.executable))
    same = found is not None and os.path.abspath(found) == os.path.abspath(sys.executable)
    python = os.path.basename(sys.executable) if same else sys.executable
    if package == "minikedro":
        return [python, "-m", "minikedro", "run"]
    return [python, "-m", package] + (["run"] if sys.argv[1:2] == ["run"] else [])


# Options a resumed run repeats: (flag, dest) for values, then the flags. --from-nodes is
# not among them: the runner's hint gives the nodes to start from instead.
_REPEATED_OPTIONS = (
    ("--project", "project"), ("--config", "config"), ("--pipeline", "pipeline"),
    ("--pipelines", "pipelines"), ("--env", "env"), ("--conf-source", "conf_source"),
    ("--params", "params"), ("--runner", "runner"), ("--runner-params", "runner_params"),
    ("--tags", "tags"), ("--nodes", "node_names"), ("--to-nodes", "to_nodes"),
    ("--from-inputs", "from_inputs"), ("--to-outputs", "to_outputs"),
    ("--namespaces", "namespaces"), ("--load-versions", "load_versions"),
)
_REPEATED_FLAGS = (("--async", "is_async"), ("--only-missing-outputs", "only_missing_outputs"))


def _context_arguments(args: argparse.Namespace) -> str:
    """The options a resumed run must repeat to run the same project the same way.

    Only what the command line gave: a ``--config`` file is named again
    instead, and the resumed run reads it as this one did.
    """
    import shlex

    words = []
    for flag, dest in _REPEATED_OPTIONS:
        value = getattr(args, dest, None)
        if value:
            words += [flag, ",".join(value) if isinstance(value, list) else value]
    words += [flag for flag, dest in _REPEATED_FLAGS if getattr(args, dest, None)]
    return "".join(" " + shlex.quote(word) for word in words)
