"""How long ``python -m minikedro run`` takes on the iris example, against ``python -c pass``.

The goal: a whole run of the example project (find the project, read conf/,
import its pipelines, run 7 nodes, write 9 files) costs at most 3x starting an
empty interpreter. When Kedro is importable, one more project is timed under
both: a 4-node Kedro project (``[tool.kedro]``, YAML catalog and parameters,
memory datasets), written twice, identical but for ``from kedro.pipeline`` or
``from minikedro.pipeline``, and run with ``python -m kedro run`` and
``python -m minikedro run``; otherwise the script says "Kedro not installed:
skipped". Usage::

    python benchmarks/bench_startup.py          # 21 runs of each command
    python benchmarks/bench_startup.py 51       # more runs
    python benchmarks/bench_startup.py --check  # exit 1 above the goal
    python benchmarks/bench_startup.py --against /tmp/old-checkout  # before/after in one run

Each figure is the median wall time of N runs, the commands alternating so
that a busy machine slows both alike. The project is copied to a temporary
folder first, and ``PYTHONDONTWRITEBYTECODE`` is removed from the children's
environment after one warm-up run: a user's second run reads cached bytecode,
and so does this measurement. The rows below the ratio show where the time
goes: importing the CLI alone, and importing everything a run imports.
Every ratio is to ``python -c pass``, measured in the same run.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 3.0

# The project both libraries run: the same files, but for the library imported.
FOUR_NODE_PROJECT = {
    "pyproject.toml": """
        [project]
        name = "startup_bench"
        version = "0.1.0"

        [tool.kedro]
        package_name = "startup_bench"
        project_name = "startup bench"
        kedro_init_version = "{kedro_version}"
        source_dir = "src"
    """,
    "conf/base/catalog.yml": """
        report:
          type: MemoryDataset
    """,
    "conf/base/parameters.yml": """
        n: 100
        factor: 3
    """,
    "conf/local/.gitkeep": "",
    "src/startup_bench/__init__.py": "",
    "src/startup_bench/settings.py": "",
    "src/startup_bench/pipeline_registry.py": """
        from {lib}.pipeline import Pipeline, node


        def numbers(n):
            return list(range(n))


        def scale(xs, factor):
            return [x * factor for x in xs]


        def total(xs):
            return sum(xs)


        def report(value):
            return f"total: {{value}}"


        def register_pipelines():
            return {{"__default__": Pipeline([
                node(numbers, "params:n", "xs", name="numbers"),
                node(scale, ["xs", "params:factor"], "scaled", name="scale"),
                node(total, "scaled", "sum", name="total"),
                node(report, "sum", "report", name="report"),
            ])}}
    """,
}


def write_project(folder: Path, lib: str, kedro_version: str) -> Path:
    for name, text in FOUR_NODE_PROJECT.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip().format(lib=lib, kedro_version=kedro_version))
    return folder


def timed(command: list[str], env: dict, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    runs = int(next((a for a in argv if a.isdigit()), 21))
    against = argv[argv.index("--against") + 1] if "--against" in argv else None
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    # Kedro's default install includes kedro-telemetry: opt out (no network calls while timed).
    env.update(DO_NOT_TRACK="1", KEDRO_DISABLE_TELEMETRY="true")
    kedro = importlib.util.find_spec("kedro") is not None
    with tempfile.TemporaryDirectory() as scratch:
        iris = Path(scratch) / "iris"
        shutil.copytree(ROOT / "examples" / "iris", iris,
                        ignore=shutil.ignore_patterns("0[2-9]_*", "__pycache__"))
        python = sys.executable
        commands = {  # name: (command, folder to run it in)
            "python -c pass": ([python, "-c", "pass"], ROOT),
            "python -m minikedro run": ([python, "-m", "minikedro", "run", "--project", str(iris)],
                                        ROOT),
            "  import minikedro.cli": ([python, "-c", "import minikedro.cli"], ROOT),
            "  import what a run imports": ([
                python, "-c",
                "import minikedro.cli, minikedro.framework.session, minikedro.runner, "
                "minikedro.framework.run_options, minikedro.datasets",
            ], ROOT),
        }
        envs: dict[str, dict] = {}  # commands that need another environment
        if against:  # the same run from another checkout: a before/after in one measurement
            name = f"  the same, from {against}"
            commands[name] = ([python, "-m", "minikedro", "run", "--project", str(iris)], ROOT)
            envs[name] = {**env, "PYTHONPATH": against}
        if kedro:
            same = {lib: write_project(Path(scratch) / lib, lib, version("kedro"))
                    for lib in ("minikedro", "kedro")}
            commands.update({
                "4-node project: minikedro run": ([python, "-m", "minikedro", "run"],
                                                  same["minikedro"]),
                "4-node project: kedro run": ([python, "-m", "kedro", "run"], same["kedro"]),
            })
        for name, (command, cwd) in commands.items():  # warm up: write bytecode caches
            timed(command, envs.get(name, env), cwd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (command, cwd) in commands.items():
                samples[name].append(timed(command, envs.get(name, env), cwd))
    median = {name: statistics.median(values) for name, values in samples.items()}
    base = median["python -c pass"]
    print(f"Python {sys.version.split()[0]}, median of {runs} runs each, "
          f"{'Kedro ' + version('kedro') if kedro else 'Kedro not installed'}")
    for name, seconds in median.items():
        print(f"{name:32} {seconds * 1000:7.1f} ms  {seconds / base:5.2f}x")
    if not kedro:
        print("Kedro not installed: skipped (the same 4-node project under kedro run and "
              "minikedro run)")
    ratio = median["python -m minikedro run"] / base
    verdict = "within" if ratio <= GOAL_RATIO else "ABOVE"
    print(f"ratio run / pass: {ratio:.2f} ({verdict} the goal of {GOAL_RATIO:.0f}x)")
    return 1 if "--check" in argv and ratio > GOAL_RATIO else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
