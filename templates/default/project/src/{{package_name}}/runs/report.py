"""Print reports as tables on stdout: an inspection, predictions, runs (list, show, compare)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..utils.console import info, warn
from .catalog import format_diff, format_value

if TYPE_CHECKING:
    from ..infer import Prediction
    from ..inspect_data import InspectionReport


def print_inspection(report: "InspectionReport") -> None:
    """Counts per class and split, image sizes and modes, unreadable files."""
    splits = (report.train_counts, report.val_counts, report.test_counts)
    images = sum(sum(counts.values()) for counts in splits)
    table = Table(title=f"{images} images ({report.manifest.bytes:,} bytes in the dataset folder)")
    for column in ("class", "train", "val", "test", "total"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name in report.classes:
        row = [counts[name] for counts in splits]
        table.add_row(name, *map(str, row), str(sum(row)))
    totals = [sum(counts.values()) for counts in splits]
    table.add_row("all", *map(str, totals), str(sum(totals)), style="bold")
    console = Console()
    console.print(table)
    console.print("image sizes: " + ", ".join(f"{k} ({v})" for k, v in report.sizes.most_common()))
    console.print("image modes: " + ", ".join(f"{k} ({v})" for k, v in report.modes.most_common()))
    if report.corrupt:
        warn(
            f"{len(report.corrupt)} unreadable file(s), inspection not recorded: "
            + ", ".join(report.corrupt[:5])
        )
    info(f"plots and summary.json: {report.run_dir}")


def print_predictions(predictions: Sequence["Prediction"]) -> None:
    """`infer` results as a table with a header (for a terminal; pipes get plain text)."""
    table = Table(box=None)
    table.add_column("path", overflow="fold")
    table.add_column("label")
    table.add_column("probability", justify="right")
    for p in predictions:
        table.add_row(escape(p.path), escape(p.label), f"{p.probability:.4f}")
    Console().print(table)


def print_run_table(runs: Sequence[dict[str, Any]]) -> None:
    """`runs list`: one row per run summary (see `catalog.summarize`), newest first."""
    if not runs:
        info("no runs: train one with `train` (or loosen the filters)")
        return
    table = Table(box=None, pad_edge=False)
    table.add_column("run", no_wrap=True)
    for column in ("status", "start", "duration", "commit", "config (vs default)"):
        table.add_column(column, overflow="fold")
    table.add_column("best", no_wrap=True)
    for column in ("ckpt", "notes", "kept"):
        table.add_column(column)
    for run in runs:
        status = run["status"] or "?"
        table.add_row(
            escape(run["name"]),
            f"{status} (debug)" if run["debug"] else status,
            run["start"][:16].replace("T", " ") if run["start"] else "?",
            _duration(run["duration_s"]),
            _commit(run["commit"], run["dirty"]),
            escape(format_diff(run["config_diff"]) or "-"),
            _best(run["best"]),
            "best.pt" if run["checkpoint"] else "-",
            "yes" if run["notes"] else "",
            "kept" if run["kept"] else "",
        )
    # In a pipe each run stays one line, whole (for grep, files): no folding at 80 columns.
    console = _console()
    if not console.is_terminal:
        console = Console(highlight=False, width=100_000)
    console.print(table)


def print_run_details(run: dict[str, Any], *, config_name: str) -> None:
    """`runs show`: the snapshot of one run, readable, ending with the command to rerun it."""
    git = run["git"]
    if git is None:
        git_line = "? (snapshot.json missing or unreadable)"
    elif git["commit"] is None:
        git_line = "no commit recorded (not a git repository)"
    else:
        dirty = {True: "dirty", False: "clean", None: "dirty?"}[git["dirty"]]
        patch = git["patch_lines"]
        patch_text = "unreadable" if patch is None else f"{patch} lines" if patch else "empty"
        git_line = (
            f"{git['commit'][:12]} on {git['branch'] or '?'}, {dirty} (git.patch {patch_text})"
        )
    env = run["environment"] or {}
    env_line = ", ".join(
        f"{key} {env[key]}" for key in ("python", "torch", "cuda", "host") if env.get(key)
    )
    if env.get("gpus"):
        env_line += f", gpus {', '.join(map(str, env['gpus']))}"
    lines = [
        ("run", run["path"]),
        ("status", (run["status"] or "?") + (" (debug)" if run["debug"] else "")),
        ("started", run["start"] or "?"),
        ("duration", _duration(run["duration_s"])),
        ("command", run["command"] or "?"),
        ("git", git_line),
        ("environment", env_line or "?"),
        ("seeds", _pairs(run["seeds"])),
        (f"config vs {config_name}", format_diff(run["config_diff"]) or "same"),
        ("final metrics", _pairs(run["final"]) or "-"),
        ("best", _best(run["best"])),
        ("checkpoint", run["checkpoint"] or "-"),
        ("resumed", ", ".join(run["resumes"]) or "-"),
        ("kept", "yes" if run["kept"] else "no"),
    ]
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in lines:
        table.add_row(escape(key), escape(str(value)))
    for name, entry in (run["data"] or {}).items():
        registered = entry.get("registered_fingerprint")
        same = (
            "not registered"
            if registered is None
            else "as registered"
            if registered == entry.get("fingerprint")
            else "differs from data/datasets.yaml"
        )
        files = entry.get("files")
        text = f"{entry.get('fingerprint')} ({files} files, {same}) at {entry.get('root')}"
        table.add_row(escape(f"data {name}"), escape(text))
    notes = run["notes_text"]
    if notes is None:
        table.add_row("notes", "? (notes.json unreadable)")
    for note in notes or []:
        table.add_row(escape(f"note {note['date'][:16].replace('T', ' ')}"), escape(note["text"]))
    console = _console()
    console.print(table)
    console.print("\n[bold]reproduce:[/]")
    console.print(escape(run["reproduce"]), soft_wrap=True)
    for caveat in run["reproduce_caveats"]:
        warn(caveat)


def print_comparison(result: dict[str, Any]) -> None:
    """`runs compare`: differing config keys, final and best metrics side by side."""
    names = result["runs"]
    table = Table(box=None, pad_edge=False)
    table.add_column("")
    for index in range(1, len(names) + 1):
        table.add_column(f"[{index}]", overflow="fold")
    for key, values in result["config"].items():
        table.add_row(escape(key), *(escape(_value(values[name])) for name in names))
    metrics = sorted({k for name in names for k in result["final"][name]} - {"epoch"})
    table.add_row(
        "[bold]final epoch[/]", *(_number(result["final"][n].get("epoch")) for n in names)
    )
    for metric in metrics:
        table.add_row(f"final {metric}", *(_number(result["final"][n].get(metric)) for n in names))
    table.add_row("[bold]best[/]", *(_best(result["best"][name]) for name in names))
    console = _console()
    for index, name in enumerate(names, 1):
        console.print(f"[{index}] {escape(name)}", highlight=False)
    console.print(table)
    if result["unreadable_configs"]:
        warn("config.yaml unreadable: " + ", ".join(result["unreadable_configs"]))
    info(f"validation curves: {result['figure']}")


def print_clean_plan(plan: Sequence[tuple[dict[str, Any], list[str]]]) -> None:
    """`runs clean`: each run to remove, why, and the folders that go with it."""
    console = _console()
    console.print(f"[bold]{len(plan)} run(s) to remove:[/]")
    for run, paths in plan:
        reason = "debug run" if run["debug"] else run["status"]
        console.print(f"  {escape(run['name'])}  ({reason}): {escape(', '.join(paths) or '-')}")


def _console() -> Console:
    """stdout; wide enough in a pipe that a row stays one line (grep, files)."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=250)
    return console


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _commit(commit: str | None, dirty: bool | None) -> str:
    if commit is None:
        return "?"
    return escape(commit[:8]) + ("+dirty" if dirty else "" if dirty is False else "?")


def _best(best: dict[str, Any] | None) -> str:
    if not best:
        return "?"
    epoch = "" if best["epoch"] is None else f" @{best['epoch']}"
    return f"{best['metric']} {best['value']:.4f}{epoch}"


def _pairs(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    return ", ".join(f"{k} {_number(v) if isinstance(v, float) else v}" for k, v in values.items())


def _value(value: Any) -> str:
    return "-" if value is None else format_value(value)


def _number(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"{value:.4f}" if isinstance(value, float) else ""
