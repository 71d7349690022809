"""Folders that are never a dataset: system locations, HOME and the folders above it.

`data link` (and `new --link`) refuse them for every user and with every flag, since a
link is followed by protection (which removes write bits) and by `unlink --unprotect`
(which puts modes back): as root, a link to `/etc` would lock the system. The decision is
made on the real path, so a link to `/etc` is `/etc`.

Refused with everything below them: `/etc`, `/bin`, `/sbin`, `/lib*`, `/boot`, `/dev`,
`/proc`, `/sys`, `/usr`, `/var`, `/run`. Below `/usr`, `/var` and `/run` only, a folder
at or below a data area the user names in `DLSCAFFOLD_DATA_AREAS` (paths separated by
`os.pathsep`, e.g. `/var/datasets:/run/media/me/disk`) is allowed. `/` itself, HOME (the
`HOME` setting and the account's home) and every folder above HOME are refused too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

try:
    import pwd
except ImportError:  # Windows: no password database
    pwd = None  # type: ignore[assignment]

DATA_AREAS_ENV = "DLSCAFFOLD_DATA_AREAS"

# System folders that never hold a dataset, whatever the user says.
_NEVER = ("/etc", "/bin", "/sbin", "/boot", "/dev", "/proc", "/sys")
# System folders below which a named data area may hold datasets (`/var/datasets`, the
# mount points of removable disks under `/run/media`).
_UNLESS_DATA_AREA = ("/usr", "/var", "/run")


_ONLY_DATA = "link the folder that holds only the data"


def system_location_problem(source: Path) -> str | None:
    """Say why the folder `source` (a real path) is not a dataset, or return None.

    The answer completes "Dataset source 'X' is ...", advice included.
    """
    if source == Path(source.anchor):
        return f"the root folder, not a dataset; {_ONLY_DATA}"
    for root in _expand(_NEVER + tuple(_lib_folders())):
        if _at_or_below(source, root):
            return f"a system folder ({root}), not a dataset; {_ONLY_DATA}"
    for root in _expand(_UNLESS_DATA_AREA):
        if _at_or_below(source, root) and not any(
            _at_or_below(source, area) for area in data_areas()
        ):
            return (
                f"a system folder ({root}), not a dataset; to link datasets below {root}, "
                f"name their folder in {DATA_AREAS_ENV}"
            )
    for home in _homes():
        if source == home:
            return f"your home folder, not a dataset; {_ONLY_DATA}"
        if source in home.parents:
            return f"a folder above your home folder, not a dataset; {_ONLY_DATA}"
    return None


def data_areas() -> list[Path]:
    """Return the data areas named in `DLSCAFFOLD_DATA_AREAS` (real, absolute paths).

    An area that is itself a system folder or above one (`/`, `/var`) is ignored: it
    would allow everything it was meant to keep out.
    """
    areas = []
    for raw in os.environ.get(DATA_AREAS_ENV, "").split(os.pathsep):
        if not raw.strip() or not Path(raw).expanduser().is_absolute():
            continue
        area = Path(raw).expanduser().resolve()
        systems = _expand(_NEVER + _UNLESS_DATA_AREA)
        if any(area == root or area in root.parents for root in systems):
            continue
        areas.append(area)
    return areas


def _lib_folders() -> list[str]:
    """Return `/lib`, `/lib64`, `/lib32`, `/libx32`...: every top folder named `lib*`."""
    try:
        return [f"/{path.name}" for path in Path("/").iterdir() if path.name.startswith("lib")]
    except OSError:
        return ["/lib", "/lib64", "/lib32"]


def _expand(roots: Iterable[str]) -> list[Path]:
    """Return each root as written and as its real path (`/lib` may be `/usr/lib`)."""
    result: list[Path] = []
    for root in roots:
        for path in (Path(root), Path(root).resolve()):
            if path not in result:
                result.append(path)
    return result


def _at_or_below(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _homes() -> list[Path]:
    """Return HOME as set and the account's home from the password database (real paths)."""
    candidates = [os.environ.get("HOME", "")]
    if pwd is not None:
        try:
            candidates.append(pwd.getpwuid(os.getuid()).pw_dir)
        except KeyError:
            pass
    homes: list[Path] = []
    for candidate in candidates:
        if candidate and Path(candidate).is_absolute():
            home = Path(candidate).resolve()
            if home not in homes:
                homes.append(home)
    return homes
