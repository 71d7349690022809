"""Small file-system helpers: atomic text writes and relative "pointer" links."""

import os
import re
import shutil
import socket
from pathlib import Path

# `.<name>.<host>.<pid>.tmp`: the host and pid tell whether its writer can still be alive.
TMP_NAME = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.tmp$")


def host_name() -> str:
    """This machine's name, reduced to letters, digits and `-`."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def tmp_sibling(path: Path) -> Path:
    """The temporary file written before it is renamed over `path` (see `TMP_NAME`)."""
    return path.with_name(f".{path.name}.{host_name()}.{os.getpid()}.tmp")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def remove_stale_tmp(folder: Path, pattern: str = ".*.tmp") -> list[Path]:
    """Delete temporary files below `folder` matching `pattern` left by killed writers.

    Only files written on this host by a process that no longer runs are removed, so a
    writer busy right now (here or on another machine sharing the folder) is never disturbed.
    """
    removed = []
    for tmp in Path(folder).glob(pattern):
        match = TMP_NAME.match(tmp.name)
        if match and match["host"] == host_name() and not pid_alive(int(match["pid"])):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary sibling, then rename over `path`: readers never see half a file."""
    tmp = tmp_sibling(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def point_to(link: Path, target: Path) -> None:
    """Make `link` a relative symlink to `target`, replaced atomically; copy where links fail."""
    tmp = tmp_sibling(link)
    tmp.unlink(missing_ok=True)
    try:
        tmp.symlink_to(os.path.relpath(target, link.parent), target_is_directory=target.is_dir())
    except OSError:  # e.g. Windows without developer mode
        if target.is_dir():
            raise
        shutil.copyfile(target, tmp)
    tmp.replace(link)
