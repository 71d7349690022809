"""The training snapshot: what a run needs to be understood and repeated later.

Written into the run folder: `config.yaml` (rerun with `train --config`), `command.txt`,
`git.patch` (uncommitted changes against HEAD), `untracked.txt`, `packages.txt`
(`name==version` of every installed distribution) and `snapshot.json` (git commit and dirty
flag, python/torch/CUDA versions, host, seeds, and the manifest of each dataset used).
"""

import json
import platform
import shlex
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ..utils.data_manifest import compute_manifest
from ..utils.registry import read_registry


def write_snapshot(
    run_dir: Path, *, seed: int, datasets: dict[str, Path], registry: Path
) -> list[str]:
    """Write the snapshot files; return warnings (e.g. data that changed since it was linked)."""
    git = _git_state()
    (run_dir / "command.txt").write_text(shlex.join(sys.orig_argv) + "\n", encoding="utf-8")
    (run_dir / "git.patch").write_text(git.pop("patch"), encoding="utf-8")
    (run_dir / "untracked.txt").write_text("\n".join(git.pop("untracked")) + "\n", encoding="utf-8")
    (run_dir / "packages.txt").write_text("\n".join(_packages()) + "\n", encoding="utf-8")
    data, warnings = _data_state(datasets, registry)
    snapshot = {
        "command": sys.orig_argv,
        "cwd": Path.cwd().name,
        "git": git,
        "environment": _environment(),
        "seeds": {"seed": seed, "torch_initial_seed": torch.initial_seed()},
        "data": data,
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


def _run_git(*args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def _git_state() -> dict[str, Any]:
    commit = _run_git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None, "patch": "", "untracked": []}
    status = _run_git("status", "--porcelain") or ""
    return {
        "commit": commit.strip(),
        "branch": (_run_git("rev-parse", "--abbrev-ref", "HEAD") or "").strip(),
        "dirty": bool(status.strip()),
        "patch": _run_git("diff", "HEAD", "--binary") or "",
        "untracked": (_run_git("ls-files", "--others", "--exclude-standard") or "").split(),
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
    found = {(d.metadata["Name"] or "?"): d.version for d in metadata.distributions()}
    return sorted(f"{name}=={version}" for name, version in found.items())


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
