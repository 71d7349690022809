"""SIGTERM handled as Ctrl-C during an update, and both held off while a rollback runs.

CI cancellation and `timeout` send SIGTERM; without a handler Python dies at once and the
project is left half-written. Here SIGTERM raises `Terminated`, a `KeyboardInterrupt`, so
the rollback that undoes a Ctrl-C undoes it too; the process then exits 143 (128 + 15).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dlscaffold._interrupts import interruptible as sigterm_as_interrupt
from dlscaffold._interrupts import shielded as interrupts_deferred
from dlscaffold._update.codes import EXIT_INTERRUPTED, EXIT_TERMINATED
from dlscaffold.errors import Terminated


def exit_code_for(interrupt: BaseException) -> int:
    """Return 143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


@contextmanager
def interrupts_held_off() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM while the block runs: a rollback must not be cut short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


__all__ = [
    "Terminated",
    "exit_code_for",
    "interrupts_deferred",
    "interrupts_held_off",
    "sigterm_as_interrupt",
]
