"""One run of a project, with its hooks: Kedro's ``KedroSession``.

Public names: ``KedroSession``, ``KedroSessionError``, ``PipelineNotFoundError``,
``bootstrap_project`` (re-exported from :mod:`minikedro.framework.startup`).

The command line does exactly what a Python user can do::

    from minikedro.framework.session import KedroSession

    with KedroSession.create(project_path="examples/iris", env="local") as session:
        outputs = session.run(pipeline_name="training")

``run`` picks the registered pipeline(s), applies the filters, builds the
catalog (``SharedMemoryDataCatalog`` for a ``ParallelRunner`` or a subclass,
``settings.DATA_CATALOG_CLASS`` otherwise), adds the parameters, and fires
``before_pipeline_run`` / ``on_pipeline_error`` / ``after_pipeline_run`` around
``runner.run``, all while holding the locks on the persisted datasets the run
writes and reads (:mod:`minikedro.framework.run_lock`). A node's exception
reaches the caller unchanged.

Left out from Kedro: the session store (``save_on_close`` is accepted and
ignored) and plugin hooks discovered through entry points.
"""
from __future__ import annotations

import difflib
import logging
import os
from pathlib import Path
from typing import Any, Iterable

import minikedro
from minikedro.framework.hooks import PluginManager
from minikedro.framework.startup import bootstrap_project, find_project
from minikedro.io.core import generate_timestamp

__all__ = ["KedroSession", "KedroSessionError", "PipelineNotFoundError", "bootstrap_project"]

logger = logging.getLogger(__name__)


class KedroSessionError(Exception):
    """A session used the wrong way (a second run, a runner class instead of an instance)."""


class PipelineNotFoundError(KeyError, ValueError):
    """A pipeline name that ``register_pipelines()`` does not return.

    Both a ``KeyError`` (a name missing from the registry) and the
    ``ValueError`` Kedro raises, so either ``except`` catches it.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _uses_shared_memory(runner: Any) -> bool:
    """True for a ``ParallelRunner`` or a subclass of it.

    Looks at the class's ancestry by name so that choosing another runner never
    imports ``multiprocessing`` just to answer ``isinstance``.
    """
    return any(
        klass.__name__ == "ParallelRunner" and klass.__module__.startswith("minikedro.runner")
        for klass in type(runner).__mro__
    )


def _split(values: Iterable[str] | str | None) -> list[str]:
    if values is None:
        return []
    return [values] if isinstance(values, str) else list(values)


class KedroSession:
    """One run of one project. Make it with :meth:`create`."""

    def __init__(
        self,
        session_id: str,
        metadata: Any,
        env: str | None,
        runtime_params: dict[str, Any],
        conf_source: Path,
        hook_manager: Any,
    ) -> None:
        self.session_id = session_id
        self.metadata = metadata
        self.env = env
        self.runtime_params = runtime_params
        self.conf_source = conf_source
        self._hook_manager = hook_manager
        self._failed_node: Any = None
        self._run_called = False

    @classmethod
    def create(
        cls,
        project_path: str | os.PathLike | None = None,
        save_on_close: bool = False,
        env: str | None = None,
        runtime_params: dict[str, Any] | None = None,
        conf_source: str | os.PathLike | None = None,
    ) -> KedroSession:
        """Bootstrap the project and register its hooks.

        Args:
            project_path: The project folder, or a folder inside it; default:
                found from the current folder upwards.
            save_on_close: Accepted for Kedro compatibility; there is no store.
            env: The run environment; default ``$MINIKEDRO_ENV`` or ``$KEDRO_ENV``, else the
                loader's ``default_run_env`` (``local``).
            runtime_params: Parameter overrides (``--params``), nested dicts.
            conf_source: The configuration folder; default the project's
                ``settings.CONF_SOURCE`` (``conf``).

        Raises:
            ProjectError: No project, or a wrong ``[tool.minikedro]`` table.
            TypeError: ``settings.HOOKS`` holds a class instead of an instance.
        """
        from minikedro.framework.project import settings

        metadata = bootstrap_project(find_project(project_path))
        hook_manager = PluginManager()
        for hook in settings.HOOKS:
            if isinstance(hook, type):
                raise TypeError(
                    f"settings.HOOKS must hold hook instances: write {hook.__name__}() "
                    f"instead of {hook.__name__}"
                )
            hook_manager.register(hook)
        session = cls(
            session_id=generate_timestamp(),
            metadata=metadata,
            env=env or os.environ.get("MINIKEDRO_ENV") or os.environ.get("KEDRO_ENV") or None,
            runtime_params=dict(runtime_params or {}),
            conf_source=Path(conf_source or metadata.project_path / settings.CONF_SOURCE),
            hook_manager=hook_manager,
        )
        return session

    def __enter__(self) -> KedroSession:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to save: kept so ``with`` and ``close()`` read as in Kedro."""

    def __repr__(self) -> str:
        return f"KedroSession(project={self.metadata.project_name!r}, env={self.env!r})"

    @property
    def failed_node(self) -> Any:
        """The node whose error ended the last run, if one did."""
        return self._failed_node

    def _get_config_loader(self) -> Any:
        from minikedro.framework.project import settings

        return settings.CONFIG_LOADER_CLASS(
            conf_source=str(self.conf_source),
            env=self.env,
            runtime_params=self.runtime_params,
            **settings.CONFIG_LOADER_ARGS,
        )

    def load_context(self) -> Any:
        """A new ``settings.CONTEXT_CLASS`` context; fires ``after_context_created``."""
        from minikedro.framework.project import settings

        config_loader = self._get_config_loader()
        context = settings.CONTEXT_CLASS(
            package_name=self.metadata.package_name,
            project_path=self.metadata.project_path,
            config_loader=config_loader,
            hook_manager=self._hook_manager,
            env=getattr(config_loader, "env", self.env),
            runtime_params=self.runtime_params,
        )
        self._hook_manager.hook.after_context_created(context=context)
        return context

    def run(
        self,
        pipeline_name: str | None = None,
        tags: Iterable[str] | None = None,
        runner: Any = None,
        node_names: Iterable[str] | None = None,
        from_nodes: Iterable[str] | None = None,
        to_nodes: Iterable[str] | None = None,
        from_inputs: Iterable[str] | None = None,
        to_outputs: Iterable[str] | None = None,
        load_versions: dict[str, str] | None = None,
        namespaces: Iterable[str] | None = None,
        pipeline_names: Iterable[str] | None = None,
        only_missing_outputs: bool = False,
        wait: bool = False,
    ) -> dict[str, Any]:
        """Run registered pipeline(s) with a runner; Kedro's ``session.run``.

        Args:
            pipeline_name: A registered pipeline; default ``"__default__"``.
            pipeline_names: Several registered pipelines, run as their sum
                (instead of ``pipeline_name``).
            tags, node_names, from_nodes, to_nodes, from_inputs, to_outputs,
                namespaces: Filters, combined as ``Pipeline.filter`` does.
            runner: A runner instance; default ``SequentialRunner()``.
            load_versions: ``{dataset: version}`` for versioned datasets.
            only_missing_outputs: Skip nodes whose persisted outputs exist.
            wait: If another run of the project holds locks on datasets this run
                writes or reads, wait for it to end instead of raising.

        Returns:
            ``{dataset_name: dataset}`` for the run's free outputs.

        Raises:
            PipelineNotFoundError: A pipeline name is not registered (the
                message lists them); a ``KeyError`` and a ``ValueError``.
            ValueError: The pipeline is empty, or the filters leave nothing.
            KedroSessionError: A second run, or ``runner`` is not an instance.
            RunLockError: Another run of the project is using the same
                persisted datasets (not with ``wait``).
            Exception: Whatever the run raised, after ``on_pipeline_error``.
        """
        from minikedro.framework.project import pipelines

        if self._run_called:
            raise KedroSessionError(
                "A run has already been completed as part of the active KedroSession. "
                "KedroSession has a 1-1 mapping with runs: create a new KedroSession "
                "for each run"
            )
        logger.info("minikedro project %s", self.metadata.project_name)
        names = _split(pipeline_names) or [pipeline_name or "__default__"]
        context = self.load_context()
        selected = pipelines._for_run(names)  # imports only what the run needs, where it can
        missing = [name for name in names if name not in selected]
        if missing:
            from minikedro.framework.project import _skipped

            skipped = "".join(f"; {_skipped[name]}" for name in missing if name in _skipped)
            registered = sorted(pipelines)
            close = sorted({match for name in missing
                            for match in difflib.get_close_matches(name, registered, n=3)})
            hint = f" Did you mean: {', '.join(map(repr, close))}?" if close else ""
            raise PipelineNotFoundError(
                f"Failed to find the pipeline named {', '.join(map(repr, missing))}; "
                f"registered pipelines: {', '.join(registered) or 'none'}.{hint} It needs "
                f"to be returned by register_pipelines() in "
                f"{self.metadata.package_name}/pipeline_registry.py{skipped}"
            )
        pipeline = sum(selected[name] for name in names)
        if not pipeline.nodes:
            raise ValueError(f"pipeline {' + '.join(names)} has no nodes to run")
        filters = {
            "tags": _split(tags),
            "from_nodes": _split(from_nodes),
            "to_nodes": _split(to_nodes),
            "node_names": _split(node_names),
            "from_inputs": _split(from_inputs),
            "to_outputs": _split(to_outputs),
            "node_namespaces": _split(namespaces),
        }
        if any(filters.values()):
            pipeline = pipeline.filter(**{k: v or None for k, v in filters.items()})
            if not pipeline.nodes:
                raise ValueError("the filters given leave no nodes to run")

        if runner is None:
            from minikedro.runner import SequentialRunner

            runner = SequentialRunner()
        if isinstance(runner, type):
            raise KedroSessionError(
                f"session.run() expects a runner instance: write {runner.__name__}() "
                f"instead of {runner.__name__}"
            )
        if _uses_shared_memory(runner):
            from minikedro.io import SharedMemoryDataCatalog as catalog_class
        else:
            catalog_class = None  # settings.DATA_CATALOG_CLASS
        catalog = context._get_catalog(
            catalog_class=catalog_class,
            save_version=self.session_id,
            load_versions=load_versions,
        )
        run_params = {
            "session_id": self.session_id,
            "run_id": self.session_id,  # Kedro 1.x's name; its MLflow hook example reads it
            "project_path": self.metadata.project_path.as_posix(),
            "env": context.env,
            "kedro_version": minikedro.__version__,  # Kedro 1.x's key: Kedro hooks read it
            "minikedro_version": minikedro.__version__,
            "pipeline_name": pipeline_name,
            "pipeline_names": names,
            "runner": type(runner).__name__,
            "is_async": getattr(runner, "_is_async", False),
            "load_versions": load_versions,
            "runtime_params": self.runtime_params,
            "only_missing_outputs": only_missing_outputs,
            **{("namespaces" if k == "node_namespaces" else k): v for k, v in filters.items()},
        }
        from minikedro.framework.run_lock import RunLock, datasets_to_lock

        hook = self._hook_manager.hook
        locks_folder = self.metadata.project_path / ".minikedro" / "locks"
        with RunLock(locks_folder, *datasets_to_lock(pipeline, catalog), wait=wait):
            hook.before_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)
            self._run_called = True
            try:
                result = runner.run(
                    pipeline,
                    catalog,
                    self._hook_manager,
                    run_id=self.session_id,
                    only_missing_outputs=only_missing_outputs,
                )
            except Exception as error:
                self._failed_node = next(iter(getattr(runner, "failed_nodes", None) or []), None)
                hook.on_pipeline_error(
                    error=error, run_params=run_params, pipeline=pipeline, catalog=catalog
                )
                raise
            hook.after_pipeline_run(
                run_params=run_params, run_result=result, pipeline=pipeline, catalog=catalog
            )
        return result
