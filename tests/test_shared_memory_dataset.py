"""Tests for minikedro.io.shared_memory.SharedMemoryDataset.

The manager here is a real ``multiprocessing`` manager registering
``"MemoryDataset"`` exactly as the runner's does, and the cross-process
tests send the dataset to worker processes started with fork and spawn.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.managers import BaseManager
from typing import Any, Iterator

import pytest

from minikedro.io import AbstractDataset, DatasetError, MemoryDataset, SharedMemoryDataset

TIMEOUT = 30


class DatasetManager(BaseManager):
    """The manager the runner uses, rebuilt here so the test stands alone."""


DatasetManager.register(
    "MemoryDataset", MemoryDataset, exposed=("load", "save", "exists", "release", "_describe")
)


# Worker functions live at module level so spawned processes can import them.


def save_in_worker(dataset: SharedMemoryDataset, data: Any) -> None:
    dataset.save(data)


def load_in_worker(dataset: SharedMemoryDataset) -> Any:
    return dataset.load()


START_METHODS = [
    pytest.param(
        method,
        marks=pytest.mark.skipif(
            method not in multiprocessing.get_all_start_methods(),
            reason=f"{method} is not available on this platform",
        ),
    )
    for method in ("fork", "spawn")
]


@pytest.fixture
def manager() -> Iterator[DatasetManager]:
    with DatasetManager() as started:
        yield started


def test_without_a_manager_it_is_a_local_memory_dataset():
    dataset = SharedMemoryDataset()
    assert dataset.exists() is False
    dataset.save([1, 2])
    assert dataset.load() == [1, 2]
    dataset.release()
    with pytest.raises(DatasetError, match=r"^Data for MemoryDataset has not been saved yet\.$"):
        dataset.load()


def test_it_is_an_ephemeral_dataset():
    assert SharedMemoryDataset._EPHEMERAL is True
    assert isinstance(SharedMemoryDataset(), AbstractDataset)


def test_with_a_manager_data_lives_in_the_manager(manager):
    dataset = SharedMemoryDataset(manager)
    dataset.save({"a": 1})
    assert dataset.load() == {"a": 1}
    assert dataset.exists() is True
    assert repr(dataset) == "minikedro.io.shared_memory.SharedMemoryDataset(shared=True)"
    dataset.release()
    assert dataset.exists() is False


def test_loading_before_saving_gives_the_memory_dataset_message(manager):
    with pytest.raises(DatasetError, match=r"^Data for MemoryDataset has not been saved yet\.$"):
        SharedMemoryDataset(manager).load()


def test_attaching_a_manager_moves_local_data_into_it(manager):
    dataset = SharedMemoryDataset()
    dataset.save("before")
    dataset.set_manager(manager)
    assert dataset.shared_memory_dataset is not None
    assert dataset.load() == "before"


def test_detaching_copies_the_data_back_so_it_outlives_the_manager():
    with DatasetManager() as manager:
        dataset = SharedMemoryDataset(manager)
        dataset.save([1, 2, 3])
        dataset.set_manager(None)
    assert repr(dataset).endswith(".SharedMemoryDataset(shared=False)")
    assert dataset.load() == [1, 2, 3]


def test_detaching_an_empty_dataset_leaves_it_empty(manager):
    dataset = SharedMemoryDataset(manager)
    dataset.set_manager(None)
    assert dataset.exists() is False


def test_detaching_from_a_dead_manager_is_a_clear_error():
    with DatasetManager() as manager:
        dataset = SharedMemoryDataset(manager)
    with pytest.raises(DatasetError, match=r"^Could not copy the data of SharedMemoryDataset\(shared=True\) out of its manager"):
        dataset.set_manager(None)


def test_unpicklable_data_is_refused_with_the_reason(manager):
    dataset = SharedMemoryDataset(manager)
    with pytest.raises(DatasetError, match=r"Cannot share data of type lock with worker processes .*cannot pickle '_thread.lock' object.*must be picklable"):
        dataset.save(threading.Lock())
    dataset.save("still usable")
    assert dataset.load() == "still usable"


def test_it_pickles_with_and_without_a_manager(manager):
    local = SharedMemoryDataset()
    local.save(1)
    assert pickle.loads(pickle.dumps(local)).load() == 1
    shared = SharedMemoryDataset(manager)
    shared.save(2)
    twin = pickle.loads(pickle.dumps(shared))  # the proxy reconnects to the manager
    twin.save(3)
    assert shared.load() == 3


@pytest.mark.parametrize("method", START_METHODS)
def test_a_worker_process_saves_what_the_parent_loads(manager, method):
    dataset = SharedMemoryDataset(manager)
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pool.submit(save_in_worker, dataset, {"from": "worker"}).result(timeout=TIMEOUT)
    assert dataset.load() == {"from": "worker"}


@pytest.mark.parametrize("method", START_METHODS)
def test_a_worker_process_loads_what_the_parent_saved(manager, method):
    dataset = SharedMemoryDataset(manager)
    dataset.save([1, 2, 3])
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [pool.submit(load_in_worker, dataset) for _ in range(4)]
        assert [future.result(timeout=TIMEOUT) for future in futures] == [[1, 2, 3]] * 4


@pytest.mark.parametrize("method", START_METHODS)
def test_a_worker_failure_reaches_the_parent_as_a_dataset_error(manager, method):
    dataset = SharedMemoryDataset(manager)
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(load_in_worker, dataset)
        with pytest.raises(DatasetError, match="has not been saved yet"):
            future.result(timeout=TIMEOUT)
