"""Check out a version of a local template repository with two git commands, not a dozen.

copier clones a template for every render: for a local repository, it asks git its version,
whether the repository is shallow, clones it (packing every object anew), checks the
version out and runs `git submodule update` (seven more processes), each through plumbum.
An update renders twice (the recorded version and the new one), so this was about a fifth
of its time. Here a local repository is cloned with `--shared` (the clone borrows the
repository's objects instead of copying them: it lives a few seconds, inside a scratch
folder) and the version checked out; `git submodule update` runs only where the version has
a `.gitmodules`. A git bundle (dlscaffold's own template ships as one) is cloned the same
way, without `--shared`. The checkout is the same files copier's clone gives (tested in
tests/test_template_clone.py).

Anything else is left to copier: a remote template (copier keeps a cache of it), no version
asked for (copier picks the newest tag, or takes a local HEAD with its uncommitted
changes), a shallow repository (copier warns), and any git failure (copier then gives its
own error).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from dlscaffold._generated.source import is_bundle, is_remote
from dlscaffold._git import git
from dlscaffold.errors import GitError

# copier's own prefix for its clones (`copier._vcs.CLONE_PREFIX`), so that whatever removes
# copier's clones removes these too.
CLONE_PREFIX = "copier._vcs.clone."


def clone_for(template: Any) -> None:
    """Give copier's `template` a checkout of its version made here, when it can be.

    `template` is copier's `Template`, not yet cloned. On success its `local_abspath` is the
    checkout, and copier removes it at the end of the render as it would its own clone.
    """
    if template.vcs != "git":
        return
    checkout = local_checkout(template.url_expanded, template.ref)
    if checkout is None:
        return
    template.__dict__["local_abspath"] = checkout
    # copier removes `_temp_clone_path` (9.17 and newer) or, before, any `local_abspath`
    # that is not the template itself.
    object.__setattr__(template, "_temp_clone_path", checkout)


def local_checkout(url: str, ref: str | None) -> Path | None:
    """Return a fresh checkout of `ref` of the local repository `url`, or None for copier's."""
    repo = _local_repository(url)
    if repo is None or ref is None or ref == "HEAD":
        return None
    borrow = [] if repo.is_file() else ["--shared"]  # a bundle has no objects to borrow
    location = Path(tempfile.mkdtemp(prefix=CLONE_PREFIX))
    try:
        git("clone", "--quiet", *borrow, "--no-checkout", "--", str(repo), str(location),
            cwd=location)  # fmt: skip
        git("-c", "advice.detachedHead=false", "checkout", "--quiet", "--force", ref, "--",
            cwd=location)  # fmt: skip
        if (location / ".gitmodules").exists():
            git("submodule", "update", "--checkout", "--init", "--recursive", "--force",
                cwd=location)  # fmt: skip
    except (GitError, OSError):
        shutil.rmtree(location, ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(location, ignore_errors=True)
        raise
    return location.resolve()


def _local_repository(url: str) -> Path | None:
    """Return the local, complete (not shallow) git repository or bundle at `url`, else None."""
    if url.startswith("file://"):
        url = url.removeprefix("file://")
    elif is_remote(url):
        return None
    path = Path(url).expanduser()
    if path.is_file():
        return path if is_bundle(path) else None
    git_dir = path / ".git" if (path / ".git").exists() else path
    if not (git_dir / "HEAD").is_file() or (git_dir / "shallow").exists():
        return None
    return path
