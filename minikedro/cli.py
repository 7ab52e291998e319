"""The ``minikedro`` command line: ``run``, ``new``, ``pipeline``, ``registry``, ``catalog``, ``viz``,
``runs``, ``info``.

Public names: ``main`` (``main(argv=None) -> int``), ``build_parser``, ``command_line``.

Mirrors Kedro's CLI (``kedro`` -> ``minikedro``); the ``run`` options come from
:class:`~minikedro.framework.run_options.RunOptions`. Words become calls on
:mod:`minikedro.framework.cli_commands`, and results exit codes: 0, 1 with one
``error: ...`` paragraph on stderr (``--verbose`` adds the traceback), 2 for a
malformed command line, 130 on Ctrl-C, 143 on SIGTERM. Importing it stays cheap.
"""
from __future__ import annotations

import argparse
import logging
import pkgutil
import shlex
import signal
import sys
import threading
from typing import Any, NoReturn, Sequence

import minikedro

__all__ = ["build_parser", "command_line", "main"]

COMMANDS = ("run", "new", "pipeline", "registry", "catalog", "viz", "runs", "info")
LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"

MAIN_EPILOG = """\
examples:
  minikedro new my_project                run 'minikedro run' inside it next
  minikedro run --project examples/iris   run the __default__ pipeline
  minikedro registry list                 the registered pipelines
  minikedro catalog describe-datasets     the datasets each pipeline uses
  minikedro viz -o pipeline.html          a picture of the pipeline, one file, no server
  minikedro runs show last                the last run's nodes: times and statuses
  minikedro <command> --help              a command's options
"""

RUN_EPILOG = """\
examples:
  minikedro run --pipeline training --env prod
  minikedro run -r ParallelRunner --runner-params max_workers=4
  minikedro run -r my_project.runner.DryRunner
  minikedro run --tags train,report --params "model.k=3,seed=42" --to-outputs report
  minikedro run --config run_config.toml -p reporting   (the command line wins)
  minikedro run --keep-going      (a failed node stops only the nodes that depend on it)
  minikedro run --resume          (run what the last failed or interrupted run did not)

List options take comma-separated values and may be repeated.
--params values are typed: 3, 0.5, true, null become int, float, bool, None.
"""


VIZ_EPILOG = """\
examples:
  minikedro viz                                      Mermaid on stdout (GitHub renders it)
  minikedro viz -o pipeline.html                     one page that opens from disk
  minikedro viz -p training --run last -o run.html   coloured by the last run
  minikedro viz --format dot | dot -Tsvg > pipeline.svg
"""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line, as one ``argparse`` parser with sub-commands.

    Args:
        only: Add only this command, as ``main`` does: argparse looks for translations
            of its words for every parser, and all of them cost more than a small run.
    """
    from minikedro.framework.run_options import OPTIONS, split_commas

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="minikedro", epilog=MAIN_EPILOG, formatter_class=formatter,
                                     description="Run Kedro-style data pipelines on the standard library.",
                                     allow_abbrev=False)
    parser.add_argument("-V", "--version", action="version",
                        version=f"minikedro, version {minikedro.__version__}")
    parser.set_defaults(handler=lambda args: parser.print_help())  # bare "minikedro", as Kedro
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    volume = argparse.ArgumentParser(add_help=False)  # options every command but info takes
    quiet_or_verbose = volume.add_mutually_exclusive_group()
    quiet_or_verbose.add_argument("-q", "--quiet", action="store_true",
                                  help="print warnings and errors only")
    quiet_or_verbose.add_argument("-v", "--verbose", action="store_true",
                                  help="print debug messages and tracebacks")
    project = argparse.ArgumentParser(add_help=False, parents=[volume])
    project.add_argument("--project", metavar="PATH",
                         help="project folder (default: found from the current folder up)")

    def command(parent: Any, name: str, help: str, handler: str, example: str = "", *, epilog: str = "",
                parents: tuple = (project,)) -> Any:
        """A sub-command run by ``handler``, a ``cli_commands`` function or ``module:function``:
        named, so that main imports only the one it runs."""
        sub = parent.add_parser(name, help=help, description=help, formatter_class=formatter,
                                epilog=epilog or f"example:\n  minikedro {example}\n",
                                allow_abbrev=False, parents=parents)
        sub.set_defaults(handler=handler if ":" in handler else f"minikedro.framework.cli_commands:{handler}")
        return sub

    def group(name: str, help: str) -> Any:
        sub = commands.add_parser(name, help=help, description=help)
        return sub.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)

    if only in (None, "run"):
        run = command(commands, "run", "Run a project's pipeline.", "run", epilog=RUN_EPILOG)
        for option in OPTIONS.values():  # list options split on commas and may be repeated
            meta = option.metadata
            how = ({"action": "store_true", "default": None} if meta["kind"] == "flag" else
                   {"action": argparse.BooleanOptionalAction} if meta["kind"] == "switch" else
                   {"metavar": meta["metavar"]} if meta["kind"] == "text" else
                   {"action": "extend", "type": split_commas, "metavar": meta["metavar"]})
            run.add_argument(*meta["flags"], dest=option.name, help=meta["help"], **how)
            for alias in meta["aliases"]:  # older Kedro spellings, accepted without being advertised
                run.add_argument(alias, dest=option.name, help=argparse.SUPPRESS, **how)
        run.add_argument("-c", "--config", metavar="FILE",
                         help="read options from the [run] table of a TOML/JSON/YAML file")
    if only in (None, "new"):
        new = command(commands, "new", "Create a new project that runs at once.", "new",
                      parents=(volume,), epilog="example:\n  minikedro new spaceflights && cd "
                      "spaceflights && minikedro run\n  minikedro new --name=spaceflights --example=n\n")
        new.add_argument("name", nargs="?", help="project name; the folder and package come from it")
        new.add_argument("-n", "--name", dest="name_option", metavar="NAME",
                         help="the same, as Kedro spells it")
        new.add_argument("-c", "--config", metavar="FILE",
                         help="a TOML/JSON/YAML file with project_name (and output_dir)")
        new.add_argument("-e", "--example", metavar="y|n", default="y",
                         help="include the example pipeline (default: y)")
        new.add_argument("--directory", metavar="DIR",
                         help="where to create the project folder (default: here)")
        for flags in (("-t", "--tools"), ("-s", "--starter"), ("--checkout",), ("-tc", "--telemetry")):
            new.add_argument(*flags, dest=flags[-1].lstrip("-"), help=argparse.SUPPRESS)
    if only in (None, "pipeline"):
        pipeline = group("pipeline", "Create or delete a pipeline's files.")
        create = command(pipeline, "create", "Create the files of a new pipeline.", "pipeline_create",
                         "pipeline create data_processing")
        create.add_argument("name", help="the pipeline's name: letters, digits and underscores")
        create.add_argument("--skip-config", action="store_true", help="write no parameters file")
        create.add_argument("-e", "--env", default="base", help="where the parameters file goes (base)")
        delete = command(pipeline, "delete", "Delete a pipeline's files.", "pipeline_delete",
                         "pipeline delete data_processing -y")
        delete.add_argument("name", help="the pipeline's name")
        delete.add_argument("-e", "--env", default="base", help="where its parameters file is (base)")
        delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    if only in (None, "registry"):
        registry = group("registry", "Inspect the registered pipelines.")
        command(registry, "list", "List the registered pipelines.", "registry_list", "registry list")
        describe = command(registry, "describe", "List a registered pipeline's nodes.",
                           "registry_describe", "registry describe training")
        describe.add_argument("name", nargs="?", default="__default__",
                              help="pipeline name (default: __default__)")
    if only in (None, "catalog"):
        catalog = group("catalog", "Inspect the data catalog.")
        for name, handler, text in (
            ("describe-datasets", "catalog",
             "List each pipeline's datasets: catalog entries, factory-made, defaults."),
            ("list-patterns", "catalog", "List the dataset factory patterns, in matching order."),
            ("resolve-patterns", "catalog", "Show the configuration each pipeline dataset resolves to."),
            ("list", "catalog_list", "List the datasets each pipeline uses, by type."),
        ):
            sub = command(catalog, name, text, handler, f"catalog {name}")
            sub.add_argument("-e", "--env", help=OPTIONS["env"].metadata["help"])
            if name != "list-patterns":
                sub.add_argument("-p", "--pipeline", action="extend", type=split_commas, metavar="A,B",
                                 help="only these pipelines (default: all)")
    if only in (None, "viz"):
        viz = command(commands, "viz", "Draw a pipeline: Mermaid, Graphviz dot or one HTML page.",
                      "minikedro.observe.viz:main", epilog=VIZ_EPILOG)
        viz.add_argument("-p", "--pipeline", default="__default__",
                         help="registered pipeline (default: __default__)")
        viz.add_argument("--format", choices=("mermaid", "dot", "html"),
                         help="default: from --output's suffix (.html, .dot, .mmd/.md), else mermaid")
        viz.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
        viz.add_argument("--run", metavar="ID|last", help="colour the nodes by a recorded run")
        viz.add_argument("-e", "--env", help="environment whose catalog gives the dataset types")
    if only in (None, "runs"):
        runs = command(commands, "runs", "List the recorded runs, newest first.",
                       "minikedro.observe.records:runs_main", "runs")
        show = command(runs.add_subparsers(dest="runs_command", metavar="COMMAND"), "show",
                       "Show one run's nodes: when each started, how long it took, how it ended.",
                       "minikedro.observe.records:runs_show_main", "runs show last")
        show.add_argument("run", nargs="?", default="last", help="a run id, or last (default)")
    if only in (None, "info"):
        command(commands, "info", "Show the version and what this minikedro provides.", "info", "info",
                parents=())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``argv``, default ``sys.argv[1:]``) and return the exit code.

    If a second Ctrl-C left nodes running on threads, ``main`` of this process's own
    command line (``argv`` None) ends the process at once: Python would wait for them at exit.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    command = next((word for word in words if not word.startswith("-")), None)  # no option takes a value
    try:
        args = build_parser(command if command in COMMANDS else None).parse_args(words)
        args.words = words  # what a run record keeps as its command
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed it
        return exc.code if isinstance(exc.code, int) else 2
    root_level = logging.getLogger().level
    handler = _setup_logging(args)
    previous_sigterm = _on_sigterm(_terminate)
    try:
        run = args.handler
        (pkgutil.resolve_name(run) if isinstance(run, str) else run)(args)
        return 0
    except (Exception, KeyboardInterrupt) as exc:  # KeyboardInterrupt: Ctrl-C, or SIGTERM
        if getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        status = 1 if isinstance(exc, Exception) else 143 if isinstance(exc, _Terminated) else 130
        print(f"error: {_error_message(exc, args, status)}", file=sys.stderr)
        # Threads a second Ctrl-C abandoned would hold the exit. (Not is_alive():
        # Python < 3.13 marks a thread stopped when Ctrl-C interrupts joining it.)
        others = [thread for thread in threading.enumerate() if thread is not threading.current_thread()]
        if status != 1 and argv is None and any(not thread.daemon for thread in others):
            _exit_now(status)
        return status
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
    """End the process without waiting for abandoned threads, after what exiting would clean up."""
    import os

    from minikedro.datasets.files import remove_unfinished_writes
    from minikedro.framework.config import remove_unpacked_archives

    remove_unfinished_writes()  # the temporary files of their saves
    remove_unpacked_archives()  # an unpacked --conf-source archive
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _setup_logging(args: argparse.Namespace) -> logging.Handler:
    """Add one stderr handler to the root logger, showing what a run's reader wants.

    Warnings from anyone; INFO (DEBUG with ``--verbose``) from minikedro, the project's
    loggers and code in its source folder, whatever the logger's name (Kedro's hooks
    examples log to the class's); other libraries' INFO only with ``--verbose``.
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
    """Pass warnings; below that, records of top-level loggers ``names`` or made in ``folders``."""

    def __init__(self) -> None:
        super().__init__()
        self.names = {"minikedro"}
        self.folders: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or record.name.partition(".")[0] in self.names:
            return True
        pathname = record.pathname or ""
        return any(pathname.startswith(folder) for folder in self.folders)


# Exceptions whose message says it all; any other type is named in the message.
_PLAIN_ERRORS = (ValueError, KeyError, LookupError, TypeError, RuntimeError, FileNotFoundError)


def _error_message(exc: BaseException, args: argparse.Namespace, status: int) -> str:
    """One paragraph for the user: what failed and, for a node, how to resume."""
    if status != 1:  # Ctrl-C or SIGTERM
        return ("terminated" if status == 143 else "interrupted") + _how_to_resume(args)
    message = str(exc)
    if isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__ and exc.args:
        message = str(exc.args[0])  # not KeyError's repr() of the key
    node = getattr(getattr(args, "active_session", None), "failed_node", None)
    if hasattr(exc, "skipped"):  # --keep-going's NodesFailedError: one line per failed node
        return f"{message}{_how_to_resume(args)}"
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    plain = type(exc) in _PLAIN_ERRORS or type(exc).__module__.startswith("minikedro")
    if node is not None or not plain:
        message = f"{type(exc).__name__}: {message}"
    text = message if node is None else f"node {node.name!r} failed: {message}"
    if node is not None and not args.verbose:
        text += " (run with --verbose to see the traceback)"
    return text + _how_to_resume(args)


def _how_to_resume(args: argparse.Namespace) -> str:
    """``. To resume: <command>`` when a run stopped after some nodes ran, else nothing: the runner's
    ``minikedro run --from-nodes "..."`` as typed, then the options given, in ``RunOptions`` order."""
    hint = getattr(getattr(args, "active_runner", None), "resume_hint", None)
    if not hint:
        return ""
    from minikedro.framework.run_options import OPTIONS

    package = getattr(getattr(args.active_session, "metadata", None), "package_name", None)
    if getattr(args, "resume", None):  # the options came from a record: --resume finds them again
        project = ["--project", args.project] if args.project else []
        return ". To resume: " + command_line("run", "--resume", *project, package=package)
    if hint.startswith("minikedro run"):
        hint = command_line("run", package=package) + hint[len("minikedro run"):]
    given = [("--project", args.project), ("--config", args.config)] + [
        (option.metadata["flags"][-1], getattr(args, name)) for name, option in OPTIONS.items()
        if name != "from_nodes" and option.metadata["to"] != "cli"]  # the hint replaces from_nodes
    words = [word for flag, value in given if value is not None for word in (
        [flag] if value is True else [flag, ",".join(value) if isinstance(value, list) else value])]
    return ". To resume: " + " ".join(filter(None, (hint, shlex.join(words))))


def command_line(*words: str, package: str | None = None) -> str:
    """``minikedro WORDS`` as the user can type it where they stand.

    Started as ``python -m minikedro`` (say ``python -S -m minikedro`` with nothing
    installed), or as a project's ``python -m <package>`` (Kedro's template
    ``__main__.py``, which runs ``WORDS[1:]``): the same again, the interpreter by
    name if that name finds it on ``PATH``. Otherwise the ``minikedro`` command, or
    ``python -m minikedro`` where there is none.
    """
    import os
    import shutil

    script = sys.argv[0] if sys.argv else ""
    started = os.path.basename(os.path.dirname(os.path.abspath(script)))
    if os.path.basename(script) != "__main__.py" or started not in ("minikedro", package):
        if os.path.basename(script) == "minikedro" or shutil.which("minikedro"):
            return shlex.join(["minikedro", *words])
        started = "minikedro"
    found = shutil.which(os.path.basename(sys.executable))
    same = found is not None and os.path.realpath(found) == os.path.realpath(sys.executable)
    if started == package:
        words = words[1:]  # the project's own __main__.py only runs
    python = os.path.basename(sys.executable) if same else sys.executable
    return shlex.join([python, "-m", started, *words])
