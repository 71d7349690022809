"""Interrupts (Ctrl-C, SIGTERM) that never leave a change half-made.

`interruptible()` turns SIGTERM into `Terminated`, a `KeyboardInterrupt` like Ctrl-C's, so
that one `except BaseException` undoes a half-made change for both (and the command still
exits 143 for SIGTERM, 130 for Ctrl-C) (by default SIGTERM ends
Python at once, with no clean-up). `shielded()` holds both signals back while a step that
must not be cut in two runs (an undo, or the last steps after the point of no return) and
raises the interrupt once it is done. Both only act in the main thread, where Python runs
signal handlers, and put the previous handlers back when they end.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from dlscaffold.errors import Terminated

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_work = {"complete": False}


def mark_work_complete(complete: bool = True) -> None:
    """Say that the command's change is made: only its report and the exit are left.

    From here on the entry point's handlers (`dlscaffold._cli.main`) ignore Ctrl-C and
    SIGTERM: an interrupt now would print "nothing was left half-done" over a finished
    project or update, when the process is about to exit anyway. Elsewhere (the Python API
    in a program of its own) it changes nothing. `main` starts with `complete=False`.
    """
    _work["complete"] = complete


def work_complete() -> bool:
    """Tell whether `mark_work_complete` was called in this process."""
    return _work["complete"]


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise interrupt_for(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated`, a `KeyboardInterrupt` as Ctrl-C's."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def holding() -> Iterator[list[int]]:
    """Hold Ctrl-C and SIGTERM back within the block; yield the list of those received.

    What to do with them is the caller's: `shielded()` raises the first once the block ends.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in _SIGNALS}
    try:
        yield held
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupt_for(signum: int) -> KeyboardInterrupt:
    """Return the exception a held signal stands for: `Terminated` or `KeyboardInterrupt`."""
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def shielded() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block ends, then raise the first one received.

    When the block itself raises, the held interrupt is dropped: the exception already on
    its way stops the command. Used around an undo, it may replace the exception being
    handled: the user asked to stop, and the undo is complete.
    """
    with holding() as held:
        yield
    if held:
        raise interrupt_for(held[0])
