"""`dlscaffold --version` and `dlscaffold new --defaults` against copier on the same template.

Targets (issue 2): `--version` at most 0.3x of `copier --version`; `new` (git init and first
commit included) no slower than a plain `copier copy` of the same template.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from _common import time_command, time_in_turns, write_results

BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "HOME": str(tmp / "home")}
        (tmp / "home").mkdir()
        run = tmp / "runs"
        run.mkdir()
        # Warm-up: installs the template bundle and the example dataset under this HOME.
        time_command([str(BIN / "dlscaffold"), "new", "warm", "--defaults"], repeat=1, cwd=run,
                     env=env)  # fmt: skip
        bundle = str(tmp / "home/.local/share/dlscaffold/templates/default.bundle")

        def fresh(_: int) -> None:
            for child in run.iterdir():
                shutil.rmtree(child, ignore_errors=True)

        dl, cp = str(BIN / "dlscaffold"), str(BIN / "copier")
        version = time_in_turns(
            {"dlscaffold": [dl, "--version"], "copier": [cp, "--version"]},
            repeat=args.repeat, env=env,
        )  # fmt: skip
        new = time_in_turns(
            {
                "new": [dl, "-q", "new", "p", "--defaults"],
                "new_no_data": [dl, "-q", "new", "p", "--defaults", "--no-example-data"],
                "copy": [cp, "copy", "--quiet", "--defaults", "--trust", "-d", "project_name=p",
                         bundle, "p"],
            },
            repeat=args.repeat, cwd=run, env=env, setup=fresh,
        )  # fmt: skip
    dl_version, cp_version = version["dlscaffold"], version["copier"]
    new_data, new_no_data, copy = new["new"], new["new_no_data"], new["copy"]
    rows = [
        {"metric": "dlscaffold --version", "value": dl_version, "unit": "s"},
        {"metric": "copier --version", "value": cp_version, "unit": "s"},
        {"metric": "ratio --version", "value": dl_version / cp_version, "target": "<= 0.3",
         "ok": dl_version / cp_version <= 0.3},
        {"metric": "dlscaffold new --defaults (git init + commit + example data link)",
         "value": new_data, "unit": "s"},
        {"metric": "dlscaffold new --defaults --no-example-data", "value": new_no_data,
         "unit": "s"},
        {"metric": "copier copy (same template bundle, no git)", "value": copy, "unit": "s"},
        {"metric": "ratio new (with data) / copier copy", "value": new_data / copy},
        {"metric": "ratio new (git init + commit) / copier copy", "value": new_no_data / copy,
         "target": "<= 1.0", "ok": new_no_data / copy <= 1.0},
    ]  # fmt: skip
    description = (
        "Median wall time of each command run in turns, both quiet (-q, --quiet), in a fresh "
        "HOME (the template bundle "
        "and example dataset installed by a warm-up run). The issue's target compares `new` "
        "with git init and the first commit included against a plain `copier copy` of the "
        "same template; linking and protecting the 1,797-file example dataset is shown apart."
    )
    write_results("cli", rows, repeat=args.repeat, description=description)


if __name__ == "__main__":
    main()
