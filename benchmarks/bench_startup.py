"""How long ``python -m minikedro run`` takes on the iris example, against ``python -c pass``.

The goal: a whole run of the example project (find the project, read conf/,
import its pipelines, run 7 nodes, write 9 files) costs at most 3x starting an
empty interpreter. Usage::

    python benchmarks/bench_startup.py          # 21 runs of each command
    python benchmarks/bench_startup.py 51       # more runs
    python benchmarks/bench_startup.py --check  # exit 1 above the goal

Each figure is the median wall time of N runs, the commands alternating so
that a busy machine slows both alike. The project is copied to a temporary
folder first, and ``PYTHONDONTWRITEBYTECODE`` is removed from the children's
environment after one warm-up run: a user's second run reads cached bytecode,
and so does this measurement. The rows below the ratio show where the time
goes: importing the CLI alone, and importing everything a run imports.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 3.0


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    runs = int(next((a for a in argv if a.isdigit()), 21))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        iris = Path(scratch) / "iris"
        shutil.copytree(ROOT / "examples" / "iris", iris,
                        ignore=shutil.ignore_patterns("0[2-9]_*", "__pycache__"))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -m minikedro run": [sys.executable, "-m", "minikedro", "run",
                                        "--project", str(iris)],
            "  import minikedro.cli": [sys.executable, "-c", "import minikedro.cli"],
            "  import what a run imports": [
                sys.executable, "-c",
                "import minikedro.cli, minikedro.framework.session, minikedro.runner, "
                "minikedro.framework.run_options, minikedro.datasets",
            ],
        }
        for command in commands.values():  # warm up: write bytecode caches
            timed(command, env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                samples[name].append(timed(command, env))
    median = {name: statistics.median(values) for name, values in samples.items()}
    base = median["python -c pass"]
    print(f"Python {sys.version.split()[0]}, median of {runs} runs each")
    for name, seconds in median.items():
        print(f"{name:32} {seconds * 1000:7.1f} ms  {seconds / base:5.2f}x")
    ratio = median["python -m minikedro run"] / base
    verdict = "within" if ratio <= GOAL_RATIO else "ABOVE"
    print(f"ratio run / pass: {ratio:.2f} ({verdict} the goal of {GOAL_RATIO:.0f}x)")
    return 1 if "--check" in argv and ratio > GOAL_RATIO else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
