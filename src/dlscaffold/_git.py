"""Thin helpers around the git command line.

dlscaffold shells out to git (as copier does) instead of using a git library: git is
already a requirement of copier's versioned templates and behaves exactly as users expect.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dlscaffold._process import run_captured
from dlscaffold.errors import GitError

# Used only when the user has no git identity, so that the first commit never fails.
FALLBACK_IDENTITY = {"name": "dlscaffold", "email": "dlscaffold@localhost"}

# The only transports a template may be fetched with. Remote helpers (`ext::`, `fd::`, ...)
# run commands of the URL's choosing; plain http sends templates unauthenticated.
ALLOWED_PROTOCOLS = ("file", "https", "ssh", "git")


def allowed_protocols() -> str:
    """Return GIT_ALLOW_PROTOCOL for git calls: ours, narrowed further by the user's own."""
    users = os.environ.get("GIT_ALLOW_PROTOCOL")
    ours = [p for p in ALLOWED_PROTOCOLS if users is None or p in users.split(":")]
    return ":".join(ours)


def git(*args: str, cwd: Path, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run `git ARGS` in `cwd` and return its stdout; raise `GitError` on failure.

    Callers put `--` (paths) or `--end-of-options` (revisions, URLs) before every argument
    that comes from outside, so that no value is ever read as an option. Only the transports
    in `ALLOWED_PROTOCOLS` are allowed, whatever git's configuration says.
    """
    full_env = {**os.environ, "GIT_ALLOW_PROTOCOL": allowed_protocols(), **(env or {})}
    proc = run_captured(["git", *args], cwd=cwd, text=True, env=full_env)
    if check and proc.returncode != 0:
        raise GitError(command=list(args), stderr=proc.stderr or proc.stdout)
    return proc.stdout


@contextmanager
def restricted_transports() -> Iterator[None]:
    """Allow only `ALLOWED_PROTOCOLS` to every git that runs meanwhile, copier's included.

    copier runs git through plumbum, whose environment is a copy of `os.environ` taken when
    plumbum was imported: both are set, and both are restored afterwards.
    """
    value = allowed_protocols()
    envs: list[Any] = [os.environ]
    plumbum = sys.modules.get("plumbum")
    if plumbum is not None:
        envs.append(plumbum.local.env)
    saved = [(env, env.get("GIT_ALLOW_PROTOCOL")) for env in envs]
    for env in envs:
        env["GIT_ALLOW_PROTOCOL"] = value
    try:
        yield
    finally:
        for env, before in saved:
            if before is None:
                env.pop("GIT_ALLOW_PROTOCOL", None)
            else:
                env["GIT_ALLOW_PROTOCOL"] = before


def config_values(*keys: str, cwd: Path) -> dict[str, str]:
    """Return git's effective values of `keys` in one call (unset keys are left out)."""
    pattern = "^(" + "|".join(key.lower().replace(".", r"\.") for key in keys) + ")$"
    out = git("config", "--get-regexp", pattern, cwd=cwd, check=False)
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        values[key] = value  # the last one wins, as for `git config --get`
    return values


def is_repo_root(path: Path) -> bool:
    """Tell whether `path` is the top folder of a git work tree."""
    if not (path / ".git").exists():
        return False
    top = git("rev-parse", "--show-toplevel", cwd=path, check=False).strip()
    return bool(top) and Path(top).resolve() == path.resolve()


def is_clean(path: Path) -> bool:
    """Tell whether the work tree at `path` has no changes and no untracked files."""
    return git("status", "--porcelain", cwd=path).strip() == ""


def in_work_tree(path: Path) -> bool:
    """Tell whether `path` lies inside a git work tree."""
    out = git("rev-parse", "--is-inside-work-tree", cwd=path, check=False)
    return out.strip() == "true"


def stage(path: Path, *relpaths: str, removed: Sequence[str] = ()) -> bool:
    """Stage `relpaths` (even if ignored) and the removal of `removed`, inside a work tree.

    Dataset links live under the ignored `data/` folder but belong in git: a clone with the
    same data layout then finds its data. Returns False (and does nothing) outside git.
    """
    if not in_work_tree(path):
        return False
    if relpaths:
        git("add", "--force", "--", *relpaths, cwd=path)
    if removed:
        git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *removed, cwd=path)
    return True


def init_repo(path: Path) -> None:
    """Make `path` a git repository of its own, on the user's default branch (else `main`).

    Done before anything is written into a staging folder: inside a parent repository, a
    nested repository keeps every `git` call here (staging links, reading the identity) away
    from the parent's index and local config. Without a template folder of the user's own,
    git's sample hooks are not copied: every folder costs on slow file systems.
    """
    config = config_values("init.defaultBranch", "init.templateDir", cwd=path)
    template = [] if config.get("init.templatedir") else ["--template="]
    branch = config.get("init.defaultbranch") or "main"
    git("init", "--quiet", *template, f"--initial-branch={branch}", cwd=path)


def commit_all(path: Path, *, message: str) -> str:
    """Commit everything in the repository at `path` (ignored files stay out); return the commit.

    The commit is written by `git fast-import` as one pack: `git add` + `git commit` would
    write each file as a loose object, one folder per object prefix, several times slower
    where creating folders is slow. No hooks run and nothing is signed (as `--no-verify`).
    The user's own identity is used when configured, else a neutral one, so that generation
    never fails on a fresh machine.
    """
    ref = (path / ".git" / "HEAD").read_text().removeprefix("ref:").strip()  # refs/heads/<b>
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=path)
    relpaths = sorted({rel for rel in listed.split("\0") if rel})
    stream = [
        f"commit {ref}\n".encode(),
        *(f"{role} {_identity(path)} {int(time.time())} {time.strftime('%z')}\n".encode()
          for role in ("author", "committer")),
        _data(message.encode()),
    ]  # fmt: skip
    for rel in relpaths:
        file_path = path / rel
        info = file_path.lstat()
        if stat.S_ISLNK(info.st_mode):
            mode, content = "120000", os.fsencode(file_path.readlink())
        else:
            mode = "100755" if info.st_mode & stat.S_IXUSR else "100644"
            content = file_path.read_bytes()
        stream += [f"M {mode} inline {_quote(rel)}\n".encode(), _data(content)]
    proc = run_captured(
        ["git", "-c", "fastimport.unpackLimit=0", "fast-import", "--quiet"],
        cwd=path, input=b"".join(stream),
    )  # fmt: skip
    if proc.returncode != 0:
        raise GitError(command=["fast-import"], stderr=proc.stderr.decode(errors="replace"))
    git("reset", "--quiet", cwd=path)  # the index now matches the commit
    return (path / ".git" / ref).read_text().strip()  # fast-import writes the ref loose


def _identity(path: Path) -> str:
    config = config_values("user.name", "user.email", cwd=path)
    name = os.environ.get("GIT_AUTHOR_NAME") or config.get("user.name") or FALLBACK_IDENTITY["name"]
    email = (
        os.environ.get("GIT_AUTHOR_EMAIL") or config.get("user.email") or FALLBACK_IDENTITY["email"]
    )
    return f"{name} <{email}>"


def _data(content: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(content), content)


def _quote(relpath: str) -> str:
    """Quote a path for fast-import when it holds characters its plain form cannot carry."""
    if not any(c in relpath for c in '"\\\n') and not relpath.startswith('"'):
        return relpath
    escaped = relpath.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
