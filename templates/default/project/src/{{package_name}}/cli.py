"""Command line: `train`, `sweep`, `evaluate`, `infer`, `runs` and `inspect-data`. Each command
parses, calls one function and prints the result; the work itself lives in `train.py`,
`launch/sweep.py`, `evaluate.py`, `infer.py` and `inspect_data.py`.
"""

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from . import __version__
from .config import DEFAULT_CONFIG, load_config
from .errors import ProjectError, one_line, require_dataset
from .runs.folders import find_run_checkpoint
from .utils.console import error, info, warn

EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130
DESCRIPTION = "Look at the data, train, and predict. Run from the project root."
EPILOG = """examples:
  inspect-data                              samples and class balance into logs/
  train --config configs/debug.yaml         one batch through everything
  train optimizer.lr=3e-4 model=mlp         overrides are checked against the schema
  train --resume last trainer.epochs=30     continue the latest run (fast-dev-runs skipped)
  train optimizer.lr=1e-3,3e-3 model=cnn,mlp   comma lists: one run per combination (a sweep)
  sweep configs/sweeps/example.yaml --workers 2   Optuna sweep; re-run it to continue
  evaluate --split val                      per-class metrics, confusion matrix, mistakes
  infer --checkpoint best data/<dataset>/<class> --output preds.csv
  runs                                      every run: state, config changes, best metric
  runs list --status finished --since 2d --grep lr
  runs show latest                          a run's snapshot and the command to reproduce it
  runs compare best latest                  config differences, metrics, curves (PNG)
  runs note latest "lr too high: diverged"  into notes/runs.md and the run folder
  runs keep RUN | runs clean --dry-run      protect a run | remove debug and failed runs
  submit --nodes 2 --gpus-per-node 4 --partition gpu --time 4:00:00 trainer.epochs=90
                                            the same training on Slurm (needs '.[slurm]')
"""
CHECKPOINT_HELP = (
    "best | last (of the latest finished run), a run folder name (its best.pt) or a .pt file"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code. Expected errors print one line, no traceback."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # KEY=VALUE after an option (`sweep FILE --trials 4 k=v`): argparse stops early
        if not hasattr(args, "overrides") or any(e.startswith("-") or "=" not in e for e in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.overrides = [*args.overrides, *extra]
    try:
        return args.handler(args)
    except ProjectError as err:
        error(one_line(err))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        error("interrupted")
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree; `--help` on each command documents it."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train", help="train a model (configs/default.yaml + KEY=VALUE overrides)"
    )
    _add_config_args(train)
    train.add_argument(
        "--print-config", action="store_true", help="print the resolved config and exit"
    )
    train.add_argument(
        "--resume",
        metavar="PATH|last",
        help="continue a run from a checkpoint (its stored config + overrides), in its run folder",
    )
    train.set_defaults(handler=_cmd_train)
    _add_sweep_parser(commands)

    evaluate = commands.add_parser(
        "evaluate", help="per-class metrics, confusion matrix and mistakes of a checkpoint"
    )
    evaluate.add_argument("--checkpoint", default="best", help=CHECKPOINT_HELP)
    evaluate.add_argument(
        "--split", choices=["test", "val", "train"], default="test", help="default: %(default)s"
    )
    evaluate.add_argument(
        "--output", type=Path, help="folder for the results (default: logs/<run>/eval/<split>/)"
    )
    evaluate.add_argument("--batch-size", type=int, default=256, help="images per forward pass")
    evaluate.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    _add_paths_config(evaluate)
    evaluate.set_defaults(handler=_cmd_evaluate)

    infer = commands.add_parser("infer", help="predict classes for image files or folders")
    infer.add_argument("--checkpoint", required=True, help=CHECKPOINT_HELP)
    infer.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    infer.add_argument("--batch-size", type=int, default=256, help="images per forward pass")
    infer.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    infer.add_argument(
        "--format", choices=["table", "csv", "json"], default=None, help="output format"
    )
    infer.add_argument(
        "--output", type=Path, help="write to this .csv/.json file instead of stdout"
    )
    _add_paths_config(infer)
    infer.set_defaults(handler=_cmd_infer)

    _add_runs_parser(commands)

    _add_submit_parser(commands)

    inspect = commands.add_parser(
        "inspect-data", help="look at the data: samples, class balance, problems"
    )
    _add_config_args(inspect)
    inspect.add_argument("--samples-per-class", type=int, default=8)
    inspect.set_defaults(handler=_cmd_inspect)
    return parser


RUN_HELP = "a run folder name, a unique prefix of one, latest or best"
RUNS_EPILOG = """RUN: a run folder name in logs/, a unique prefix, `latest` or `best` (the finished,
non-debug run with the best monitored metric). `runs` alone is `runs list`.
`clean` removes ended debug runs (fast-dev-run) and failed, crashed or interrupted runs with
their models/<run>/; never a running or pruned run, one with a note, or a kept one.
"""


def _add_runs_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    runs = commands.add_parser(
        "runs",
        help="list, show, compare, note, keep and clean runs",
        epilog=RUNS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_paths_config(runs)
    runs.set_defaults(handler=_cmd_runs)
    sub = runs.add_subparsers(dest="runs_command", metavar="SUBCOMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text, epilog=RUNS_EPILOG)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        # --config after the subcommand too; only set when given, so it never resets the other
        parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="see runs -h")
        return parser

    listing = add("list", "a table of runs (the default): state, config changes, best metric")
    listing.add_argument(
        "--status", help="comma-separated: running, finished, failed, crashed, ..., debug"
    )
    listing.add_argument("--since", help="started since: 2026-01-31, 2026-01-31T14:00, 3h, 2d")
    listing.add_argument("--grep", help="regex or text in the name, config changes or notes")
    listing.add_argument("--json", action="store_true", help="a JSON list on stdout")

    show = add("show", "a run's snapshot and the exact command to reproduce it")
    show.add_argument("run", metavar="RUN", help=RUN_HELP)
    show.add_argument("--json", action="store_true", help="JSON on stdout")

    compare = add("compare", "config differences, metrics and validation curves of runs")
    compare.add_argument("runs", nargs="+", metavar="RUN", help=RUN_HELP)
    compare.add_argument("--json", action="store_true", help="JSON on stdout")

    note = add("note", "add a dated note to a run and to notes/runs.md")
    note.add_argument("run", metavar="RUN", help=RUN_HELP)
    note.add_argument("text", help="the note (quote it)")

    keep = add("keep", "mark a run kept: clean never removes it")
    keep.add_argument("run", metavar="RUN", help=RUN_HELP)
    keep.add_argument("--undo", action="store_true", help="remove the mark")

    clean = add("clean", "remove debug and failed/crashed/interrupted runs and their models")
    clean.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    clean.add_argument("--dry-run", action="store_true", help="only list what would go")


def _add_submit_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    submit = commands.add_parser(
        "submit",
        help="run train (or --sweep workers) on Slurm through submitit",
        description="Queue `train` on Slurm: one task per GPU, the same code path as torchrun. "
        "On the time limit or a preemption the job requeues and resumes from its last "
        "checkpoint in the same run folder. Logs: <paths.logs>/slurm/<job id>/.",
    )
    _add_config_args(submit)
    submit.add_argument("--resume", metavar="PATH|last", help="as for train")
    slurm = submit.add_argument_group("Slurm")
    slurm.add_argument("--nodes", type=int, default=1, help="default: %(default)s")
    slurm.add_argument(
        "--gpus-per-node", type=int, default=1, help="one task per GPU (default: %(default)s)"
    )
    slurm.add_argument("--partition", help="default: the cluster's")
    slurm.add_argument("--time", required=True, help="time limit: MINUTES, HH:MM:SS or D-HH:MM:SS")
    slurm.add_argument("--cpus-per-task", type=int, help="e.g. data.num_workers + 1")
    slurm.add_argument("--mem", help="memory per node, e.g. 64G")
    slurm.add_argument("--account")
    slurm.add_argument("--qos")
    slurm.add_argument(
        "--dry-run", action="store_true", help="print the sbatch script, submit nothing"
    )
    sweep = submit.add_argument_group("sweep workers")
    sweep.add_argument("--sweep", type=Path, metavar="FILE", help="run `sweep FILE` workers")
    sweep.add_argument("--workers", type=int, default=1, help="worker jobs (a job array)")
    sweep.add_argument("--trials", type=int, help="trials in total, all workers together")
    sweep.add_argument(
        "--storage",
        help="Optuna storage shared by the workers "
        "(default: a new journal file logs/sweeps/<time>_<name>.journal)",
    )
    submit.set_defaults(handler=_cmd_submit)


def _add_sweep_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    sweep = commands.add_parser(
        "sweep",
        help="hyperparameter sweep on Optuna: many runs from configs/sweeps/<name>.yaml",
        description="Each trial is a normal run. The study, a copy of the sweep file and the "
        "summary go to logs/sweeps/<time>_<name>/. Re-running the same command after a kill "
        "continues the unfinished sweep.",
    )
    sweep.add_argument("file", nargs="?", type=Path, help="the sweep file (YAML)")
    sweep.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="fixed for every trial, after the file's"
    )
    sweep.add_argument("--trials", type=int, help="trials in total (default: the file's)")
    sweep.add_argument(
        "--workers", type=int, default=1, help="local worker processes (default: %(default)s)"
    )
    sweep.add_argument(
        "--storage",
        metavar="URL|FILE",
        help="an Optuna RDB URL (sqlite:///..., postgresql://...) or a journal file shared by "
        "workers on several hosts (default: study.db in the sweep folder)",
    )
    sweep.add_argument("--resume", type=Path, metavar="SWEEP_DIR", help="continue this sweep")
    sweep.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # run by --workers N
    sweep.set_defaults(handler=_cmd_sweep)


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="YAML config (default: %(default)s)"
    )
    parser.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="e.g. optimizer.lr=3e-4 model=mlp"
    )


def _add_paths_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the project config whose paths.logs/paths.models to use (default: %(default)s)",
    )


class _VersionAction(argparse.Action):
    """`--version`: looked up only when asked (scanning installed packages takes a while)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        sys.stdout.write(f"{parser.prog} {_version()}\n")
        parser.exit()


def _version() -> str:
    """The installed distribution's version (pyproject.toml), else the package's."""
    package = __package__ or ""
    for name in metadata.packages_distributions().get(package, [package]):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return __version__


def _cmd_train(args: argparse.Namespace) -> int:
    from .launch.sweep_file import grid_from_overrides

    fixed, grid = grid_from_overrides(args.overrides)
    if grid:
        return _train_grid(args, fixed, grid)
    cfg = load_config(args.config, args.overrides)
    checkpoint = None
    if args.resume:
        from .train import find_checkpoint, resume_config

        checkpoint = find_checkpoint(args.resume, Path(cfg.paths.logs), Path(cfg.paths.models))
        cfg = resume_config(checkpoint, args.overrides, project=cfg)
        if cfg.trainer.fast_dev_run and not _overrides_key(args.overrides, "trainer.fast_dev_run"):
            warn(
                f"{checkpoint} is from a fast-dev-run and resumes as one (1 batch, 1 epoch): "
                "pass trainer.fast_dev_run=false to train it for real"
            )
    if args.print_config:
        sys.stdout.write(OmegaConf.to_yaml(cfg, resolve=True))
        return 0
    require_dataset(cfg.data.root)  # fail before the slow torch import
    from .train import train  # imports torch: keep --help and --print-config fast

    metrics = train(cfg, resume_from=checkpoint)
    info(f"done: val_acc {metrics['val_acc']:.4f}  val_loss {metrics['val_loss']:.4f}")
    return 0


def _train_grid(args: argparse.Namespace, fixed: list[str], grid: dict[str, Any]) -> int:
    """`train a=1,2 b=x,y`: one run per combination, as a grid sweep (logs/sweeps/...)."""
    if args.resume or args.print_config:
        raise ProjectError("comma lists (a grid of runs) do not go with --resume or --print-config")
    import yaml

    from .launch.sweep import check_sweep
    from .launch.sweep_file import parse_sweep

    data = {"name": "grid", "config": str(args.config), "overrides": fixed, "grid": grid}
    spec = parse_sweep(data | {"pruner": "none"}, default_name="grid")
    check_sweep(spec)
    cfg = load_config(spec.config, spec.overrides)
    require_dataset(cfg.data.root)
    source = yaml.safe_dump(data | {"pruner": {"name": "none"}}, sort_keys=False)
    info(f"{spec.grid_size} runs: " + " x ".join(f"{k} ({len(v)})" for k, v in grid.items()))
    return _run_sweep(spec, source, logs_dir=Path(cfg.paths.logs))


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .launch.sweep import SWEEP_COPY, check_sweep, read_record, run_worker
    from .launch.sweep_file import read_sweep_file

    if args.trials is not None and args.trials < 1:
        raise ProjectError(f"--trials must be >= 1, got {args.trials}")
    if args.worker is not None:  # one of the processes of `--workers N`
        if args.resume is None:
            raise ProjectError("--worker needs --resume SWEEP_DIR")
        run_worker(args.resume, worker=args.worker)
        return 0
    if args.resume is not None:
        record = read_record(args.resume)
        path, cli_overrides, storage = args.resume / SWEEP_COPY, record["overrides"], None
    elif args.file is None:
        raise ProjectError("give a sweep file (configs/sweeps/<name>.yaml) or --resume SWEEP_DIR")
    else:
        path, cli_overrides, storage = args.file, args.overrides, args.storage
    name = record["name"] if args.resume is not None else None
    spec = read_sweep_file(path, cli_overrides, default_name=name)
    check_sweep(spec)
    cfg = load_config(spec.config, spec.overrides)
    require_dataset(cfg.data.root)
    return _run_sweep(
        spec,
        path.read_text(encoding="utf-8"),
        cli_overrides=cli_overrides,
        logs_dir=Path(cfg.paths.logs),
        trials=args.trials,
        workers=args.workers,
        storage=storage,
        resume=args.resume,
    )


def _run_sweep(spec: Any, source: str, **options: Any) -> int:
    from .launch.sweep import run_sweep

    result = run_sweep(spec, source, **options)
    if not result.finished and result.running:  # e.g. Slurm array workers sharing --storage
        info(
            f"this worker is done; {result.running} trial(s) still run in other workers "
            f"sharing the study (sweep folder {result.sweep_dir})"
        )
        return 0
    if not result.finished:
        error(f"sweep not finished: re-run the same command to continue {result.sweep_dir}")
        return EXIT_USER_ERROR
    if result.complete == 0:
        error(f"no trial completed ({result.failed} failed): see {result.sweep_dir}/summary.md")
        return EXIT_USER_ERROR
    return 0


def _overrides_key(overrides: Sequence[str], key: str) -> bool:
    return any(item.partition("=")[0] == key for item in overrides)


def _cmd_infer(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise ProjectError(f"--batch-size must be >= 1, got {args.batch_size}")
    fmt = args.format or (args.output.suffix.lstrip(".") if args.output else "table")
    if fmt not in {"table", "csv", "json"}:
        raise ProjectError(f"cannot tell the format of {args.output}: use .csv, .json or --format")
    if args.output and not args.output.parent.is_dir():
        raise ProjectError(f"cannot write {args.output}: folder {args.output.parent} not found")
    from .infer import format_predictions, predict

    checkpoint = _checkpoint(args.checkpoint, args.config)
    predictions = predict(checkpoint, args.inputs, batch_size=args.batch_size, device=args.device)
    if fmt == "table" and not args.output and sys.stdout.isatty():
        from .runs.report import print_predictions

        print_predictions(predictions)
        return 0
    text = format_predictions(predictions, fmt)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as err:
            raise ProjectError(f"cannot write {args.output}: {err.strerror or err}") from None
        info(f"wrote {len(predictions)} prediction(s) to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _checkpoint(spec: str, config: Path) -> Path:
    """`best`/`last`/RUN resolved in the project's folders; a file path as given."""
    if spec not in {"best", "last"} and Path(spec).is_file():
        return Path(spec)  # no project config needed
    paths = _paths(config)
    path = find_run_checkpoint(spec, Path(paths.logs), Path(paths.models))
    if path != Path(spec):
        info(f"checkpoint: {path}")
    return path


def _paths(config: Path) -> DictConfig:
    return load_config(config, deep=False).paths


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise ProjectError(f"--batch-size must be >= 1, got {args.batch_size}")
    checkpoint = _checkpoint(args.checkpoint, args.config)
    from .evaluate import evaluate_run

    result = evaluate_run(
        checkpoint,
        split=args.split,
        logs_dir=Path(_paths(args.config).logs),
        output=args.output,
        device=args.device,
        batch_size=args.batch_size,
    )
    m = result.metrics
    info(
        f"{m['split']}: accuracy {m['accuracy']:.4f}  macro F1 {m['macro_avg']['f1']:.4f}  "
        f"({m['samples']} samples); report, figures and predictions in {result.out_dir}"
    )
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from .runs.command import run

    return run(args)


def _cmd_submit(args: argparse.Namespace) -> int:
    from .launch import submit as slurm

    resources = slurm.check_resources(
        slurm.SlurmResources(
            nodes=args.nodes,
            gpus_per_node=args.gpus_per_node,
            time_min=slurm.parse_time(args.time),
            partition=args.partition,
            cpus_per_task=args.cpus_per_task,
            mem=args.mem,
            account=args.account,
            qos=args.qos,
        )
    )
    slurm.require_submitit()
    journal = None
    if args.sweep is not None:
        if args.overrides or args.resume:
            raise ProjectError("--sweep takes no KEY=VALUE or --resume: the sweep file holds them")
        spec, journal = slurm.plan_sweep(
            args.sweep,
            config=args.config,
            workers=args.workers,
            trials=args.trials,
            storage=args.storage,
            resources=resources,
            project_root=Path.cwd(),
        )
    else:
        spec = slurm.plan_train(args.config, args.overrides, args.resume, resources, Path.cwd())
    package = __package__ or ""
    if not args.dry_run and journal is not None:
        journal.parent.mkdir(parents=True, exist_ok=True)
    done = slurm.queue(spec, resources, package, dry_run=args.dry_run)
    if args.dry_run:
        sys.stdout.write(done.script)
        info("dry run: nothing submitted")
        return 0
    for job_id in done.job_ids:
        sys.stdout.write(job_id + "\n")
    first = done.job_ids[0]
    info(
        f"submitted {len(done.job_ids)} job(s): {resources.nodes} node(s) x "
        f"{resources.tasks_per_node} task(s), {resources.time_min} min"
    )
    info(f"logs: {done.folder}/<job id>/ (rank 0: {done.log_file(first)}, .err beside it)")
    info(f"follow: squeue -j {first}; tail -f {done.log_file(first)}; cancel: scancel {first}")
    if journal is not None:
        info(f"study: {journal}; the workers' sweep folder in {journal.parent} has the summary")
    else:
        info(f"run folder: named in {done.folder / first / 'run.txt'} once training starts")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.overrides)
    require_dataset(cfg.data.root)
    from .inspect_data import inspect_dataset
    from .runs.report import print_inspection

    report = inspect_dataset(cfg, samples_per_class=args.samples_per_class)
    print_inspection(report)
    return 0
