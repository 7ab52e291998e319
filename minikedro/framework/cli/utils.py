"""``find_run_command``: what a Kedro project's ``__main__.py`` calls to run itself.

Public names: ``find_run_command``, ``split_string``.

Kedro's project template ends ``src/<package>/__main__.py`` with::

    run = find_run_command(package_name)
    return run(*args, **kwargs)

so that ``python -m <package> [run options]`` runs the project. Here the
command is ``minikedro run`` with those options.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

__all__ = ["find_run_command", "split_string"]


def split_string(ctx: Any, param: Any, value: str) -> list[str]:
    """Split ``"a, b"`` on commas outside brackets (Kedro's click callback, kept for project code)."""
    from minikedro.framework.run_options import split_commas

    return split_commas(value)


def find_run_command(package_name: str) -> Callable[..., int]:
    """The ``run`` command for ``package_name``'s project: ``minikedro run``'s options.

    The returned function takes the arguments after the program name (default
    ``sys.argv[1:]``); with ``standalone_mode=True`` (click's default, the
    template's choice outside a REPL) it exits with the run's exit code,
    otherwise it returns it.
    """

    def run(args: Sequence[str] | None = None, standalone_mode: bool = True, **_: Any) -> int:
        from minikedro.cli import main

        code = main(["run", *(sys.argv[1:] if args is None else list(args))])
        if standalone_mode:
            sys.exit(code)
        return code

    run.__name__ = f"{package_name}_run"
    return run
