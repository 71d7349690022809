"""Errors in the user's words: a destination that cannot take a project, a template stopped
by the Jinja sandbox, a damaged template bundle, answers that look like templates, odd names.

Each test runs the real `dlscaffold` in a subprocess and checks that nothing outside the
destination changed (digests of the parent folder and of HOME's template bundle).
"""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from dlscaffold import create_project
from dlscaffold._templates import install_default_template, shipped_bundle
from tests.helpers import tree_digest

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates" / "default"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def dlscaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real CLI as `python -m dlscaffold`."""
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def warm_home() -> Path:
    """Install the per-user bundle first, so later runs change nothing in HOME."""
    return Path(install_default_template()).expanduser()


@pytest.fixture
def mount_point(tmp_path: Path) -> Iterator[Path]:
    """An empty folder for a tmpfs; unmounted afterwards."""
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    point = tmp_path / "mnt"
    point.mkdir()
    yield point
    subprocess.run(["umount", str(point)], capture_output=True, check=False)


def mount_tmpfs(point: Path, options: str) -> None:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


@pytest.mark.parametrize("size", ["8k", "64k", "300k"])
def test_full_destination_names_dest_and_leaves_nothing(
    mount_point: Path, warm_home: Path, size: str
) -> None:
    # The sizes fail at different steps: git init, copier's render, the first commit.
    mount_tmpfs(mount_point, f"size={size}")
    bundle_before = warm_home.read_bytes()

    result = dlscaffold("new", "myproj", "--defaults", "--no-example-data", cwd=mount_point)

    assert result.returncode == 1
    assert one_line(result.stderr) == "Error: Cannot write to 'myproj': No space left on device."
    assert list(mount_point.iterdir()) == [], "a staging folder or half a project was left"
    assert warm_home.read_bytes() == bundle_before


def test_read_only_destination_names_dest(mount_point: Path, warm_home: Path) -> None:
    mount_tmpfs(mount_point, "ro,size=64k")

    result = dlscaffold("new", "myproj", "--defaults", cwd=mount_point)

    assert result.returncode == 1
    assert one_line(result.stderr) == "Error: Cannot write to 'myproj': Read-only file system."
    assert ".myproj." not in result.stderr


def test_unwritable_destination_names_dest_for_an_ordinary_user(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    parent.chmod(0o555)
    prefix: list[str] = []
    if IS_ROOT:
        # Root ignores mode bits. Dropping every capability makes it an ordinary user for
        # them (a user of its own could not run this interpreter, kept under /root).
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run without root's capabilities")
        prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]
    before = tree_digest(tmp_path)

    result = subprocess.run(
        [*prefix, sys.executable, "-m", "dlscaffold", "new", "myproj", "--defaults",
         "--no-example-data"],
        cwd=parent, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert one_line(result.stderr) == "Error: Cannot write to 'myproj': Permission denied."
    assert tree_digest(tmp_path) == before
    parent.chmod(0o755)


def test_a_failed_write_without_a_name_is_put_down_to_a_full_dest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a tmpfs: a nameless ENOSPC while the parent is nearly full names DEST."""
    import dlscaffold._destination as destination
    import dlscaffold._new as new

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(new, "commit_all", fail)
    monkeypatch.setattr(destination, "NEARLY_FULL_BYTES", 1 << 62)  # "the disk is full"
    with pytest.raises(destination.DestinationError, match=r"^Cannot write to '.*demo': No space"):
        create_project(tmp_path / "demo", defaults=True, example_data=False)
    assert [p.name for p in tmp_path.iterdir()] == []

    monkeypatch.setattr(destination, "NEARLY_FULL_BYTES", 0)  # a full disk elsewhere
    with pytest.raises(OSError, match="No space left") as raised:
        create_project(tmp_path / "demo", defaults=True, example_data=False)
    assert not isinstance(raised.value, destination.DestinationError)


def test_sandboxed_template_names_what_it_tried(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("_templates_suffix: .jinja\nname:\n  default: a\n")
    (template / "f.txt.jinja").write_text("{{ ''.__class__.__mro__ }}\n")

    result = dlscaffold("new", "p", "--template", str(template), "--defaults", cwd=tmp_path)

    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"Error: Template '{template}' tried to access attribute '__class__' of 'str' object "
        "(not allowed)."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tpl"]


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_user_bundle_is_repaired_from_the_shipped_one(
    tmp_path: Path, warm_home: Path, damage: str
) -> None:
    good = warm_home.read_bytes()
    damaged = {"truncated": good[: len(good) // 2], "garbage": os.urandom(4096)}
    warm_home.write_bytes(damaged[damage])

    result = dlscaffold("new", "demo", "--defaults", "--no-example-data", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"Warning: The template bundle {warm_home} was damaged; replaced it with the one "
        "shipped with this dlscaffold."
    )
    assert warm_home.read_bytes() == shipped_bundle().read_bytes() == good


def test_a_damaged_shipped_bundle_never_replaces_a_good_user_one(
    tmp_path: Path, warm_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlscaffold import _templates

    good = warm_home.read_bytes()
    broken = tmp_path / "shipped.bundle"
    broken.write_bytes(good[:-1000])
    monkeypatch.setattr(_templates, "shipped_bundle", lambda: broken)

    with pytest.warns(_templates.DlscaffoldWarning, match="shipped with dlscaffold .* damaged"):
        _templates.install_default_template()
    assert warm_home.read_bytes() == good

    warm_home.write_bytes(b"junk")
    with pytest.raises(_templates.TemplateNotFoundError, match="damaged; reinstall dlscaffold"):
        _templates.install_default_template()
    assert warm_home.read_bytes() == b"junk"


def test_answers_are_data_never_templates(tmp_path: Path) -> None:
    name = '{{ 7*7 }}"x'
    # The working-tree template (recorded into the shipped bundle at release).
    project = create_project(
        tmp_path / "demo", template=str(TEMPLATE_DIR), defaults=True, example_data=False,
        data={"project_name": name, "description": 'say "{{ 7*7 }}"', "author_name": "{% x %}"},
    ).path  # fmt: skip

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "7-7-x"  # a valid PEP 508 name
    assert pyproject["project"]["description"] == 'say "{{ 7*7 }}"'
    assert pyproject["project"]["authors"][0]["name"] == "{% x %}"
    assert yaml.safe_load((project / "environment.yml").read_text())["name"] == "7-7-x"
    assert (project / "README.md").read_text().startswith(f"# {name}\n")
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["project_name"] == name
    files = [p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts]
    rendered = "".join(p.read_text(errors="replace") for p in files)
    assert '49"x' not in rendered and "49-x" not in rendered  # nothing evaluated the answer


@pytest.mark.parametrize("dest", ["./-dash", "it's"])
def test_the_cd_hint_works_in_a_shell(tmp_path: Path, dest: str) -> None:
    args = ["new", "--defaults", "--no-example-data"]
    args += ["--", dest] if dest.startswith("-") else [dest]

    result = dlscaffold(*args, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    hint = result.stderr.splitlines()[-1].removeprefix("Next: ")
    cd = hint.split(" && ")[0]
    assert cd.startswith("cd ")
    shell = subprocess.run(
        ["sh", "-c", f"{cd} && pwd"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert Path(shell.stdout.strip()) == (tmp_path / dest).resolve(), (cd, shell.stderr)
    assert shlex.split(cd)[1] in {"./-dash", "it's"}


@pytest.mark.parametrize(
    ("code", "line"),
    [
        (errno.ENOSPC, "Error: Cannot write to '/p/f': No space left on device."),
        (errno.EROFS, "Error: Cannot write to '/p/f': Read-only file system."),
        (errno.EACCES, "Error: Cannot access '/p/f': Permission denied."),
    ],
)
def test_file_system_errors_of_any_command_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, line: str
) -> None:
    from typer.testing import CliRunner

    import dlscaffold._check.api
    from dlscaffold._cli import app

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), "/p/f")

    monkeypatch.setattr(dlscaffold._check.api, "check_project", fail)
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(app, ["check"])
    verbose = CliRunner().invoke(app, ["check", "-v"])

    assert result.exit_code == 1
    assert result.stderr.strip() == line
    assert isinstance(verbose.exception, OSError)  # -v: the traceback, for a bug report
