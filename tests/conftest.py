"""Guards every test shares: a hang fails loudly, and runs leave nothing behind."""
from __future__ import annotations

import faulthandler
import multiprocessing
import signal
import threading

import pytest

# A shell starting a job in the background (`.ci/run &`, nohup) has it ignore SIGINT, and
# Python then never turns Ctrl-C into KeyboardInterrupt, here or in the runs tests start
# (an ignored signal stays ignored across exec). The Ctrl-C tests need what a terminal gives.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

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
