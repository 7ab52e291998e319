"""``DaskRunner``: run a pipeline on a Dask cluster, or on one it starts on this machine.

Public names: ``DaskRunner``. Kedro counterpart: the ``DaskRunner`` Kedro's
deployment guide has users copy; ours is ``ExecutorRunner`` fed with
``client.get_executor()``, so it schedules, relays hooks and suggests resumes as
every runner does. Dask (``pip install 'minikedro[dask]'``) is imported only
when a ``DaskRunner`` is made. Tasks are pickled with cloudpickle, so lambdas
travel too. Workers reach the relay through a Unix socket on a ``LocalCluster``,
over TCP from a remote one; a worker that cannot (a firewall, NAT) fails the
node that needed a hook, naming the address.
"""
from __future__ import annotations

import socket
from contextlib import ExitStack, contextmanager
from typing import Any, Iterator
from urllib.parse import urlsplit

from minikedro.runner.executor_runner import ExecutorRunner

__all__ = ["DaskRunner"]

_INSTALL = "DaskRunner needs Dask: pip install 'minikedro[dask]'"

# A local cluster for pure-Python nodes: processes (no GIL contention), one
# thread each, its web server on any free port (8787 may be taken).
_LOCAL_DEFAULTS = {"processes": True, "threads_per_worker": 1, "dashboard_address": ":0"}


class DaskRunner(ExecutorRunner):
    """Run nodes as tasks on a Dask cluster.

    Args:
        address: The scheduler to connect to (``"tcp://10.0.0.5:8786"``), or
            a ``distributed`` cluster object. None starts a ``LocalCluster``
            for the run and closes it afterwards.
        client_kwargs: Keyword arguments for ``distributed.Client``.
        is_async: Load and save each node's data concurrently on threads in the worker.
        **cluster_kwargs: Keyword arguments for the ``LocalCluster`` (only
            without ``address``), e.g. ``n_workers=4``.

    Raises:
        ImportError: Dask (``distributed``) is not installed; says how to install it.
        ValueError: ``cluster_kwargs`` given with an ``address``.
    """

    def __init__(self, address: Any = None, client_kwargs: dict[str, Any] | None = None,
                 is_async: bool = False, *, keep_going: bool = False,
                 **cluster_kwargs: Any) -> None:
        _distributed()
        if address is not None and cluster_kwargs:
            raise ValueError(
                f"DaskRunner got address={address!r} and cluster argument(s) "
                f"{', '.join(sorted(cluster_kwargs))}: those configure the LocalCluster "
                f"started when no address is given; configure your cluster where it runs"
            )
        super().__init__(is_async=is_async, keep_going=keep_going)  # _open_executor below replaces its factory
        self._address = address
        self._client_kwargs = dict(client_kwargs or {})
        self._cluster_kwargs = {**_LOCAL_DEFAULTS, **cluster_kwargs}
        self._client: Any = None

    def __repr__(self) -> str:
        where = f"address={self._address!r}" if self._address is not None else ", ".join(
            f"{key}={value!r}" for key, value in self._cluster_kwargs.items()
        )
        return f"DaskRunner({where}, is_async={self._is_async})"

    @contextmanager
    def _open_executor(self, pipeline: Any, catalog: Any) -> Iterator[tuple]:
        """Connect to the cluster (or start one) and provide its executor."""
        distributed = _distributed()
        with ExitStack() as stack:
            target = self._address
            if target is None:
                target = stack.enter_context(distributed.LocalCluster(**self._cluster_kwargs))
                self._logger.info("Started a Dask LocalCluster: %s", target)
            self._client = stack.enter_context(distributed.Client(target, **self._client_kwargs))
            # pure=False: a node has side effects and must run each time it is sent.
            executor = self._client.get_executor(pure=False)
            try:
                yield executor, sum(self._client.nthreads().values())
            finally:
                executor.shutdown(wait=True)
                self._client = None

    def _relay_address(self) -> Any:
        if self._address is None:  # a LocalCluster: its workers are on this machine
            return None
        host = urlsplit(self._client.scheduler.address).hostname
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((host, 9))  # sends nothing: only picks the interface that leads there
            return probe.getsockname()[0], 0

    def _dumps(self, obj: Any) -> bytes:
        import cloudpickle  # Dask pickles tasks with it; it comes with distributed

        return cloudpickle.dumps(obj)


def _distributed() -> Any:
    """Import ``distributed`` or raise ``ImportError`` saying how to install it."""
    try:
        import distributed
    except ImportError as error:
        raise ImportError(f"{_INSTALL} ({error})", name="distributed") from error
    return distributed
