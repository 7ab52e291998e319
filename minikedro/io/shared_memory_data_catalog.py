"""``SharedMemoryDataCatalog``: the catalog ``ParallelRunner`` needs.

Under ``ParallelRunner`` nodes run in worker processes, each with a pickled
copy of the catalog. Intermediate results must therefore live in a
``multiprocessing`` manager, which ``SharedMemoryDataset`` talks to: this
catalog makes every name it does not know a ``SharedMemoryDataset``, attaches
them all to the runner's manager, and checks before any node runs that every
dataset can travel to a worker.

Public names: ``SharedMemoryDataCatalog`` (also importable from
``minikedro.io`` and ``minikedro.io.data_catalog``).

Kedro counterpart: ``kedro.io.SharedMemoryDataCatalog``.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar, Iterable

from minikedro.io.core import DatasetError
from minikedro.io.data_catalog import DataCatalog
from minikedro.io.shared_memory_dataset import SharedMemoryDataset

__all__ = ["SharedMemoryDataCatalog"]


class SharedMemoryDataCatalog(DataCatalog):
    """The catalog ``ParallelRunner`` needs: memory datasets that cross processes.

    Names the catalog does not know become ``SharedMemoryDataset`` s, which
    a runner attaches to its multiprocessing manager with
    ``set_manager_datasets``. ``validate_catalog`` refuses, before any node
    runs, a catalog holding datasets that cannot be pickled to a worker.
    """

    default_runtime_patterns: ClassVar[dict[str, dict[str, Any]]] = {
        "{default}": {"type": "SharedMemoryDataset"}
    }

    def set_manager_datasets(self, manager: Any) -> None:
        """Attach every ``SharedMemoryDataset`` to ``manager`` (None detaches them).

        Detaching copies their data back into this process, so results stay
        loadable after the manager shuts down.
        """
        for dataset in self.values():
            if isinstance(dataset, SharedMemoryDataset):
                dataset.set_manager(manager)

    def validate_catalog(self, names: Iterable[str] | None = None) -> None:
        """Check that every dataset can be pickled, as sending it to a worker needs.

        A dataset whose class sets ``_SINGLE_PROCESS = True`` is refused too.

        Args:
            names: Check only these (a runner passes its pipeline's datasets,
                so an entry the run never touches cannot stop it); default all.

        Raises:
            DatasetError: Naming every dataset that cannot be pickled, and why.
        """
        failures = []
        chosen = self.items() if names is None else ((n, self[n]) for n in set(names) if n in self)
        for name, dataset in sorted(chosen, key=lambda item: item[0]):
            if getattr(dataset, "_SINGLE_PROCESS", False):
                failures.append(f"- '{name}' ({type(dataset).__name__}): it is marked _SINGLE_PROCESS")
                continue
            try:
                pickle.dumps(dataset)
            except Exception as exc:
                failures.append(f"- '{name}' ({type(dataset).__name__}): {exc}")
        if failures:
            raise DatasetError(
                f"{len(failures)} dataset(s) cannot be sent to worker processes because "
                "they cannot be pickled:\n" + "\n".join(failures) + "\nMake them "
                "picklable, or run with ThreadRunner or SequentialRunner."
            )
