"""Benchmark `dlscaffold update` against a plain `copier update` of the same project.

Builds a 44-file template repository with 21 tagged versions in a temporary folder, generates
a project at v1 with a user edit, and times (median of BENCH_REPEATS=5 fresh copies, each a
new process, so imports count; compared commands run in alternating rounds):

- `copier update --defaults --vcs-ref v2` against `dlscaffold update --defaults --vcs-ref v2`,
  from a loose and from a packed (`git gc`) template repository;
- `dlscaffold update` skipping 1, 5, 10 and 20 versions.

Run: `python benchmarks/bench_update.py`; writes benchmarks/results/update.json and prints a
markdown table. Nothing touches the network or the user's HOME.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
VERSIONS = 21

COPIER_YML = """\
_subdirectory: project
_templates_suffix: .jinja
_answers_file: .copier-answers.yml
project_name:
  type: str
  default: demo
package_name:
  type: str
  default: "{{ project_name | lower }}"
"""
ANSWERS = "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml -}}\n"


def template_files(version: int) -> dict[str, str]:
    """Return the 44 files of template version `version` (each version edits two files)."""
    files = {
        "copier.yml": COPIER_YML,
        "project/{{_copier_conf.answers_file}}.jinja": ANSWERS,
        "project/README.md.jinja": "# {{ project_name }}\n\nA deep-learning project.\n",
        "project/pyproject.toml.jinja": '[project]\nname = "{{ package_name }}"\n',
    }
    for i in range(12):
        files[f"project/configs/exp{i}.yaml"] = (
            f"# experiment {i}\nlr: 0.1\nbatch_size: 32\nepochs: 10\nseed: {i}\n"
        )
    for i in range(22):
        body = "".join(f"def f{j}(x):\n    return x + {j}\n\n\n" for j in range(20))
        files[f"project/src/{{{{ package_name }}}}/mod{i}.py"] = body
    for i in range(5):
        files[f"project/tests/test_{i}.py"] = f"def test_{i}():\n    assert True\n"
    files["project/configs/exp0.yaml"] = files["project/configs/exp0.yaml"].replace(
        "lr: 0.1", f"lr: 0.{version}"
    )
    files["project/src/{{ package_name }}/mod0.py"] += f"VERSION = {version}\n"
    return files


# The template's commits need an author even on a machine with no git identity.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}  # fmt: skip


def git(*args: str, cwd: Path) -> None:
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def build_template(root: Path, *, versions: int = VERSIONS, packed: bool = False) -> Path:
    """Create the template repository with tags v1..v`versions`."""
    root.mkdir(parents=True)
    git("init", "--quiet", "--initial-branch=main", cwd=root)
    for version in range(1, versions + 1):
        for rel, content in template_files(version).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        git("add", "--all", cwd=root)
        git("commit", "--quiet", "-m", f"v{version}", cwd=root)
        git("tag", f"v{version}", cwd=root)
    if packed:
        git("gc", "--quiet", "--aggressive", cwd=root)
    return root


def environment(home: Path) -> dict[str, str]:
    """An isolated HOME with a git identity, and this checkout's sources first.

    Bytecode is written and used as in an installed dlscaffold (pip compiles it): a
    PYTHONDONTWRITEBYTECODE in the caller's environment would make every timed process
    compile dlscaffold's modules anew.
    """
    (home / ".gitconfig").write_text("[user]\n\tname = Bench\n\temail = bench@example.invalid\n")
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "dlscaffold")],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    return env


def make_project(template: Path, dest: Path, env: dict[str, str]) -> Path:
    """Generate a project at v1 with dlscaffold and commit a user edit."""
    code = (
        "import sys; from dlscaffold._new import create_project; "
        "create_project(sys.argv[1], template=sys.argv[2], vcs_ref='v1', defaults=True, "
        "example_data=False)"
    )
    subprocess.run([sys.executable, "-c", code, str(dest), str(template)], env=env, check=True)
    config = dest / "configs/exp3.yaml"
    config.write_text(config.read_text().replace("batch_size: 32", "batch_size: 64"))
    git("commit", "--quiet", "-am", "user edit", cwd=dest)
    return dest


def measure(
    command: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, float]:
    """Run `command`; return its wall time and the CPU time (user + system) of it and its
    children, which a busy machine disturbs much less than wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise RuntimeError(f"{command} failed ({proc.returncode}): {proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run_once(
    command: list[str], project: Path, scratch: Path, env: dict[str, str]
) -> tuple[float, float]:
    """Wall and CPU time of `command` run in a fresh copy of `project`."""
    copy = scratch / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project, copy, symlinks=True)
    return measure(command, copy, env, ok=(0, 5))


def compare(
    commands: dict[str, list[str]], project: Path, scratch: Path, env: dict[str, str]
) -> dict[str, dict[str, float]]:
    """Median times of several commands, run in alternating rounds so load hits all alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for round_ in range(REPEATS):
        names = list(commands)[:: 1 if round_ % 2 == 0 else -1]
        for name in names:
            times[name].append(run_once(commands[name], project, scratch, env))
    return {name: medians(values) for name, values in times.items()}


def medians(samples: list[tuple[float, float]]) -> dict[str, float]:
    """Median wall and CPU seconds of (wall, cpu) samples."""
    return {
        "s": statistics.median(w for w, _ in samples),
        "cpu_s": statistics.median(c for _, c in samples),
    }


def copier_update(ref: str) -> list[str]:
    return [sys.executable, "-m", "copier", "update", "--defaults", "--vcs-ref", ref, "--quiet"]


def dlscaffold_update(ref: str) -> list[str]:
    return [sys.executable, "-m", "dlscaffold", "-q", "update", "--defaults", "--vcs-ref", ref]


def main() -> None:
    """Run the benchmark, write results/update.json and print a markdown table."""
    load_before = os.getloadavg()[0]
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="dlscaffold-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = environment(tmp)
        for packed in (False, True):
            label = "packed" if packed else "loose"
            template = build_template(tmp / f"template-{label}", packed=packed)
            project = make_project(template, tmp / f"proj-{label}", env)
            commands = {"copier": copier_update("v2"), "dlscaffold": dlscaffold_update("v2")}
            times = compare(commands, project, tmp, env)
            rows += ratio_rows(f"v1 -> v2, {label} template", times)
            if packed:
                skips = {
                    f"skip {k} versions, packed": dlscaffold_update(f"v{1 + k}")
                    for k in (1, 5, 10, 20)
                }
                for case, t in compare(skips, project, tmp, env).items():
                    rows += time_rows(f"dlscaffold update, {case}", t)
    report(rows, "update", DESCRIPTION, load_before)


DESCRIPTION = (
    "`dlscaffold update --defaults` against `copier update --defaults` on the same project "
    "(44-file template with 21 tagged versions, a user edit committed), v1 -> v2, fresh "
    "copies, fresh processes (imports count), in alternating rounds; median of "
    f"{REPEATS} each. CPU time is the process's and its children's (git) user + system "
    "time: on this shared 2-core machine it varies much less than wall time. The target "
    "(<= 0.5x copier) is judged on both."
)


def time_rows(label: str, times: dict[str, float]) -> list[dict[str, object]]:
    """Rows of a timed command: median wall and CPU seconds."""
    return [
        {"metric": f"{label}: wall", "value": times["s"], "unit": "s"},
        {"metric": f"{label}: CPU", "value": times["cpu_s"], "unit": "s"},
    ]


def ratio_rows(case: str, times: dict[str, dict[str, float]]) -> list[dict[str, object]]:
    """Both tools' times and the dlscaffold/copier ratios against the 0.5x target."""
    rows = time_rows(f"copier update, {case}", times["copier"])
    rows += time_rows(f"dlscaffold update, {case}", times["dlscaffold"])
    for kind, key in (("wall", "s"), ("CPU", "cpu_s")):
        ratio = times["dlscaffold"][key] / times["copier"][key]
        rows.append(
            {"metric": f"ratio dlscaffold / copier, {case}, {kind}", "value": ratio,
             "unit": "x", "target": "<= 0.5", "ok": ratio <= 0.5}
        )  # fmt: skip
    return rows


def report(rows: list[dict[str, object]], name: str, description: str, load: float) -> None:
    """Write rows (metric, value, target, ok) as results/<name>.json and print them."""
    from _common import write_results

    after = os.getloadavg()[0]
    text = f"{description} Load average (1 min) before/after: {load:.2f}/{after:.2f}."
    meta = {"repeats": REPEATS, "load_average_1min": [load, after]}
    write_results(name, rows, description=text, meta=meta)


if __name__ == "__main__":
    main()
