"""The training snapshot: what a run needs to be understood and repeated later.

Written into the run folder: `config.yaml` (rerun with `train --config`), `command.txt`,
`git.patch` (uncommitted changes against HEAD), `untracked.txt`, `packages.txt`
(`name==version` of every installed distribution) and `snapshot.json` (git commit and dirty
flag, python/torch/CUDA versions, host, seeds, and the manifest of each dataset used).

`start_snapshot` writes them in a background thread, so that git, the package list and the
manifest of a large dataset do not delay the first training step; the run waits for it
(`SnapshotTask.wait`) before it records its end. The trainer writes `config.yaml` itself,
before starting it, so a run killed at any moment keeps its config.
"""

import json
import platform
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ..utils.data_manifest import compute_manifest
from ..utils.registry import read_registry


class SnapshotTask:
    """A snapshot being written by a background thread; `wait` returns its warnings."""

    def __init__(self, target: Callable[[], list[str]]) -> None:
        self._warnings: list[str] = []
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._warnings = target()
            except BaseException as err:  # re-raised in the waiting thread
                self._error = err

        self._thread = threading.Thread(target=run, name="run-snapshot", daemon=True)
        self._thread.start()

    def wait(self) -> list[str]:
        """Block until every snapshot file is written; raise what writing them raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._warnings


def start_snapshot(
    run_dir: Path,
    *,
    seed: int,
    datasets: dict[str, Path],
    registry: Path,
    on_warning: Callable[[str], None] | None = None,
    extra: dict[str, Any] | None = None,
) -> SnapshotTask:
    """`write_snapshot` in a background thread; `on_warning` is called (from that thread) with
    each warning as soon as it is known, so the user reads it at the start of the run."""
    argv, cwd = list(sys.orig_argv), Path.cwd()
    torch_seed = torch.initial_seed()  # of the main thread, before training draws from it

    def target() -> list[str]:
        warnings = _write(run_dir, seed, torch_seed, datasets, registry, argv, cwd, extra)
        for message in warnings:
            if on_warning is not None:
                on_warning(message)
        return warnings

    return SnapshotTask(target)


def write_snapshot(
    run_dir: Path,
    *,
    seed: int,
    datasets: dict[str, Path],
    registry: Path,
    extra: dict[str, Any] | None = None,
) -> list[str]:
    """Write the snapshot files; return warnings (e.g. data that changed since it was linked).

    `extra` entries are added to snapshot.json (e.g. the sweep and trial of the run).
    """
    argv, cwd = list(sys.orig_argv), Path.cwd()
    return _write(run_dir, seed, torch.initial_seed(), datasets, registry, argv, cwd, extra)


def _write(
    run_dir: Path,
    seed: int,
    torch_seed: int,
    datasets: dict[str, Path],
    registry: Path,
    argv: list[str],
    cwd: Path,
    extra: dict[str, Any] | None = None,
) -> list[str]:
    git = _git_state(cwd)
    (run_dir / "command.txt").write_text(shlex.join(argv) + "\n", encoding="utf-8")
    (run_dir / "git.patch").write_text(git.pop("patch"), encoding="utf-8")
    (run_dir / "untracked.txt").write_text("\n".join(git.pop("untracked")) + "\n", encoding="utf-8")
    (run_dir / "packages.txt").write_text("\n".join(_packages()) + "\n", encoding="utf-8")
    data, warnings = _data_state(datasets, registry)
    snapshot = {
        "command": argv,
        "cwd": cwd.name,
        "git": git,
        "environment": _environment(),
        "seeds": {"seed": seed, "torch_initial_seed": torch_seed},
        "data": data,
        **(extra or {}),
    }
    (run_dir / "snapshot.json").write_text(json.dumps(snapshot, indent=2) + "\n", encoding="utf-8")
    if git["commit"] is None:
        warnings.append(
            "not a git repository (or no commit yet): the run cannot record which code it used"
        )
    elif git["dirty"]:
        warnings.append(
            "uncommitted changes: the run records them in git.patch; commit to keep runs comparable"
        )
    return warnings


def _run_git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def _git_state(cwd: Path) -> dict[str, Any]:
    commit = _run_git(cwd, "rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None, "patch": "", "untracked": []}
    status = _run_git(cwd, "status", "--porcelain") or ""
    return {
        "commit": commit.strip(),
        "branch": (_run_git(cwd, "rev-parse", "--abbrev-ref", "HEAD") or "").strip(),
        "dirty": bool(status.strip()),
        "patch": _run_git(cwd, "diff", "HEAD", "--binary") or "",
        "untracked": (_run_git(cwd, "ls-files", "--others", "--exclude-standard") or "").split(),
    }


def _environment() -> dict[str, Any]:
    cuda = torch.cuda.is_available()
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if cuda else None,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if cuda
        else [],
    }


def _packages() -> list[str]:
    """`name==version` of every installed distribution.

    Read from the first lines of each METADATA file: `Distribution.metadata` parses the whole
    file as an e-mail (descriptions included), several times slower for the same two fields.
    """
    found = {}
    for dist in metadata.distributions():
        name, version = _name_and_version(dist)
        found[name or "?"] = version or "?"
    return sorted(f"{name}=={version}" for name, version in found.items())


def _name_and_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name = version = None
    for line in text.splitlines():
        if not line:  # the headers end at the first empty line
            break
        if line.startswith("Name:") and name is None:
            name = line[5:].strip()
        elif line.startswith("Version:") and version is None:
            version = line[8:].strip()
    return name, version


def _data_state(datasets: dict[str, Path], registry: Path) -> tuple[dict[str, Any], list[str]]:
    """Manifest of each dataset, compared with the one recorded in `data/datasets.yaml`."""
    state: dict[str, Any] = {}
    warnings = []
    entries = read_registry(registry)["datasets"]
    for name, root in datasets.items():
        manifest = compute_manifest(root)
        entry = entries.get(name) or {}
        registered = (entry.get("manifest") or {}).get("fingerprint")
        state[name] = {
            "root": root.as_posix(),
            "link_target": root.readlink().as_posix() if root.is_symlink() else None,
            **manifest.as_dict(),
            "registered_fingerprint": registered,
        }
        if registered is None:
            warnings.append(
                f"dataset '{name}' is not in {registry}: link it with `dlscaffold data link`"
            )
        elif registered != manifest.fingerprint:
            warnings.append(
                f"dataset '{name}' differs from its manifest in {registry} "
                f"(files added, removed or resized since it was linked)"
            )
    return state, warnings
