"""Remember the last passing sanity run (`fast_dev_run`) and the code it ran.

A full run whose source differs from that of the last passing sanity run gets a warning:
one batch through everything takes seconds, a crash after an hour of training does not.
"""

import hashlib
import json
from datetime import datetime
from pathlib import Path

from ..utils.files import atomic_write_text

PACKAGE_DIR = Path(__file__).resolve().parents[1]
RECORD = "sanity.json"


def source_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the package's Python files (relative path and content, sorted)."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"sha256:{digest.hexdigest()}"


def record_sanity_run(logs_dir: Path, run_dir: Path, code_hash: str) -> None:
    """Store that the sanity run in `run_dir` passed with the code `code_hash`."""
    record = {
        "source_hash": code_hash,
        "run": run_dir.name,
        "passed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    atomic_write_text(logs_dir / RECORD, json.dumps(record, indent=2) + "\n")


def stale_sanity_warning(logs_dir: Path, code_hash: str) -> str | None:
    """A warning when no sanity run passed with the current code, else None."""
    path = logs_dir / RECORD
    if not path.is_file():
        return "no sanity run recorded: try `make debug` (a one-batch run) before a full run"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError: bad JSON or bad UTF-8
        record = None
    if not isinstance(record, dict):
        return "the sanity record is unreadable: run `make debug` to write it again"
    if record.get("source_hash") != code_hash:
        return (
            f"the code changed since the last passing sanity run ({record.get('run')}): "
            "run `make debug` first"
        )
    return None
