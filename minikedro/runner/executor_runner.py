"""``ExecutorRunner``: run a pipeline on any ``concurrent.futures`` executor, other machines too.

Public names: ``ExecutorRunner``. Kedro counterpart: none built in (Kedro's
deployment docs have users copy a ``DaskRunner``; ours is a small subclass).
Nodes travel and hooks fire in the driver as under every remote runner
(``remote.py``). Memory datasets stay here; other datasets travel pickled and
workers load and save them, so their data must be where every worker reaches it.
"""
from __future__ import annotations

import multiprocessing
import os
import pkgutil
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from minikedro.runner._worker import start_worker
from minikedro.runner.remote import RemoteRunner

if TYPE_CHECKING:
    from minikedro.pipeline import Pipeline

__all__ = ["ExecutorRunner"]


class ExecutorRunner(RemoteRunner):
    """Run nodes on any ``concurrent.futures.Executor``: processes, a cluster, threads.

    Args:
        executor: An executor you own (a process pool, Dask's ``client.get_executor()``);
            the runner never shuts it down.
        executor_factory: Makes each run's executor, shut down afterwards: a callable,
            or (as in configuration) the dotted path of an ``Executor`` subclass or a
            name ``settings.py`` registers in ``EXECUTOR_FACTORIES``. Default: a
            ``ProcessPoolExecutor`` whose workers are spawned.
        factory_kwargs: Keyword arguments for ``executor_factory``.
        is_async: Load and save each node's data concurrently on threads in the worker.
        **more_factory_kwargs: Also for ``executor_factory`` (``--runner-params max_workers=2``).

    Raises:
        ValueError: ``executor`` with factory arguments, an argument given twice, or
            a factory string naming neither an ``Executor`` subclass nor a registered one.
        TypeError: ``executor`` has no ``submit``; ``executor_factory`` is neither
            callable nor a string.
    """

    def __init__(self, executor: Executor | None = None,
                 executor_factory: Callable[..., Executor] | str | None = None,
                 factory_kwargs: dict[str, Any] | None = None, is_async: bool = False, *,
                 keep_going: bool = False, **more_factory_kwargs: Any) -> None:
        kwargs = dict(factory_kwargs or {})
        twice = sorted(set(kwargs) & set(more_factory_kwargs))
        if twice:
            raise ValueError(f"factory argument(s) {', '.join(twice)} given twice: in "
                             f"factory_kwargs and as keyword arguments; give each once")
        kwargs.update(more_factory_kwargs)
        if executor is not None:
            if executor_factory is not None or kwargs:
                extra = "executor_factory" if executor_factory else ", ".join(sorted(kwargs))
                raise ValueError(
                    f"ExecutorRunner got executor= and {extra}: pass your executor, or "
                    f"executor_factory= with the arguments to make one, not both"
                )
            if not callable(getattr(executor, "submit", None)):
                raise TypeError(f"executor must be a concurrent.futures.Executor (something "
                                f"with submit()), got {type(executor).__name__}")
        super().__init__(is_async=is_async, keep_going=keep_going)
        self._executor = executor
        self._factory = None if executor is not None else _resolve_factory(executor_factory)
        self._factory_kwargs = kwargs

    def __repr__(self) -> str:
        if self._executor is not None:
            return f"ExecutorRunner(executor={self._executor!r}, is_async={self._is_async})"
        name = f"{self._factory.__module__}.{self._factory.__qualname__}"
        return (f"ExecutorRunner(executor_factory={name}, factory_kwargs="
                f"{self._factory_kwargs}, is_async={self._is_async})")

    @contextmanager
    def _open_executor(self, pipeline: Pipeline, catalog: Any) -> Iterator[tuple]:
        """Provide the run's executor; shut it down afterwards if the runner made it."""
        workers = self._factory_kwargs.get("max_workers") or os.cpu_count() or 1
        if self._executor is not None:
            self._bystanders = None  # not ours: its processes are left alone
            yield self._executor, workers
            return
        with self._made_here(self._make_executor) as executor:
            yield executor, workers

    def _make_executor(self) -> Executor:
        executor = self._factory(**self._factory_kwargs)
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor_factory {self._factory!r} returned a "
                            f"{type(executor).__name__}, which has no submit()")
        return executor


def _spawned_processes(max_workers: int | None = None, **kwargs: Any) -> Executor:
    """The default: spawned processes, like remote workers, so a run that works here
    does not rely on what a fork copies; and the driver, which runs threads, never forks."""
    kwargs.setdefault("mp_context", multiprocessing.get_context("spawn"))
    kwargs.setdefault("initializer", start_worker)
    return ProcessPoolExecutor(max_workers, **kwargs)


def _resolve_factory(spec: Callable[..., Executor] | str | None) -> Callable[..., Executor]:
    """Turn ``executor_factory`` into a callable (errors as ``ExecutorRunner`` documents).

    A string comes from configuration, which is data: it may name an
    ``Executor`` subclass or a factory registered in ``EXECUTOR_FACTORIES``,
    never any other function.
    """
    if spec is None:
        return _spawned_processes
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"executor_factory must be a callable or a dotted path such as "
                        f"'concurrent.futures.ProcessPoolExecutor', got {type(spec).__name__}")
    from minikedro.framework.project import settings  # the configured project's, or none

    registered = dict(settings.EXECUTOR_FACTORIES)
    if spec in registered:
        if not callable(registered[spec]):
            raise TypeError(f"EXECUTOR_FACTORIES[{spec!r}] in settings.py must be a callable that "
                            f"returns an executor, got {type(registered[spec]).__name__}")
        return registered[spec]
    valid = (f"valid forms: the dotted path of a concurrent.futures.Executor subclass "
             f"('concurrent.futures.ProcessPoolExecutor', 'pkg.module:MyExecutor'), or a name "
             f"registered in settings.py as EXECUTOR_FACTORIES = {{'name': make_executor}} "
             f"(registered: {', '.join(sorted(registered)) or 'none'})")
    if "." not in spec and ":" not in spec:
        raise ValueError(f"executor_factory {spec!r} is not a dotted path; {valid}")
    try:
        factory = pkgutil.resolve_name(spec)
    except ImportError as error:
        raise ValueError(f"executor_factory {spec!r}: cannot import {error.name!r} "
                         f"({error}); {valid}") from error
    except (AttributeError, ValueError) as error:
        raise ValueError(f"executor_factory {spec!r}: {error}; {valid}") from error
    if not (isinstance(factory, type) and issubclass(factory, Executor)):
        kind = "class" if isinstance(factory, type) else type(factory).__name__
        raise ValueError(f"executor_factory {spec!r} names a {kind}, not a concurrent.futures."
                         f"Executor subclass, so it was not called; {valid}")
    return factory
