"""Guards every test shares: a hang fails loudly, and runs leave nothing behind."""
from __future__ import annotations

import faulthandler
import multiprocessing
import threading

import pytest

# Longer than any single test should take on a loaded 2-core machine.
_HANG_SECONDS = 180


@pytest.fixture(autouse=True)
def hang_guard():
    """A test that hangs prints every thread's traceback and ends the run, instead of stalling CI."""
    faulthandler.dump_traceback_later(_HANG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def no_leftover_workers():
    """After the test: no child process and no minikedro thread may outlive a run."""
    yield
    assert multiprocessing.active_children() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("minikedro")]
