"""Command line: `train`, `infer` and `inspect-data`. Each command parses, calls one function
and prints the result; the work itself lives in `train.py`, `infer.py` and `inspect_data.py`.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from omegaconf import OmegaConf

from .config import DEFAULT_CONFIG, load_config
from .errors import ProjectError, one_line, require_dataset
from .utils.console import error, info, warn

EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130
DESCRIPTION = "Look at the data, train, and predict. Run from the project root."
EPILOG = """examples:
  inspect-data                              samples and class balance into logs/
  train --config configs/debug.yaml         one batch through everything
  train optimizer.lr=3e-4 model=mlp         overrides are checked against the schema
  train --resume last trainer.epochs=30     continue the latest run (fast-dev-runs skipped)
  infer --checkpoint models/<run>/best.pt data/<dataset>/<class> --output preds.csv
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code. Expected errors print one line, no traceback."""
    args = build_parser().parse_args(argv)
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

    infer = commands.add_parser("infer", help="predict classes for image files or folders")
    infer.add_argument("--checkpoint", required=True, type=Path, help="e.g. models/<run>/best.pt")
    infer.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    infer.add_argument("--batch-size", type=int, default=256, help="images per forward pass")
    infer.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    infer.add_argument(
        "--format", choices=["table", "csv", "json"], default=None, help="output format"
    )
    infer.add_argument(
        "--output", type=Path, help="write to this .csv/.json file instead of stdout"
    )
    infer.set_defaults(handler=_cmd_infer)

    inspect = commands.add_parser(
        "inspect-data", help="look at the data: samples, class balance, problems"
    )
    _add_config_args(inspect)
    inspect.add_argument("--samples-per-class", type=int, default=8)
    inspect.set_defaults(handler=_cmd_inspect)
    return parser


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="YAML config (default: %(default)s)"
    )
    parser.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="e.g. optimizer.lr=3e-4 model=mlp"
    )


def _cmd_train(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.overrides)
    checkpoint = None
    if args.resume:
        from .train import find_checkpoint, resume_config

        checkpoint = find_checkpoint(args.resume, Path(cfg.paths.logs), Path(cfg.paths.models))
        cfg = resume_config(checkpoint, args.overrides)
        if cfg.trainer.fast_dev_run and not _overrides_key(args.overrides, "trainer.fast_dev_run"):
            warn(
                f"{checkpoint} is from a fast-dev-run and resumes as one (1 batch, 1 epoch): "
                "pass trainer.fast_dev_run=false to train it for real"
            )
    if args.print_config:
        sys.stdout.write(OmegaConf.to_yaml(cfg))
        return 0
    require_dataset(cfg.data.root)  # fail before the slow torch import
    from .train import train  # imports torch: keep --help and --print-config fast

    metrics = train(cfg, resume_from=checkpoint)
    info(f"done: val_acc {metrics['val_acc']:.4f}  val_loss {metrics['val_loss']:.4f}")
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

    predictions = predict(
        args.checkpoint, args.inputs, batch_size=args.batch_size, device=args.device
    )
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


def _cmd_inspect(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.overrides)
    require_dataset(cfg.data.root)
    from .inspect_data import inspect_dataset
    from .utils.report import print_inspection

    report = inspect_dataset(cfg, samples_per_class=args.samples_per_class)
    print_inspection(report)
    return 0
