"""The YAML key-wise merge, and path-level cases of the three-way merge."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_update_support import build_template, make_project, v1_spec

from dlscaffold._update import update_project
from dlscaffold._update.plan import Status
from dlscaffold._update.yamlmerge import merge_yaml
from dlscaffold.errors import InvalidAnswerError, TemplateNotFoundError

BASE = """\
# optimiser
optim:
  lr: 0.1          # learning rate
  momentum: 0.9
batch_size: 32
epochs: 5
"""


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        (  # adjacent keys, one per side; comments kept
            BASE.replace("batch_size: 32", "batch_size: 64"),
            BASE.replace("epochs: 5", "epochs: 10"),
            BASE.replace("batch_size: 32", "batch_size: 64").replace("epochs: 5", "epochs: 10"),
        ),
        (  # nested key vs its neighbour
            BASE.replace("lr: 0.1 ", "lr: 0.5 "),
            BASE.replace("momentum: 0.9", "momentum: 0.95"),
            BASE.replace("lr: 0.1 ", "lr: 0.5 ").replace("momentum: 0.9", "momentum: 0.95"),
        ),
        (  # a key added by the user next to a key the template changed
            BASE.replace("epochs: 5\n", "epochs: 5\nseed: 1\n"),
            BASE.replace("epochs: 5", "epochs: 7"),
            BASE.replace("epochs: 5\n", "epochs: 7\nseed: 1\n"),
        ),
    ],
)
def test_yaml_edits_on_different_keys_merge(ours: str, theirs: str, expected: str) -> None:
    merged = merge_yaml(BASE.encode(), ours.encode(), theirs.encode())

    assert merged is not None
    assert merged.decode() == expected


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (BASE.replace("epochs: 5", "epochs: 6"), BASE.replace("epochs: 5", "epochs: 7")),
        (BASE + "a: [1\n", BASE.replace("epochs: 5", "epochs: 7")),  # not YAML any more
        (  # both add a key at the same place
            BASE.replace("epochs: 5\n", "epochs: 5\nseed: 1\n"),
            BASE.replace("epochs: 5\n", "epochs: 5\nwarmup: 2\n"),
        ),
    ],
)
def test_yaml_merge_gives_up_when_it_cannot_prove_the_result(ours: str, theirs: str) -> None:
    assert merge_yaml(BASE.encode(), ours.encode(), theirs.encode()) is None


def test_a_file_can_become_a_folder_and_back(tmp_path: Path) -> None:
    v2 = v1_spec()
    del v2["project/old.txt"]
    v2["project/old.txt/inside.txt"] = "now a folder\n"
    v3 = dict(v2)
    del v3["project/old.txt/inside.txt"]
    v3["project/old.txt"] = "a file again\n"
    template = build_template(tmp_path / "t", {"v1": v1_spec(), "v2": v2, "v3": v3})
    project = make_project(tmp_path, template)

    update_project(project, vcs_ref="v2", defaults=True)
    assert (project / "old.txt/inside.txt").read_text() == "now a folder\n"
    from test_update_support import commit_all

    commit_all(project)
    update_project(project, defaults=True)
    assert (project / "old.txt").read_text() == "a file again\n"


def test_paths_the_new_version_excludes_are_left_alone(tmp_path: Path) -> None:
    v2 = v1_spec()
    del v2["project/old.txt"]
    v2["copier.yml"] += "_exclude: [old.txt]\n"
    template = build_template(tmp_path / "t", {"v1": v1_spec(), "v2": v2})
    project = make_project(tmp_path, template)

    result = update_project(project, defaults=True)

    assert "old.txt" not in {c.path for c in result.changes}
    assert (project / "old.txt").read_text() == "to be removed\n"


def test_data_changes_an_answer_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    template = build_template(tmp_path / "t", {"v1": v1_spec()})
    project = make_project(tmp_path, template)

    with pytest.raises(InvalidAnswerError, match="Unknown answer 'nope'"):
        update_project(project, defaults=True, data={"nope": "1"})
    result = update_project(project, defaults=True, data={"project_name": "renamed"})

    readme = next(c for c in result.changes if c.path == "README.md")
    assert readme.status is Status.UPDATED
    assert (project / "README.md").read_text().startswith("# renamed\n")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "renamed"


def test_unknown_target_version_is_a_clear_error(tmp_path: Path) -> None:
    template = build_template(tmp_path / "t", {"v1": v1_spec()})
    project = make_project(tmp_path, template)

    with pytest.raises(TemplateNotFoundError, match="Template version 'v9' does not exist in"):
        update_project(project, vcs_ref="v9", defaults=True)


def test_only_questions_new_in_the_target_version_are_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_update_support import standard_template

    project = make_project(tmp_path, standard_template(tmp_path, upto=2))
    asked: list[str] = []

    def fake_prompt(questions, answers):
        name = questions[0]["name"]
        asked.append(name)
        return {name: "BSD"}

    monkeypatch.setattr("copier._main.unsafe_prompt", fake_prompt)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)  # as at a terminal

    update_project(project)

    assert asked == ["license"]
    assert "License: BSD" in (project / "README.md").read_text()


def test_untagged_template_updates_to_its_head(tmp_path: Path) -> None:
    from helpers import git
    from test_update_support import commit_all, write_spec

    template = build_template(tmp_path / "t", {"v1": v1_spec()})
    git("tag", "-d", "v1", cwd=template)
    project = make_project(tmp_path, template, vcs_ref="HEAD")
    write_spec(template, {"project/extra.txt": "more\n"})
    commit_all(template, "untagged change")

    result = update_project(project, defaults=True)

    assert [c.path for c in result.changes if c.status is Status.ADDED] == ["extra.txt"]
