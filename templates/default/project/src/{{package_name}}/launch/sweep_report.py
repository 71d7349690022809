"""The end of a sweep: a table of its trials (stdout), `summary.md`, `trials.csv` and plots."""

import csv
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..utils.console import info
from .sweep_file import SweepSpec, override_value

COLUMNS = ("trial", "state", "value", "params", "run")


@dataclass(frozen=True)
class Summary:
    """How many trials ended which way (`ended` counts towards the sweep's total)."""

    complete: int
    pruned: int
    failed: int
    ended: int
    running: int


def write_summary(study: Any, spec: SweepSpec, sweep_dir: Path) -> Summary:
    """Print the trial table and the best trial; write summary.md, trials.csv and the plots."""
    trials = sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
    rows = [_row(t) for t in trials]
    states = [row["state"] for row in rows]
    best = _best(study)
    _write_csv(sweep_dir / "trials.csv", trials, rows)
    notes = _plots(study, sweep_dir, complete=states.count("complete"))
    _write_markdown(sweep_dir / "summary.md", spec, sweep_dir, rows, best, notes)
    _print_table(rows, spec)
    if best is not None:
        info(
            f"best: trial {best.number}, {spec.metric} {best.value:.4f} "
            f"({_params(best.params)}), run {best.user_attrs.get('run', '?')}"
        )
    for note in notes:
        info(note)
    info(f"summary, trials.csv and plots: {sweep_dir}")
    counted = sum(
        s in {"complete", "pruned"} or (s == "fail" and "error" in t.user_attrs)
        for s, t in zip(states, trials, strict=True)
    )
    return Summary(
        states.count("complete"),
        states.count("pruned"),
        states.count("fail"),
        counted,
        states.count("running"),
    )


def _row(trial: Any) -> dict[str, str]:
    value = "" if trial.value is None else f"{trial.value:.4f}"
    return {
        "trial": str(trial.number),
        "state": trial.state.name.lower(),
        "value": value,
        "params": _params(trial.params),
        "run": str(trial.user_attrs.get("run", "")),
        "error": str(trial.user_attrs.get("error", "")),
    }


def _params(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={override_value(v)}" for k, v in params.items())


def _best(study: Any) -> Any:
    try:
        best = study.best_trial
    except ValueError:  # no complete trial
        return None
    return best if best.value is not None and math.isfinite(best.value) else None


def _print_table(rows: list[dict[str, str]], spec: SweepSpec) -> None:
    table = Table(title=f"sweep {spec.name}: {spec.direction} {spec.metric}", box=None)
    for column in COLUMNS:
        table.add_column(column, justify="right" if column in {"trial", "value"} else "left")
    for row in rows:
        table.add_row(*(escape(row[c]) for c in COLUMNS))
    Console().print(table)


def _write_csv(path: Path, trials: list[Any], rows: list[dict[str, str]]) -> None:
    names = sorted({name for t in trials for name in t.params})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["trial", "state", "value", *names, "run", "error"])
        for trial, row in zip(trials, rows, strict=True):
            params = [override_value(trial.params[n]) if n in trial.params else "" for n in names]
            writer.writerow(
                [row["trial"], row["state"], row["value"], *params, row["run"], row["error"]]
            )


def _write_markdown(
    path: Path,
    spec: SweepSpec,
    sweep_dir: Path,
    rows: list[dict[str, str]],
    best: Any,
    notes: list[str],
) -> None:
    lines = [f"# Sweep {spec.name}", "", f"{spec.direction} `{spec.metric}`; folder `{sweep_dir}`."]
    if best is not None:
        lines += [
            "",
            f"Best: trial {best.number}, {spec.metric} {best.value:.4f}, "
            f"`{_params(best.params)}`, run `{best.user_attrs.get('run', '?')}`.",
        ]
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [row[c].replace("|", "\\|") for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    plots = [p.name for p in (sweep_dir / "history.png", sweep_dir / "importances.png")]
    lines += ["", *(f"![{name}]({name})" for name in plots if (sweep_dir / name).exists())]
    lines += [f"Note: {note}" for note in notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _plots(study: Any, sweep_dir: Path, *, complete: int) -> list[str]:
    """history.png always (once a trial completed); importances.png from 2 complete trials."""
    if complete == 0:
        return ["no complete trial: no plots"]
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as optuna_plots

    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the matplotlib plots are marked experimental
        _save(optuna_plots.plot_optimization_history(study), sweep_dir / "history.png", plt)
        if complete < 2:
            notes.append("parameter importances need 2 complete trials: importances.png skipped")
        else:
            try:
                axes = optuna_plots.plot_param_importances(study)
            except (ValueError, RuntimeError, ZeroDivisionError) as err:
                notes.append(f"parameter importances skipped: {str(err).splitlines()[0]}")
            else:
                _save(axes, sweep_dir / "importances.png", plt)
    return notes


def _save(axes: Any, path: Path, plt: Any) -> None:
    figure = axes.figure
    figure.set_size_inches(8, 5)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
