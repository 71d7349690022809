"""`runs list|show|compare|note|keep|clean`: look after the run folders under logs/.

`cli.py` parses; each function here takes the parsed arguments, does one subcommand and
returns the exit code. Reading a run folder never fails (see `catalog.py`); writing one
(notes, the keep tag, removal) refuses anything that is not a plain run folder.
"""

import argparse
import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import load_config, to_dict
from ..errors import ProjectError
from ..utils.console import info, warn
from ..utils.files import atomic_write_text
from . import catalog, report
from .folders import run_dirs

NOTES_DIR = Path("notes")
JOURNAL = "runs.md"  # notes/runs.md: one journal of every `runs note`
# `runs clean` removes runs in these states, and debug runs (fast-dev-run) that ended.
CLEANED_STATES = frozenset({"failed", "crashed", "interrupted"})
ENDED_STATES = CLEANED_STATES | {"finished"}


@dataclass(frozen=True)
class Project:
    """Where the runs are, and the project config their differences refer to."""

    logs: Path
    models: Path
    config: Path
    base: dict[str, Any] | None  # the config, flattened and resolved
    monitor: str

    @classmethod
    def load(cls, config: Path) -> "Project":
        cfg = load_config(config, deep=False)  # its paths: a broken config is an error here
        base = catalog.flatten_limited(to_dict(cfg))
        return cls(
            logs=Path(cfg.paths.logs),
            models=Path(cfg.paths.models),
            config=config,
            base=base,
            monitor=str(cfg.trainer.monitor),
        )

    def summaries(self) -> list[dict[str, Any]]:
        return [catalog.summarize(run, self.models, self.base) for run in run_dirs(self.logs)]

    def resolve(self, spec: str) -> Path:
        best_of = self.summaries() if spec == "best" else None
        return catalog.resolve_run(spec, self.logs, best_of=best_of, monitor=self.monitor)


def run(args: argparse.Namespace) -> int:
    """Dispatch `runs <subcommand>`; `runs` alone is `runs list`."""
    project = Project.load(args.config)
    handlers = {
        "list": cmd_list,
        "show": cmd_show,
        "compare": cmd_compare,
        "note": cmd_note,
        "keep": cmd_keep,
        "clean": cmd_clean,
    }
    command = args.runs_command or "list"
    try:
        return handlers[command](project, args)
    except OSError as err:  # e.g. a read-only run folder, notes/ that is a file, a full disk
        where = f" {err.filename}" if err.filename else ""
        raise ProjectError(f"runs {command}: cannot write{where}: {err.strerror or err}") from None


def cmd_list(project: Project, args: argparse.Namespace) -> int:
    rows = project.summaries()
    status = getattr(args, "status", None)
    since = getattr(args, "since", None)
    grep = getattr(args, "grep", None)
    if status:
        wanted = {s.strip() for s in status.split(",")}
        unknown = wanted - {*catalog.STATES, "debug"}
        if unknown:
            raise ProjectError(
                f"--status {', '.join(sorted(unknown))}: choose from "
                f"{', '.join([*catalog.STATES, 'debug'])} (comma-separated)"
            )
        rows = [r for r in rows if r["status"] in wanted or ("debug" in wanted and r["debug"])]
    if since:
        start = catalog.parse_since(since)
        rows = [r for r in rows if r["start"] and datetime.fromisoformat(r["start"]) >= start]
    if grep:
        rows = [r for r in rows if catalog.matches(r, grep)]
    if getattr(args, "json", False):
        _print_json(rows)
    else:
        report.print_run_table(rows)
    return 0


def cmd_show(project: Project, args: argparse.Namespace) -> int:
    run_dir = project.resolve(args.run)
    summary = catalog.summarize(run_dir, project.models, project.base)
    snapshot = catalog.read_json(run_dir / "snapshot.json")
    snapshot = snapshot if isinstance(snapshot, dict) else None
    patch = catalog.read_text(run_dir / "git.patch", limit=50_000_000)
    command = catalog.read_text(run_dir / "command.txt")
    details = {
        **summary,
        "command": command.strip() if command is not None else None,
        "git": _git(snapshot, patch),
        "environment": _section(snapshot, "environment"),
        "seeds": _section(snapshot, "seeds"),
        "data": _data(snapshot),
        "resumes": catalog.resume_dirs(run_dir),
        "notes_text": catalog.read_notes(run_dir),
        "reproduce": reproduce_command(run_dir, summary, patch),
        "reproduce_caveats": _caveats(run_dir, summary, patch),
    }
    if args.json:
        _print_json(details)
    else:
        report.print_run_details(details, config_name=project.config.as_posix())
    return 0


def reproduce_command(run_dir: Path, summary: dict[str, Any], patch: str | None) -> str:
    """`git checkout <commit> && git apply <patch> && python -m <pkg> train --config ...`."""
    folder = _shown_path(run_dir)
    train = f"python -m {_package()} train --config {shlex.quote(f'{folder}/config.yaml')}"
    steps = []
    if summary["commit"]:
        steps.append(f"git checkout {shlex.quote(summary['commit'])}")
        if patch:  # an unreadable patch (None) of a dirty run cannot be applied: say so
            steps.append(f"git apply {shlex.quote(f'{folder}/git.patch')}")
    steps.append(train)
    return " && ".join(steps)


def _caveats(run_dir: Path, summary: dict[str, Any], patch: str | None) -> list[str]:
    """What the reproduce command cannot bring back."""
    caveats = []
    if not summary["commit"]:
        caveats.append("no git commit recorded: this reruns the config on the code as it is now")
    elif summary["dirty"] is not False and not patch:
        caveats.append("git.patch missing, empty or unreadable: uncommitted changes not restored")
    untracked = catalog.read_text(run_dir / "untracked.txt")
    if summary["commit"] and (untracked is None or untracked.strip()):
        caveats.append("untracked files (untracked.txt) are not restored: commit them next time")
    resumes = catalog.resume_dirs(run_dir)
    if resumes:
        last = f"{_shown_path(run_dir)}/{resumes[-1]}/config.yaml"
        caveats.append(
            f"the run was resumed ({', '.join(resumes)}): this reruns its start; "
            f"train --config {last} trains the config it ended with from scratch"
        )
    return caveats


def cmd_compare(project: Project, args: argparse.Namespace) -> int:
    runs = list(dict.fromkeys(project.resolve(spec) for spec in args.runs))
    if len(runs) < 2:
        raise ProjectError("compare needs at least two different runs")
    configs = {run.name: catalog.flat_config(catalog.final_config_path(run)) for run in runs}
    keys = sorted({key for config in configs.values() if config for key in config})
    differing = {}
    for key in keys:
        values = [config.get(key) if config else None for config in configs.values()]
        if any(json.dumps(v, default=str) != json.dumps(values[0], default=str) for v in values):
            differing[key] = dict(zip(configs, values, strict=True))
    summaries = [catalog.summarize(run, project.models, project.base) for run in runs]
    curves = {run.name: catalog.read_metrics(run / catalog.METRICS_CSV) for run in runs}
    figure = _compare_figure(project.logs / "compare", curves)
    result = {
        "runs": [s["name"] for s in summaries],
        "unreadable_configs": [name for name, config in configs.items() if config is None],
        "config": differing,
        "final": {s["name"]: s["final"] for s in summaries},
        "best": {s["name"]: s["best"] for s in summaries},
        "figure": figure.as_posix(),
    }
    if args.json:
        _print_json(result)
    else:
        report.print_comparison(result)
    return 0


def _compare_figure(folder: Path, curves: dict[str, list[dict[str, float | None]]]) -> Path:
    """val_acc and val_loss against the epoch, one line per run, in `<folder>/<time>.png`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # only `compare` needs it
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    for ax, metric in zip(fig.subplots(1, 2), ("val_acc", "val_loss"), strict=True):
        for name, rows in curves.items():
            points = [
                (row["epoch"], row[metric])
                for row in rows
                if row.get("epoch") is not None and row.get(metric) is not None
            ]
            if points:
                epochs, values = zip(*points, strict=True)
                ax.plot(epochs, values, marker="o", markersize=3, label=name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    fig.suptitle("validation curves (metrics.csv)", fontsize=10)
    fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="outside lower center", fontsize=8)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    path = folder / f"{stamp}.png"
    for attempt in range(2, 1000):
        if not path.exists():
            break
        path = folder / f"{stamp}-{attempt}.png"
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.png")
    try:
        FigureCanvasAgg(fig).print_png(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def cmd_note(project: Project, args: argparse.Namespace) -> int:
    text = args.text.strip()
    if not text:
        raise ProjectError('the note is empty: runs note RUN "what you saw or changed"')
    run_dir = project.resolve(args.run)
    notes = catalog.read_notes(run_dir)
    if notes is None:
        raise ProjectError(
            f"{run_dir / catalog.NOTES} is unreadable: fix or move it, then add the note"
        )
    NOTES_DIR.mkdir(parents=True, exist_ok=True)  # fails before anything is written
    date = datetime.now().astimezone().isoformat(timespec="seconds")
    atomic_write_text(
        run_dir / catalog.NOTES,
        json.dumps([*notes, {"date": date, "text": text}], indent=2) + "\n",
    )
    journal = append_journal(NOTES_DIR, run_dir, date, text)
    info(f"noted in {run_dir / catalog.NOTES} and {journal}")
    return 0


def append_journal(notes_dir: Path, run_dir: Path, date: str, text: str) -> Path:
    """Append a dated entry linking the run folder to `notes/runs.md`."""
    notes_dir.mkdir(parents=True, exist_ok=True)
    journal = notes_dir / JOURNAL
    link = Path(os.path.relpath(run_dir.resolve(), notes_dir.resolve())).as_posix()
    header = "" if journal.exists() else '# Run notes\n\nWritten by `runs note RUN "text"`.\n'
    entry = f"\n## {date[:16].replace('T', ' ')} · [{run_dir.name}]({link}/)\n\n{text}\n"
    with journal.open("a", encoding="utf-8") as file:
        file.write(header + entry)
    return journal


def cmd_keep(project: Project, args: argparse.Namespace) -> int:
    run_dir = project.resolve(args.run)
    tag = run_dir / catalog.KEEP
    if args.undo:
        tag.unlink(missing_ok=True)
        info(f"{run_dir.name}: no longer kept (runs clean may remove it)")
    else:
        date = datetime.now().astimezone().isoformat(timespec="seconds")
        atomic_write_text(tag, f"kept since {date}: `runs clean` leaves this run alone\n")
        info(f"{run_dir.name}: kept (runs clean leaves it alone)")
    return 0


def clean_candidates(project: Project) -> list[dict[str, Any]]:
    """Runs `clean` removes: failed, crashed or interrupted, and debug runs that ended.

    Never a running, pruned or unknown-state run, nor one with notes or a keep tag.
    """
    found = []
    for summary in project.summaries():
        state = summary["status"]
        if state not in ENDED_STATES or summary["notes"] or summary["kept"]:
            continue
        if state in CLEANED_STATES or summary["debug"]:
            found.append(summary)
    return found


def cmd_clean(project: Project, args: argparse.Namespace) -> int:
    candidates = clean_candidates(project)
    if not candidates:
        info("nothing to clean: no failed, crashed, interrupted or debug runs (without notes)")
        return 0
    removals = [(s, _removable(project, s["name"])) for s in candidates]
    report.print_clean_plan([(s, [p.as_posix() for p in paths]) for s, paths in removals])
    if args.dry_run:
        info(f"dry run: {len(candidates)} run(s) would be removed")
        return 0
    if not args.yes:
        if sys.stdin is None or not sys.stdin.isatty():
            raise ProjectError(
                f"not removing {len(candidates)} run(s) without a terminal to ask: "
                "pass --yes (or --dry-run to only list them)"
            )
        try:
            answer = input(f"remove these {len(candidates)} run(s)? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            info("nothing removed")
            return 0
    for _, paths in removals:
        for path in paths:
            _remove(path)
    info(f"removed {len(candidates)} run(s)")
    return 0


def _removable(project: Project, name: str) -> list[Path]:
    """`logs/<run>` and `models/<run>` if each is a plain folder inside its parent.

    A link is removed as a link (never followed); anything else is left alone.
    """
    if not catalog.is_run_name(name):
        return []
    paths = []
    for parent in (project.logs, project.models):
        path = parent / name
        if path.is_symlink() or (path.is_dir() and path.resolve().parent == parent.resolve()):
            paths.append(path)
    return paths


def _remove(path: Path) -> None:
    try:
        if path.is_symlink():
            path.unlink()
        else:
            shutil.rmtree(path)
    except OSError as err:
        warn(f"could not remove {path}: {err.strerror or err}")


def _git(snapshot: dict[str, Any] | None, patch: str | None) -> dict[str, Any] | None:
    git = _section(snapshot, "git")
    if git is None:
        return None
    return {
        "commit": git.get("commit") if catalog.is_commit(git.get("commit")) else None,
        "branch": git.get("branch") if isinstance(git.get("branch"), str) else None,
        "dirty": git.get("dirty") if isinstance(git.get("dirty"), bool) else None,
        "patch_lines": None if patch is None else len(patch.splitlines()),
    }


def _data(snapshot: dict[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    data = _section(snapshot, "data")
    if data is None:
        return None
    keys = ("root", "fingerprint", "files", "bytes", "registered_fingerprint")
    return {
        str(name): {key: entry.get(key) for key in keys}
        for name, entry in data.items()
        if isinstance(entry, dict)
    }


def _section(snapshot: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    value = snapshot.get(key) if snapshot else None
    return value if isinstance(value, dict) else None


def _shown_path(path: Path) -> str:
    """`path` relative to the current folder (the project root) when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _package() -> str:
    return (__package__ or "").split(".")[0]


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
