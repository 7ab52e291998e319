"""A record of every run, kept current as it goes: what ran, when, for how long, how it ended.

Public names: ``RunRecorder`` (hooks that keep ``.minikedro/runs/<run_id>.json``);
``list_runs``, ``load_run``, ``runs_main``, ``runs_show_main`` (``minikedro runs [show ID]``);
``resumable_run``, ``plan_resume``, ``describe_plan`` (``minikedro run --resume``). Kedro
keeps no such record (a real ``--resume`` is Kedro #5440). A record, one node a line::

    {"run_id", "command", "started", "finished", "status", "error", "pid", "pipeline_names",
     "runner", "workers", "options", "nodes": [{"name", "status", "started", "finished",
     "seconds", "error"}, ...]}

A run's times are local ISO 8601 with offset; a node's are seconds since the run started.
A run is ``running``, then ``completed``, ``failed`` or ``interrupted`` (readers say so of a
``running`` record whose process is gone: SIGKILL). A node is ``not_run``, ``running``,
``completed``, ``failed`` or ``skipped`` (``--keep-going``: a node it needs failed).
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from minikedro.hooks import hook_impl
from minikedro.observe.progress import ProgressLine, format_seconds, timing_summary

if TYPE_CHECKING:
    import argparse

    from minikedro.pipeline import Node, Pipeline

__all__ = ["RunRecorder", "describe_plan", "list_runs", "load_run", "plan_resume",
           "resumable_run", "runs_main", "runs_show_main"]

logger = logging.getLogger(__name__)

_TICK = 0.1  # the writer's pace: at most ten progress redraws, and ten writes, a second
_WRITE_PACE = 20  # wait 20 times as long as a write took: writing stays near 5% of a run
_LISTED = 20  # node names shown in one line before "and N more"
_now = time.time  # the clock of the record's times (tests replace it)


def _folder(project_path: str | os.PathLike) -> Path:
    return Path(project_path) / ".minikedro" / "runs"


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp).astimezone().isoformat(
        timespec="milliseconds")


def _node_json(name: str, entry: dict[str, Any], origin: float) -> str:
    """One node's line of the record, times counted from ``origin``; by hand: 5x ``json.dumps``."""
    started, finished, error = entry["started"], entry["finished"], entry["error"]
    if started is None:
        times = '"started": null, "finished": null, "seconds": null'
    elif finished is None:
        times = '"started": %.3f, "finished": null, "seconds": null' % (started - origin)
    else:  # % formats floats faster than an f-string does
        times = ('"started": %.3f, "finished": %.3f, "seconds": %.6f'
                 % (started - origin, finished - origin, finished - started))
    return (f'{{"name": {encode_basestring(name)}, "status": "{entry["status"]}", {times}, '
            f'"error": {"null" if error is None else encode_basestring(error)}}}')


class RunRecorder:
    """The hooks that keep a run's record, log its timings and draw its progress line.

    ``before_pipeline_run`` starts it, ``after_pipeline_run`` or ``on_pipeline_error``
    finishes it; without those (a runner run directly, Ctrl-C) call ``start()`` and
    ``finish(status)``. ``pipeline`` is the filtered pipeline about to run; ``options`` the
    run's options as JSON values, for ``--resume``; ``keep`` how many records to keep.
    Node hooks, on any thread, only append an event to a list; a daemon thread applies
    the events, redraws the progress line, and rewrites the file atomically, encoding again
    only the nodes that changed and waiting 20 times as long as that took before the next.
    """

    def __init__(self, project_path: str | os.PathLike, run_id: str, command: list[str] | None,
                 pipeline: Pipeline, pipeline_names: list[str], runner: Any,
                 options: Mapping[str, Any], keep: int = 50, progress: bool = False) -> None:
        self.path = _folder(project_path) / f"{run_id}.json"
        self.status = "running"
        self._pipeline, self._runner, self._keep = pipeline, runner, keep
        # The pool the runner makes for this pipeline (Kedro's name; 1 for an executor lent later).
        self._pool = getattr(runner, "_get_required_workers_count", lambda _: 1)(pipeline)
        self._header: dict[str, Any] = {
            "run_id": run_id, "command": command, "started": None, "finished": None,
            "status": "running", "error": None, "pid": os.getpid(),
            "pipeline_names": list(pipeline_names), "runner": type(runner).__name__,
            "workers": self._pool if self._pool > 1 else None, "options": dict(options)}
        self._nodes = {node.name: {"status": "not_run", "started": None, "finished": None,
                                   "error": None} for node in pipeline.nodes}  # pipeline order
        self._lines = {name: _node_json(name, entry, 0.0) for name, entry in self._nodes.items()}
        self._events: list[tuple[str, str, float, str | None]] = []  # (node, status, when, error)
        self._changed: set[str] = set()  # the nodes whose line is out of date
        self._running: dict[str, None] = {}  # the nodes running, oldest first
        self._most_at_once = self._ended = 0
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._progress = ProgressLine() if progress else None
        self._write_failed = False

    def __repr__(self) -> str:
        return f"RunRecorder({str(self.path)!r}, status={self.status!r})"

    @hook_impl
    def before_pipeline_run(self) -> None:
        self.start()

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        self._events.append((node.name, "running", _now(), None))

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        self._events.append((node.name, "completed", _now(), None))

    @hook_impl
    def on_node_error(self, error: BaseException, node: Node) -> None:
        self._events.append((node.name, "failed", _now(), f"{type(error).__name__}: {error}"))

    @hook_impl
    def after_pipeline_run(self) -> None:
        self.finish("completed")

    @hook_impl
    def on_pipeline_error(self, error: BaseException) -> None:
        self.finish("failed", error)

    def _apply_events(self) -> None:
        """Bring the nodes' state up to date with the hooks' events. Only the writer's thread
        calls it (or ``finish`` once that has stopped), so the state needs no lock."""
        count = len(self._events)
        for name, status, when, error in self._events[:count]:
            entry = self._nodes.get(name)
            if entry is None:  # not in the pipeline this recorder was made for
                continue
            entry["status"], entry["error"] = status, error
            if status == "running":
                entry["started"] = when
                self._running[name] = None
                self._most_at_once = max(self._most_at_once, len(self._running))
            else:
                entry["finished"] = when
                self._running.pop(name, None)
                self._ended += 1
            self._changed.add(name)
        del self._events[:count]  # events appended meanwhile stay

    def start(self) -> None:
        """Delete the oldest records, write this one, start the writer; again: nothing."""
        if self._writer is not None:
            return
        self._header["started"] = _now()
        self._forget_old_runs()
        self._write()
        if self._progress is not None:
            self._progress.attach()
        self._writer = threading.Thread(target=self._keep_writing, name="minikedro-run-record",
                                        daemon=True)
        self._writer.start()

    def finish(self, status: str, error: BaseException | None = None) -> None:
        """End the record with ``status`` (completed, failed, interrupted) and log the timings.

        Only the first call counts; before ``start()`` there is nothing to finish.
        """
        if self._writer is None or self.status != "running":
            return
        self.status = status
        self._stop.set()
        self._writer.join()
        if self._progress is not None:
            self._progress.detach()
        ended, why = _now(), None if error is None else f"{type(error).__name__}: {error}"
        skipped = {node.name for node in getattr(self._runner, "skipped_nodes", None) or ()}
        failed = {node.name for node in getattr(self._runner, "failed_nodes", None) or ()}
        self._apply_events()
        for name, entry in self._nodes.items() if failed or skipped or self._running else ():
            was = entry["status"]
            if name in failed and was != "failed":  # its worker died, or saving failed
                entry["status"], entry["error"] = "failed", why
            elif was == "running":  # stopped mid-way: Ctrl-C, a second one abandoning it
                entry["status"], entry["error"] = "failed", f"did not finish (run {status})"
            elif name in skipped and was == "not_run":
                entry["status"] = "skipped"
            else:
                continue
            if entry["started"] is not None and entry["finished"] is None:
                entry["finished"] = ended
            self._changed.add(name)
        self._header.update(status=status, finished=ended, error=why)
        self._write()
        seconds = {name: entry["finished"] - entry["started"] for name, entry in self._nodes.items()
                   if entry["started"] is not None and entry["finished"] is not None}
        workers = max(self._pool, self._most_at_once)
        logger.info("%s", timing_summary(self._pipeline, seconds, ended - self._header["started"],
                                         workers))

    def _forget_old_runs(self) -> None:
        """Delete all but the newest ``keep - 1`` records, making room for this run's."""
        try:
            records = sorted(self.path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in records[:max(0, len(records) - self._keep + 1)]:
                old.unlink()
        except OSError as error:  # a record another run deleted meanwhile, a read-only folder
            logger.debug("Could not delete old run records: %s", error)

    def _keep_writing(self) -> None:
        """The writer thread: redraw the progress line, and write the record when it changed."""
        next_write = 0.0
        while not self._stop.wait(_TICK):
            self._apply_events()
            if self._progress is not None:
                elapsed = format_seconds(_now() - self._header["started"])
                self._progress.draw(f"[{self._ended}/{len(self._nodes)}] {elapsed}  "
                                    f"{', '.join(self._running)}")
            if self._changed and time.perf_counter() >= next_write:
                began = time.perf_counter()
                self._write()
                next_write = time.perf_counter() + _WRITE_PACE * (time.perf_counter() - began)

    def _write(self) -> None:
        """Write the record atomically: the nodes that changed are encoded again, only them."""
        from minikedro.datasets.files import atomic_write

        for name in self._changed:
            self._lines[name] = _node_json(name, self._nodes[name], self._header["started"])
        self._changed.clear()
        header = {**self._header, "started": _iso(self._header["started"]),
                  "finished": _iso(self._header["finished"])}
        opened = json.dumps(header, default=str)[:-1]  # the header's object, left open for the nodes
        try:
            with atomic_write(self.path, "w", encoding="utf-8") as file:
                file.write(f'{opened}, "nodes": [\n')
                file.write(",\n".join(self._lines.values()))  # one node a line
                file.write("\n]}\n")
        except OSError as error:  # the run goes on without its record
            if not self._write_failed:
                logger.warning("Could not write the run record %s: %s", self.path, error)
            self._write_failed = True


# -- reading records


def _alive(pid: Any) -> bool:
    """Whether process ``pid`` runs on this machine; on Windows, always assumed to."""
    if os.name == "nt" or not isinstance(pid, int):  # os.kill(pid, 0) would end it on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: it runs
        pass
    return True


def _read(path: Path) -> dict[str, Any] | None:
    """The record in ``path``, its status as it stands; None (with a warning) if it is none."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(record, dict) and isinstance(record.get("nodes"), list)
                and all(isinstance(entry, dict) and isinstance(entry.get("name"), str)
                        for entry in record["nodes"])
                and all(isinstance(record.get(key), str) for key in ("run_id", "started", "status"))):
            raise ValueError("it is JSON, but not a run record")
        for key in ("started", "finished"):  # sorting and wall times parse them
            if record.get(key) is not None:
                datetime.fromisoformat(record[key])
    except (OSError, ValueError, TypeError) as error:
        logger.warning("Skipping %s: not a readable run record (%s)", path, error)
        return None
    if record["status"] == "running" and not _alive(record.get("pid")):
        record["status"] = "interrupted"  # killed: nothing was left to say so
    return record


def list_runs(project_path: str | os.PathLike) -> list[dict[str, Any]]:
    """The project's run records, newest first; unreadable files are skipped with a warning."""
    records = [record for path in _folder(project_path).glob("*.json")
               if (record := _read(path)) is not None]
    return sorted(records, key=lambda r: (datetime.fromisoformat(r["started"]).timestamp(),
                                          r["run_id"]), reverse=True)


def load_run(project_path: str | os.PathLike, run: str = "last") -> dict[str, Any]:
    """The record of run ``run`` (an id, or ``"last"``: the newest).

    Raises:
        ValueError: There is no such record; the message lists the newest ones.
    """
    records = list_runs(project_path)
    found = records[:1] if run == "last" else [r for r in records if r["run_id"] == run]
    if found:
        return found[0]
    folder = _folder(project_path)
    if not records:
        raise ValueError(f"no run recorded in {folder}: runs are recorded by 'minikedro run'")
    newest = ", ".join(r["run_id"] for r in records[:5])
    raise ValueError(f"no run {run!r} recorded in {folder}; the newest: {newest} "
                     f"(see them all with 'minikedro runs')")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in rows)


def _wall(record: dict[str, Any]) -> str:
    if not record.get("finished"):
        return "-"
    seconds = datetime.fromisoformat(record["finished"]) - datetime.fromisoformat(record["started"])
    return format_seconds(seconds.total_seconds())


def _project_path(args: argparse.Namespace) -> Path:
    from minikedro.framework.project import find_project

    return find_project(getattr(args, "project", None))


def runs_main(args: argparse.Namespace) -> int:
    """``minikedro runs``: a table of the recorded runs, newest first."""
    records = list_runs(_project_path(args))
    if not records:
        print("No runs recorded yet: 'minikedro run' records each run.")
        return 0
    rows = [["RUN ID", "STARTED", "STATUS", "NODES", "WALL TIME"]] + [
        [r["run_id"], str(r["started"])[:19].replace("T", " "), r["status"],
         f"{sum(n.get('status') == 'completed' for n in r['nodes'])}/{len(r['nodes'])}", _wall(r)]
        for r in records]
    print(_table(rows))
    return 0


def _number(value: Any) -> float | None:
    """``value`` if it is a number, else None: a record is data from disk."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def runs_show_main(args: argparse.Namespace) -> int:
    """``minikedro runs show ID|last``: one run's nodes, in the order they started."""
    record = load_run(_project_path(args), args.run)
    command = record.get("command")
    workers = f" ({record['workers']} workers)" if record.get("workers") else ""
    print(f"run {record['run_id']}: {record['status']}, wall time {_wall(record)}\n"
          f"command: {' '.join(command) if command else '(from Python)'}\n"
          f"runner: {record.get('runner')}{workers}\n")

    def shown(seconds: float | None, sign: str = "") -> str:
        return "-" if seconds is None else sign + format_seconds(seconds)

    nodes = sorted(((_number(n.get("started")), n) for n in record["nodes"]),
                   key=lambda pair: (pair[0] is None, pair[0] or 0.0))
    rows = [["NODE", "STARTED", "TIME", "STATUS"]] + [
        [n["name"], shown(start, "+"), shown(_number(n.get("seconds"))), str(n.get("status"))]
        for start, n in nodes]
    print(_table(rows))
    for _, n in nodes:
        if n.get("error"):
            print(f"\n{n['name']}: {n['error']}")
    return 0


# -- resuming


def resumable_run(project_path: str | os.PathLike) -> dict[str, Any]:
    """The newest run's record, if that run failed or was interrupted.

    Raises:
        ValueError: No run is recorded, or the newest one completed or is still running.
    """
    records = list_runs(project_path)
    if not records:
        raise ValueError(f"nothing to resume: no run is recorded in {_folder(project_path)}; "
                         f"start one with 'minikedro run'")
    record = records[0]
    if record["status"] == "completed":
        raise ValueError(f"nothing to resume: the last run, {record['run_id']}, completed; "
                         f"to run again, leave out --resume")
    if record["status"] == "running":
        raise ValueError(f"the last run, {record['run_id']}, is still running (pid "
                         f"{record.get('pid')}): resume it once it has ended")
    return record


def plan_resume(record: dict[str, Any], pipelines: Mapping[str, Pipeline], catalog: Any) -> list[str]:
    """The nodes that finish the recorded run, in pipeline order: those that did not
    complete, and upstream those whose outputs they need but that are not persisted (kept
    in memory only, or missing from their dataset). ``pipelines`` are the project's
    registered pipelines; ``catalog`` is that of a run with the record's options.

    Raises:
        ValueError: A recorded pipeline or node no longer exists, or every node completed.
    """
    from minikedro.pipeline import Pipeline
    from minikedro.runner._resume import _is_ephemeral

    names, run_id = record.get("pipeline_names") or ["__default__"], record["run_id"]
    unknown = [name for name in names if name not in pipelines]
    if unknown:
        raise ValueError(f"cannot resume run {run_id}: pipeline(s) {', '.join(unknown)} are no "
                         f"longer registered; start a new run instead")
    pipeline = Pipeline([pipelines[name] for name in names])
    present = {node.name for node in pipeline.nodes}
    gone = [entry["name"] for entry in record["nodes"] if entry["name"] not in present]
    if gone:
        raise ValueError(f"cannot resume run {run_id}: node(s) {_names(gone)} are no longer in "
                         f"pipeline(s) {', '.join(names)}; start a new run instead")
    to_run = {entry["name"] for entry in record["nodes"] if entry.get("status") != "completed"}
    if not to_run:
        raise ValueError(f"nothing to resume: every node of run {run_id} completed")
    ran = pipeline.only_nodes(*(entry["name"] for entry in record["nodes"]))
    made_here = {name for node in ran.nodes for name in node.outputs}
    kept: dict[str, bool] = {}  # dataset -> persisted and there; each asked once
    needed: set[str] = set()  # outputs a node to run reads, that are not kept
    for node in reversed(ran.nodes):  # every reader before its producer
        if node.name not in to_run:
            if needed.isdisjoint(node.outputs):
                continue
            to_run.add(node.name)
        for name in made_here.intersection(node.inputs):
            if name not in kept:
                kept[name] = not _is_ephemeral(name, catalog) and catalog.exists(name)
            if not kept[name]:
                needed.add(name)
    return [node.name for node in ran.nodes if node.name in to_run]


def describe_plan(record: dict[str, Any], node_names: list[str]) -> str:
    """The line ``--resume`` prints first: which run it resumes, and the nodes it will run."""
    done = sum(entry.get("status") == "completed" for entry in record["nodes"])
    return (f"Resuming run {record['run_id']} ({record['status']}, {done} of "
            f"{len(record['nodes'])} nodes completed): will run {len(node_names)} node(s): "
            f"{_names(node_names)}")


def _names(names: list[str]) -> str:
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return ", ".join(names[:_LISTED]) + more
