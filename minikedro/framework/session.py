"""One run of a project, with its hooks: Kedro's ``KedroSession``.

Public names: ``KedroSession``, ``KedroSessionError``; ``PipelineNotFoundError`` and
``bootstrap_project`` (from :mod:`minikedro.framework.project`) where Kedro has them.
The command line does no more than ``KedroSession.create(...).run(...)``. Left out from
Kedro: the session store (``save_on_close`` is ignored) and plugins from entry points.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Iterable

import minikedro
from minikedro.framework.hooks import PluginManager
from minikedro.framework.project import (PipelineNotFoundError, bootstrap_project, find_project,
                                         pipelines, settings)
from minikedro.io.core import generate_timestamp

__all__ = ["KedroSession", "KedroSessionError", "PipelineNotFoundError", "bootstrap_project"]

logger = logging.getLogger(__name__)

# run()'s filters, by Kedro's run_params names (Pipeline.filter calls namespaces node_namespaces).
_FILTERS = ("tags", "node_names", "from_nodes", "to_nodes", "from_inputs", "to_outputs", "namespaces")


class KedroSessionError(Exception):
    """A session used the wrong way (a second run, a runner class instead of an instance)."""


class KedroSession:
    """One run of one project. Make it with :meth:`create`.

    ``failed_node`` is the node whose error ended the run, if one did. The command line sets
    ``command``, ``run_options`` (what ``--resume`` repeats) and ``progress`` for the run record.
    """

    def __init__(self, session_id: str, metadata: Any, env: str | None,
                 runtime_params: dict[str, Any], conf_source: Path, hook_manager: Any) -> None:
        self.session_id = session_id
        self.metadata = metadata
        self.env = env
        self.runtime_params = runtime_params
        self.conf_source = conf_source
        self._hook_manager = hook_manager
        self.failed_node: Any = None
        self.command: list[str] | None = None
        self.run_options: dict[str, Any] | None = None
        self.progress = False
        self._run_called = False

    @classmethod
    def create(cls, project_path: str | os.PathLike | None = None, save_on_close: bool = False,
               env: str | None = None, runtime_params: dict[str, Any] | None = None,
               conf_source: str | os.PathLike | None = None) -> KedroSession:
        """Bootstrap the project at or above ``project_path`` (default: here) and register its hooks.

        ``env`` defaults to ``$MINIKEDRO_ENV`` or ``$KEDRO_ENV``, else the loader's (``local``);
        ``conf_source`` to ``settings.CONF_SOURCE``; ``save_on_close`` is ignored (no store).

        Raises:
            ProjectError: No project, or a wrong ``[tool.minikedro]`` table.
            TypeError: ``settings.HOOKS`` holds a class instead of an instance.
        """
        metadata = bootstrap_project(find_project(project_path))
        hook_manager = PluginManager()
        for hook in settings.HOOKS:
            if isinstance(hook, type):
                raise TypeError(f"settings.HOOKS must hold hook instances: write {hook.__name__}() "
                                f"instead of {hook.__name__}")
            hook_manager.register(hook)
        env = env or os.environ.get("MINIKEDRO_ENV") or os.environ.get("KEDRO_ENV") or None
        conf_source = Path(conf_source or metadata.project_path / settings.CONF_SOURCE)
        return cls(generate_timestamp(), metadata, env, dict(runtime_params or {}), conf_source,
                   hook_manager)

    def close(self) -> None:
        """Nothing to save: kept so ``with`` and ``close()`` read as in Kedro."""

    def __enter__(self) -> KedroSession:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KedroSession(project={self.metadata.project_name!r}, env={self.env!r})"

    def _get_config_loader(self) -> Any:
        return settings.CONFIG_LOADER_CLASS(conf_source=str(self.conf_source), env=self.env,
                                            runtime_params=self.runtime_params,
                                            **settings.CONFIG_LOADER_ARGS)

    def load_context(self) -> Any:
        """A new ``settings.CONTEXT_CLASS`` context; fires ``after_context_created``."""
        loader = self._get_config_loader()
        context = settings.CONTEXT_CLASS(
            package_name=self.metadata.package_name, project_path=self.metadata.project_path,
            config_loader=loader, hook_manager=self._hook_manager,
            env=getattr(loader, "env", self.env), runtime_params=self.runtime_params)
        self._hook_manager.hook.after_context_created(context=context)
        return context

    def run(self, pipeline_name: str | None = None, tags: Iterable[str] | None = None,
            runner: Any = None, node_names: Iterable[str] | None = None,
            from_nodes: Iterable[str] | None = None, to_nodes: Iterable[str] | None = None,
            from_inputs: Iterable[str] | None = None, to_outputs: Iterable[str] | None = None,
            load_versions: dict[str, str] | None = None, namespaces: Iterable[str] | None = None,
            pipeline_names: Iterable[str] | None = None, only_missing_outputs: bool = False,
            wait: bool = False) -> dict[str, Any]:
        """Run registered pipeline(s) (default ``"__default__"``), filtered as ``Pipeline.filter``
        does, with a runner instance (default ``SequentialRunner()``); Kedro's ``session.run``.

        The catalog is the runner's ``catalog_class`` where it declares one (``ParallelRunner``
        does), else ``settings.DATA_CATALOG_CLASS``. The run locks the persisted datasets it uses
        (:mod:`minikedro.framework.run_lock`); with ``wait`` it waits for a run holding them.

        Returns:
            ``{dataset_name: dataset}`` for the run's free outputs.

        Raises:
            PipelineNotFoundError: A pipeline name is not registered.
            ValueError: The pipeline is empty, or no node has the tags or passes the filters.
            KedroSessionError: A second run, or ``runner`` is not an instance.
            RunLockError: Another run uses the same persisted datasets (not with ``wait``).
            Exception: Whatever the run raised, after ``on_pipeline_error``.
        """
        # Kedro's run_params repeat run()'s arguments, the filters as lists.
        arguments = {name: value for name, value in locals().items() if name not in ("self", "runner")}
        filters = {name: _as_list(arguments[name]) for name in _FILTERS}
        if self._run_called:
            raise KedroSessionError(
                "A run has already been completed as part of the active KedroSession. "
                "KedroSession has a 1-1 mapping with runs: create a new KedroSession for each run")
        if isinstance(runner, type):
            raise KedroSessionError(f"session.run() expects a runner instance: write "
                                    f"{runner.__name__}() instead of {runner.__name__}")
        logger.info("minikedro project %s", self.metadata.project_name)
        names = _as_list(pipeline_names) or [pipeline_name or "__default__"]
        context = self.load_context()
        pipeline = self._filtered_pipeline(names, filters)
        if runner is None:
            from minikedro.runner import SequentialRunner

            runner = SequentialRunner()
        catalog = context._get_catalog(catalog_class=getattr(runner, "catalog_class", None),
                                       save_version=self.session_id, load_versions=load_versions)
        run_params = {  # Kedro 1.x's keys, which its hooks (the MLflow example) read
            **arguments, **filters, "pipeline_names": names, "env": context.env,
            "session_id": self.session_id, "run_id": self.session_id,
            "kedro_version": minikedro.__version__, "minikedro_version": minikedro.__version__,
            "project_path": self.metadata.project_path.as_posix(), "runner": type(runner).__name__,
            "is_async": getattr(runner, "_is_async", False), "runtime_params": self.runtime_params,
        }
        from minikedro.framework.run_lock import RunLock, datasets_to_lock
        from minikedro.observe.records import RunRecorder

        options = self.run_options or {  # a run from Python: RunOptions' names for its arguments
            **filters, "pipelines": names, "env": self.env, "params": self.runtime_params,
            "runner": type(runner).__name__, "load_versions": load_versions or {}}
        recorder = RunRecorder(self.metadata.project_path, self.session_id, self.command, pipeline,
                               names, runner, options, keep=settings.RUN_RECORDS_KEPT,
                               progress=self.progress)
        self._hook_manager.register(recorder, name="minikedro.run_record")
        hook = self._hook_manager.hook
        locks_folder = self.metadata.project_path / ".minikedro" / "locks"
        try:
            with RunLock(locks_folder, *datasets_to_lock(pipeline, catalog), wait=wait):
                hook.before_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)
                self._run_called = True
                try:
                    result = runner.run(pipeline, catalog, self._hook_manager,
                                        run_id=self.session_id,
                                        only_missing_outputs=only_missing_outputs)
                except Exception as error:
                    self.failed_node = next(iter(getattr(runner, "failed_nodes", None) or []), None)
                    hook.on_pipeline_error(error=error, run_params=run_params, pipeline=pipeline,
                                           catalog=catalog)
                    raise
                hook.after_pipeline_run(run_params=run_params, run_result=result,
                                        pipeline=pipeline, catalog=catalog)
        except BaseException as error:  # Ctrl-C, SIGTERM, a lock or a hook: finish() is idempotent
            recorder.finish("interrupted" if isinstance(error, KeyboardInterrupt) else "failed", error)
            raise
        finally:
            self._hook_manager.unregister(recorder)
        return result

    def _filtered_pipeline(self, names: list[str], filters: dict[str, list[str]]) -> Any:
        """The sum of the registered pipelines ``names``, filtered; raises as ``run`` says."""
        pipeline, shown = sum(pipelines._select(names).values()), " + ".join(names)
        if not pipeline.nodes:
            raise ValueError(f"pipeline {shown} has no nodes to run")
        tags, existing = filters["tags"], sorted({tag for node in pipeline.nodes for tag in node.tags})
        if tags and not set(tags) & set(existing):
            raise ValueError(f"no nodes have the tag{'s' * (len(tags) > 1)} {', '.join(map(repr, tags))}"
                             f"; the tags in pipeline {shown}: {', '.join(existing) or 'none'}")
        if any(filters.values()):
            pipeline = pipeline.filter(**{("node_namespaces" if name == "namespaces" else name):
                                          value or None for name, value in filters.items()})
            if not pipeline.nodes:
                raise ValueError("the filters given leave no nodes to run")
        return pipeline


def _as_list(values: Iterable[str] | str | None) -> list[str]:
    return [] if values is None else [values] if isinstance(values, str) else list(values)
