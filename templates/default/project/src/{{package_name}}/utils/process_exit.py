"""How a `python -m <package>` process ends; no torch import here, so `--help` stays fast."""

import contextlib
import logging
import os
import sys
from typing import NoReturn


def launched_by_torchrun() -> bool:
    """True in a process that `torchrun` started as one of several (WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def finish(code: int) -> NoReturn:
    """Exit with `code`; a torchrun worker skips interpreter finalization.

    Why: building DistributedDataParallel leaves references to the process group inside
    torch's C++ bindings, so `destroy_process_group()` cannot free it and gloo's worker threads
    outlive it. A worker thread that still releases a tensor (it needs the GIL) while Python
    finalizes makes the process abort: "terminate called without an active exception", exit -6,
    now and then on a busy machine. By the time `main` returns, logs, checkpoints and event
    files are written and closed, so flushing the streams and `os._exit` loses nothing.
    """
    if not launched_by_torchrun():
        raise SystemExit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # A closed stream or a broken pipe: nothing left to save.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
