"""What a Kedro project's ``__main__.py`` imports from ``kedro.framework.cli.utils``: ``find_run_command``
(so ``python -m <package> [options]`` is ``minikedro run``) and ``split_string``.
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
    """The project's ``run`` command: ``minikedro run`` with the arguments given (default ``sys.argv[1:]``).

    With ``standalone_mode=True`` (click's default) it exits with the run's exit code,
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
