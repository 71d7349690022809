"""The shared example dataset (`_example_data.ensure_digits`): written once, checked after."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dlscaffold._example_data import ensure_digits
from dlscaffold.errors import UserError
from tests.helpers import tree_digest
from tests.test_data_helpers import cli, make_writable


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DLSCAFFOLD_DATASETS", str(tmp_path / "datasets"))
    return tmp_path / "datasets"


def test_a_damaged_example_dataset_is_refused_with_the_repair_command(shared: Path) -> None:
    root = ensure_digits()
    assert sum(1 for p in root.rglob("*.png")) == 1797
    assert ensure_digits() == root  # intact: used as it is
    make_writable(root)
    next((root / "3").iterdir()).unlink()
    before = tree_digest(shared)

    with pytest.raises(UserError) as caught:
        ensure_digits()

    message = str(caught.value)
    assert message == (
        f"The example dataset {root} is damaged (1796 files in 10 class folders; 1797 in 10 "
        f"expected). It is read-only: remove it with 'chmod -R u+w {root} && rm -rf {root}', "
        "and the next project writes it afresh."
    )
    assert tree_digest(shared) == before
    command = message.split("'")[1]
    subprocess.run(["bash", "-c", command], check=True)
    assert sum(1 for p in ensure_digits().rglob("*.png")) == 1797


def test_a_missing_class_folder_is_damage_too(shared: Path) -> None:
    (shared / "digits" / "0").mkdir(parents=True)

    with pytest.raises(UserError, match=r"damaged \(0 files in 1 class folders; 1797 in 10"):
        ensure_digits()


def test_new_stops_before_creating_anything_on_a_damaged_example(
    shared: Path, tmp_path: Path
) -> None:
    (shared / "digits" / "0").mkdir(parents=True)
    before = tree_digest(tmp_path)

    code, _, err = cli("new", "demo", "--defaults", cwd=tmp_path)

    assert code == 1
    assert err.startswith(f"Error: The example dataset {shared / 'digits'} is damaged")
    assert tree_digest(tmp_path) == before
