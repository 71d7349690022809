"""The edits a user typically makes to a generated project, as the README describes them.

Each edit of a template file is a function of the file's text, so a test can apply it to any
template version: after an update that conflicts in a file, re-applying the user's edit to
the new version's file is what a careful user's resolution gives. No tests here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

Edit = Callable[[str], str]


def _replace_once(text: str, old: str, new: str, what: str) -> str:
    assert old in text, f"the template changed {what}: update tests/user_edits.py"
    return text.replace(old, new, 1)


def tuned_hyperparameter(text: str) -> str:
    """configs/default.yaml: a different weight decay."""
    edited, count = re.subn(r"(?m)^(\s+weight_decay:\s*)\S+", r"\g<1>0.0005", text, count=1)
    assert count == 1, "configs/default.yaml has no weight_decay: update tests/user_edits.py"
    return edited


def registered_network(text: str) -> str:
    """networks/__init__.py: export the new network."""
    return text.rstrip("\n") + "\n\nfrom .tiny import Tiny  # noqa: E402\n"


def network_schema(text: str) -> str:
    """config.py: the new network's schema in MODEL_SCHEMAS."""
    return (
        text.rstrip("\n")
        + '\n\n\n@dataclass\nclass TinyConfig(ModelConfig):\n    name: Literal["tiny"] = "tiny"\n'
        '\n\nMODEL_SCHEMAS["tiny"] = TinyConfig\n'
    )


def network_branch(text: str) -> str:
    """build.py: one branch in build_model."""
    anchor = "    raise ConfigError("  # build_model's last line, in every template version
    branch = (
        '    if model.name == "tiny":\n'
        "        from .networks import Tiny\n\n"
        "        return Tiny(in_channels * math.prod(image_size), num_classes)\n"
    )
    return _replace_once(text, anchor, branch + anchor, "build.build_model's last line")


def trainer_line(text: str) -> str:
    """trainer.py: one line of the training loop edited (a comment added to `fit`)."""
    edited, count = re.subn(
        r"(?m)^(    def fit\(self\)[^\n]*:)$", r"\1  # the user's own note", text, count=1
    )
    assert count == 1, "trainer.py has no Trainer.fit: update tests/user_edits.py"
    return edited


def template_file_edits(package: str) -> dict[str, Edit]:
    """The user's edits of files that come from the template, by path."""
    src = f"src/{package}"
    return {
        "configs/default.yaml": tuned_hyperparameter,
        f"{src}/networks/__init__.py": registered_network,
        f"{src}/config.py": network_schema,
        f"{src}/build.py": network_branch,
        f"{src}/trainer.py": trainer_line,
    }


def new_files(package: str) -> dict[str, str]:
    """The user's own files: a network with its config and test, and a note."""
    return {
        f"src/{package}/networks/tiny.py": (
            '"""A linear classifier over flattened pixels."""\n\n'
            "import torch\nfrom torch import nn\n\n\n"
            "class Tiny(nn.Module):\n"
            "    def __init__(self, in_features: int, num_classes: int) -> None:\n"
            "        super().__init__()\n"
            "        self.fc = nn.Linear(in_features, num_classes)\n\n"
            "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
            "        return self.fc(x.flatten(1))\n"
        ),
        "configs/model/tiny.yaml": "# networks/tiny.py: a linear classifier.\nname: tiny\n",
        "tests/test_tiny.py": (
            "import torch\n\n"
            f"from {package}.networks import Tiny\n\n\n"
            "def test_tiny_output_shape() -> None:\n"
            "    assert Tiny(64, 10)(torch.zeros(2, 1, 8, 8)).shape == (2, 10)\n"
        ),
        "notes/2026-12-02-tiny.md": "# A linear baseline\n\nTiny trains in seconds.\n",
    }


def apply_edits(project: Path, package: str) -> set[str]:
    """Make the typical edits in `project`; return the template files edited."""
    edits = template_file_edits(package)
    for rel, edit in edits.items():
        path = project / rel
        path.write_text(edit(path.read_text()))
    for rel, content in new_files(package).items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(content)
    return set(edits)
