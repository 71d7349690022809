"""Run every benchmark (`bench_*.py`) and summarise `results/*.json` in docs/benchmarks.md.

python benchmarks/run.py            # all
python benchmarks/run.py cli data   # only bench_cli.py and bench_data*.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _common import RESULTS_DIR, cell_text, markdown_table

HERE = Path(__file__).parent
DOC = HERE.parent / "docs" / "benchmarks.md"
INTRO = """# Benchmarks

Speed targets live here, never in timed unit tests. Run them all with one command:

```bash
python benchmarks/run.py
```

Each `benchmarks/bench_*.py` runs alone too, writes `benchmarks/results/<name>.json`, and this
page is rewritten from those files. Figures below were measured on the development machine
(2 cores, 24 GiB, no GPU) unless a section says otherwise.
"""


def main(selected: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(s.stem.startswith(f"bench_{n}") for n in selected)]
    failed = 0
    for script in scripts:
        print(f"## {script.name}", flush=True)
        failed += subprocess.run([sys.executable, str(script)], cwd=HERE).returncode != 0
    write_summary()
    return 1 if failed else 0


def write_summary() -> None:
    """Rewrite docs/benchmarks.md from every results file."""
    parts = [INTRO]
    for path in sorted(RESULTS_DIR.glob("*.json")):
        result = json.loads(path.read_text())
        machine = result.get("machine") or result.get("meta") or {}
        parts.append(f"## {result.get('benchmark', path.stem)}\n")
        if result.get("description"):
            parts.append(f"{result['description']}\n")
        rows = result["rows"]
        table = markdown_table(rows) if rows and "metric" in rows[0] else generic_table(rows)
        parts.append(table + "\n")
        parts.append(
            f"<small>Python {machine.get('python')}, {machine.get('cpus')} CPUs; "
            f"source: `benchmarks/results/{path.name}`.</small>\n"
        )
    DOC.write_text("\n".join(parts))


def generic_table(rows: list[dict[str, object]]) -> str:
    """Format rows of any keys as a markdown table (floats with 3 significant digits)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [row.get(c, "") for c in columns]
        lines.append("| " + " | ".join(cell_text(c) for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
