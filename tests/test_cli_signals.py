"""Ctrl-C and SIGTERM at any moment, start-up included: one line, exit 130 or 143, no
traceback, and no half-written project. Real `dlscaffold` processes, real signals.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_update_support import make_project, standard_template

INTERRUPTED = "Error: Interrupted; nothing was left half-done."
TERMINATED = "Error: Terminated; nothing was left half-done."

# Runs the CLI's entry point and sends a signal to itself the moment MODULE is first
# imported: the signal lands at a chosen phase every time, not by luck of timing.
SIGNAL_AT_IMPORT = """
import os, signal, sys

class SignalAtImport:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.{signal})
        return None

sys.meta_path.insert(0, SignalAtImport())
sys.argv = ["dlscaffold", *{args!r}]
from dlscaffold._cli import main
main()
"""

PHASES = [
    ("typer", "start-up: the CLI's imports"),
    ("dlscaffold._cli._app", "start-up: building the command line"),
    ("dlscaffold._new", "the command's own imports"),
    ("copier._main", "rendering"),
    ("rich.console", "printing the result"),
]


def run_script(script: Path, text: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Write `text` to `script` and run it with ARGS in `cwd`."""
    script.write_text(text)
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def run_signalled(tmp_path: Path, module: str, sig: str, *args: str) -> subprocess.CompletedProcess:
    text = SIGNAL_AT_IMPORT.format(module=module, signal=sig, args=list(args))
    return run_script(tmp_path / "signal_at_import.py", text, cwd=tmp_path)


@pytest.mark.parametrize(("sig", "code", "line"), [("SIGINT", 130, INTERRUPTED),
                                                   ("SIGTERM", 143, TERMINATED)])  # fmt: skip
@pytest.mark.parametrize(("module", "phase"), PHASES, ids=[p[0] for p in PHASES])
def test_a_signal_in_each_phase_prints_one_line(
    tmp_path: Path, module: str, phase: str, sig: str, code: int, line: str
) -> None:
    result = run_signalled(tmp_path, module, sig, "new", "demo", "--defaults", "--no-example-data")

    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "signal_at_import.py")
    if module == "rich.console":
        # The project is made: the signal is ignored while the result prints, so no error
        # line says "nothing was left half-done" over a finished project.
        assert result.returncode == 0, (phase, result.stderr)
        assert "Created demo" in result.stderr and "Error" not in result.stderr
        assert left == ["demo"] and (tmp_path / "demo" / ".git").is_dir()
        return
    assert result.returncode == code, (phase, result.stderr)
    assert result.stderr.splitlines() == [line], (phase, result.stderr)
    assert left == [], left  # all or nothing: no staging folder, no project


def test_an_interrupt_under_json_is_json_too(tmp_path: Path) -> None:
    result = run_signalled(
        tmp_path, "copier._main", "SIGINT", "new", "demo", "--defaults", "--json"
    )

    assert result.returncode == 130
    envelope = json.loads(result.stdout)
    assert envelope["ok"] is False and envelope["exit_code"] == 130
    assert envelope["command"] == "new" and envelope["result"] is None
    assert envelope["error"] == {
        "message": "Interrupted; nothing was left half-done.",
        "kind": "Interrupted",
    }


# SIGTERM lands inside `Popen.__init__` just after the fork of the first git in the staging
# folder, before the caller holds the child (the window a `kill` hit at random in CI): the
# child must not run on and write into the staging folder once it is removed. The child here
# says when it has started, then waits 0.3 s and names the folder by its full path, so that,
# left running, it writes the folder back every time.
SIGNAL_AFTER_FORK = """
import inspect, os, signal, subprocess, sys, time

start_child = subprocess.Popen._execute_child
started = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child-started")
slow_git = 'touch "$0"; sleep 0.3; exec git init --quiet "$(pwd)" >/dev/null 2>&1'

def start_then_signal(self, args, *rest, **kwargs):
    cwd = inspect.signature(start_child).bind(self, args, *rest, **kwargs).arguments["cwd"]
    in_staging = os.path.basename(cwd or "").startswith(".demo.")
    if in_staging:
        args = ["sh", "-c", slow_git, started]
    start_child(self, args, *rest, **kwargs)
    if in_staging:
        while not os.path.exists(started):
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

subprocess.Popen._execute_child = start_then_signal
sys.argv = ["dlscaffold", "new", "demo", "--defaults", "--no-example-data"]
from dlscaffold._cli import main
main()
"""


# SIGTERM lands the moment `mkdtemp` has made the staging folder, before `new` holds its
# path: the folder must still be removed.
SIGNAL_AFTER_MKDTEMP = """
import os, signal, sys, tempfile

make_folder = tempfile.mkdtemp

def make_then_signal(*args, **kwargs):
    path = make_folder(*args, **kwargs)
    if os.path.basename(path).startswith(".demo."):
        os.kill(os.getpid(), signal.SIGTERM)
    return path

tempfile.mkdtemp = make_then_signal
sys.argv = ["dlscaffold", "new", "demo", "--defaults", "--no-example-data"]
from dlscaffold._cli import main
main()
"""


@pytest.mark.parametrize(
    "script", [SIGNAL_AFTER_FORK, SIGNAL_AFTER_MKDTEMP], ids=["child-started", "folder-made"]
)
def test_a_signal_in_a_narrow_window_leaves_nothing_behind(tmp_path: Path, script: str) -> None:
    project_parent = tmp_path / "projects"
    project_parent.mkdir()

    result = run_script(tmp_path / "send_signal.py", script, cwd=project_parent)
    time.sleep(1.0)  # an orphaned `git init` would have written its `.git` by now

    assert result.returncode == 143, result.stderr
    assert result.stderr.splitlines() == [TERMINATED]
    if script is SIGNAL_AFTER_FORK:
        assert (tmp_path / "child-started").exists(), "the signal came once the child ran"
    assert sorted(p.name for p in project_parent.iterdir()) == []


# SIGTERM the moment the update is written (only its report is left), or while Python
# exits (after it has put the default handlers back, as a slow `__del__` at the end lets a
# `kill` from outside arrive): the command's own outcome stands, with no error line.
SIGNAL_AFTER_UPDATE = """
import atexit, os, signal, subprocess, sys, time
import dlscaffold._update as update

def update_then_signal(*args, **kwargs):
    result = real_update(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)
    return result

class SlowToGo:
    sleep = staticmethod(time.sleep)
    def __del__(self):
        self.sleep(1.0)

def kill_me_soon():
    subprocess.Popen(["sh", "-c", f"sleep 0.3; kill -TERM {os.getpid()}"])

if sys.argv[1] == "report":
    real_update, update.update_project = update.update_project, update_then_signal
else:
    slow_to_go = SlowToGo()  # destroyed with the modules, after the signal handling
    atexit.register(kill_me_soon)
sys.argv = ["dlscaffold", "update", "--defaults", "--vcs-ref", "v2"]
from dlscaffold._cli import main
main()
"""


@pytest.mark.parametrize("moment", ["report", "exit"])
def test_a_signal_after_the_update_is_written_keeps_its_outcome(
    tmp_path: Path, moment: str
) -> None:
    project = make_project(tmp_path, standard_template(tmp_path, upto=2))

    script = tmp_path / "signal_after_update.py"
    result = run_script(script, SIGNAL_AFTER_UPDATE, moment, cwd=project)

    assert result.returncode == 0, result.stderr
    assert "Updated . from template v1 to v2." in result.stderr
    assert "Error" not in result.stderr and "Exception" not in result.stderr, result.stderr
    assert "v2" in (project / ".copier-answers.yml").read_text()


def _interpreter_only(stderr: str) -> bool:
    """Tell whether a traceback lies wholly in Python's own start-up (`runpy`, the stdlib).

    A signal before the interpreter runs any of dlscaffold's code cannot be handled by it;
    once dlscaffold's entry point runs, no frame of dlscaffold or its libraries may show.
    """
    if stderr.startswith("Could not import runpy module"):
        return True  # CPython's own message: `-m` had not even loaded runpy yet
    frames = [line for line in stderr.splitlines() if line.lstrip().startswith('File "')]
    return not any("site-packages" in frame or "dlscaffold" in frame for frame in frames)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_signals_at_random_moments_never_print_a_traceback(tmp_path: Path, sig: str) -> None:
    signum = getattr(signal, sig)
    outcomes = []
    for delay in (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2):
        cwd = tmp_path / f"run-{delay}"
        cwd.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dlscaffold", "new", "demo", "--defaults", "--no-example-data"],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
        outcomes.append((delay, proc.returncode, stderr))
        left = sorted(p.name for p in cwd.iterdir())
        assert left in ([], ["demo"]), (delay, left)
        if proc.returncode in (130, 143, -signal.SIGINT, -signal.SIGTERM):
            # -SIGINT: Python re-raises an unhandled Ctrl-C as the signal once the one line
            # is out (shells report 130), or the interpreter itself was still starting
            # (importing runpy); -SIGTERM: before any Python code could run.
            ours = stderr.strip() in ("", INTERRUPTED, TERMINATED)
            starting = proc.returncode < 0 and _interpreter_only(stderr)
            assert ours or starting, (delay, stderr)
        elif proc.returncode != 0:
            # Before dlscaffold's code ran: the interpreter's own handling, nothing of ours.
            assert _interpreter_only(stderr), (delay, stderr)
    assert any(o[1] in (130, 143) for o in outcomes), outcomes
