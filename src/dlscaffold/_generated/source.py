"""Template sources recorded in projects: checking, resolving, and listing their versions.

A template source and version come from the command line or from a committed answers file,
which anyone with write access to a repository can edit: both are checked before git or
copier sees them (see "Security" in docs/update.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.version import InvalidVersion, Version

from dlscaffold._git import ALLOWED_PROTOCOLS, git
from dlscaffold._templates import install_default_template, is_default_template
from dlscaffold.errors import TemplateNotFoundError, UserError

# `<transport>::<address>` runs git's remote helper `git-remote-<transport>` (`ext::` runs
# any command); `<scheme>://` is a URL; `[user@]host:path` with no `/` before the `:` is ssh.
_HELPER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*::")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)")
_SCP = re.compile(r"^([^/:]*@)?([^/:]+):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# copier's own spellings of the allowed transports (`git+https://...`, `gh:org/repo`).
_SCHEME_ALIASES = {"git+https": "https", "git+ssh": "ssh", "ssh+git": "ssh", "git+file": "file"}


class UnsafeSourceError(UserError):
    """A template source or version that git could read as an option or run as a command."""


def check_source(src: str) -> str:
    """Return `src` when git can only read it as a repository; raise `UnsafeSourceError`.

    Allowed: local paths (`~` included) and bundles, and `file`, `https`, `ssh` (also
    `user@host:path`) and `git` URLs. Refused: anything starting with `-`, remote helpers
    (`ext::`, `fd::`, `file::`, ...), other URL schemes, control characters.
    """
    allowed = ", ".join(ALLOWED_PROTOCOLS)
    if not src.strip() or _CONTROL.search(src):
        raise UnsafeSourceError(f"Template source {src!r} is empty or holds control characters.")
    if src.startswith("-"):
        raise UnsafeSourceError(
            f"Template source {src!r} starts with '-', which git would read as an option; "
            "refused (write a local path as ./-name)."
        )
    if _HELPER.match(src):
        raise UnsafeSourceError(
            f"Template source {src!r} uses a git remote helper ('{src.split('::')[0]}::'); "
            f"only {allowed} sources are allowed."
        )
    url = _URL.match(src)
    if url:
        scheme = url.group(1).lower()
        if _SCHEME_ALIASES.get(scheme, scheme) not in ALLOWED_PROTOCOLS:
            raise UnsafeSourceError(
                f"Template source {src!r} uses '{scheme}://'; only {allowed} sources are allowed."
            )
        host = url.group(2).rpartition("@")[2]
        _refuse_dash(host, src)
        return src
    scp = _SCP.match(src)
    if scp and not src.startswith("~"):
        _refuse_dash(scp.group(2), src)
    return src


def check_vcs_ref(ref: str | None) -> str | None:
    """Return the template version `ref` when git cannot read it as an option."""
    if ref is not None and (ref.startswith("-") or not ref.strip() or _CONTROL.search(ref)):
        raise UnsafeSourceError(
            f"Template version {ref!r} is not a git tag or commit (it is empty, starts with "
            "'-' or holds control characters); refused."
        )
    return ref


def _refuse_dash(host: str, src: str) -> None:
    if host.startswith("-"):
        raise UnsafeSourceError(
            f"Template source {src!r} names a host starting with '-', which ssh would read as "
            "an option; refused."
        )


def is_remote(src: str) -> bool:
    """Tell whether `src` is a URL (or `user@host:path`) rather than a local path."""
    return bool(_URL.match(src) or (_SCP.match(src) and not src.startswith(("~", "/", "."))))


def resolve_source(recorded: str, project: Path) -> str:
    """Return a source copier can open from any working directory.

    A leading `~` is kept (copier expands it, and the answers file stays portable); a relative
    path (copier issue #335) is taken relative to the project. The default template's
    per-user bundle is refreshed from the installed dlscaffold first. A source that git
    could read as an option or a command is refused (`check_source`).
    """
    check_source(recorded)
    if is_default_template(recorded):
        return install_default_template()
    if is_remote(recorded) or recorded.startswith("~") or Path(recorded).is_absolute():
        return recorded
    return str((project / recorded).resolve())


def git_url(src: str) -> str:
    """Spell a remote source as git does: copier's `gh:`/`gl:` and `git+` prefixes expanded."""
    for alias, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if src.startswith(alias):
            repo = src.removeprefix(alias).lstrip("/")
            return host + (repo if repo.endswith(".git") else repo + ".git")
    return src.removeprefix("git+") if _URL.match(src.removeprefix("git+")) else src


def local_path(src: str) -> Path | None:
    """Return the local file or folder behind `src`, or None for a URL."""
    return None if is_remote(src) else Path(src).expanduser()


def version_key(tag: str) -> Version | None:
    """Parse a tag as copier does (PEP 440, an optional leading 'v'); None if it is no version."""
    try:
        return Version(tag)
    except InvalidVersion:
        return None


def list_versions(src: str) -> list[str]:
    """Return the template's version tags, oldest first, without cloning it."""
    path = local_path(check_source(src))
    if path is not None and not path.exists():
        raise TemplateNotFoundError(f"Template '{src}' does not exist on this machine.")
    tags = _bundle_tags(path) if path is not None and path.is_file() else None
    if tags is None:
        cwd = path.parent if path is not None else Path.cwd()
        out = git("ls-remote", "--tags", "--", str(path or git_url(src)), cwd=cwd, check=False)
        tags = {
            line.split("\t", 1)[1].removeprefix("refs/tags/").removesuffix("^{}")
            for line in out.splitlines()
            if "\t" in line
        }
    versioned = [(key, tag) for tag in tags if (key := version_key(tag)) is not None]
    return [tag for _, tag in sorted(versioned)]


_BUNDLE_SIGNATURES = (b"# v2 git bundle\n", b"# v3 git bundle\n")
# Read no more than a signature to tell, whatever the file (one line may be gigabytes).
_SIGNATURE_BYTES = max(map(len, _BUNDLE_SIGNATURES))
_BUNDLE_REF = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})? (\S+)$")


def is_bundle(path: Path) -> bool:
    """Tell whether the file `path` is a git bundle (its first line names the format)."""
    try:
        with path.open("rb") as file:
            return file.readline(_SIGNATURE_BYTES) in _BUNDLE_SIGNATURES
    except OSError:
        return False


def _bundle_tags(path: Path) -> set[str] | None:
    """Return the tags a git bundle's header advertises, as `git ls-remote --tags` lists them.

    Reading the header (a signature line, capabilities, prerequisites, `<oid> <ref>` lines,
    an empty line) spares a git process per check. None when `path` is no bundle or its
    header is not what git documents (`gitformat-bundle`): git then reads it.
    """
    try:
        with path.open("rb") as file:
            if file.readline(_SIGNATURE_BYTES) not in _BUNDLE_SIGNATURES:
                return None
            tags: set[str] = set()
            for _ in range(100_000):
                line = file.readline()
                if line == b"\n":
                    return tags
                if line.startswith((b"@", b"-")):
                    continue  # a v3 capability, or a prerequisite commit
                match = _BUNDLE_REF.match(line.rstrip(b"\n"))
                if match is None:
                    return None
                ref = match.group(1).decode("utf-8", "surrogateescape")
                if ref.startswith("refs/tags/"):
                    tags.add(ref.removeprefix("refs/tags/").removesuffix("^{}"))
    except OSError:
        return None
    return None


def is_older(recorded: str, target: str) -> bool:
    """Tell whether version `target` is older than `recorded` (unparseable: not older)."""
    old, new = version_key(recorded), version_key(target)
    return old is not None and new is not None and new < old
