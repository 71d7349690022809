"""Run a child process (git) that an interrupt never leaves running behind.

`subprocess.run` is not enough when SIGTERM reaches dlscaffold alone (`kill`, `timeout`, a
cancelled CI job; Ctrl-C reaches the whole process group, children included):

- the interrupt can be raised inside `Popen.__init__` after the fork, before `run` holds the
  child, so nothing kills it: a `git init` went on writing into a staging folder that
  `dlscaffold new` had just removed, and left it behind;
- once it holds the child, `run` kills it but waits only 0.25 s for it to end.

Here the child is started with interrupts held, and an interrupt while it runs kills it and
waits for it to be gone before the interrupt goes on to the caller's clean-up.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, overload

from dlscaffold._interrupts import holding, interrupt_for


@overload
def run_captured(
    args: Sequence[str], *, cwd: Path | None = ..., input: str | None = ...,
    text: Literal[True], check: bool = ..., env: dict[str, str] | None = ...,
) -> subprocess.CompletedProcess[str]: ...  # fmt: skip
@overload
def run_captured(
    args: Sequence[str], *, cwd: Path | None = ..., input: bytes | None = ...,
    text: Literal[False] = ..., check: bool = ..., env: dict[str, str] | None = ...,
) -> subprocess.CompletedProcess[bytes]: ...  # fmt: skip
def run_captured(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    input: Any = None,
    text: bool = False,
    check: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[Any]:
    """Run `args` to the end, capturing stdout and stderr, as `subprocess.run` would.

    Raises `subprocess.CalledProcessError` with `check` when the child exits non-zero.
    """
    stdin = subprocess.PIPE if input is not None else None
    with holding() as held:
        child = subprocess.Popen(
            list(args), cwd=cwd, env=env, text=text, stdin=stdin,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
    with child:
        try:
            if held:  # it came while the child was starting: stop it as below
                raise interrupt_for(held[0])
            stdout, stderr = child.communicate(input)
        except BaseException:
            with holding():  # a second interrupt must not leave the child running either
                child.kill()
                child.wait()
            raise
    completed = subprocess.CompletedProcess(list(args), child.returncode, stdout, stderr)
    if check:
        completed.check_returncode()
    return completed
