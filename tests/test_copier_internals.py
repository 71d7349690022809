"""Every copier internal that dlscaffold._engine relies on, named and checked for its shape.

copier's public API (`run_copy`, `run_update`) cannot show a template's questions before
rendering, run tasks in another folder or replace the prompt, so `_engine` uses names that
copier does not promise to keep. A copier release that moves or reshapes one of them must
fail here, in CI, with the name in the message, not later in a user's `dlscaffold new`.
When one of these tests fails, adapt `src/dlscaffold/_engine.py` (or the copier upper bound
in pyproject.toml) and this list together.
"""

from __future__ import annotations

import contextvars
import dataclasses
import inspect
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import copier._main
import copier._template
import copier.errors
import pytest
from packaging.version import Version

COPIER = Version(version("copier"))


def parameters(function: object) -> list[str]:
    """The parameter names of `function`, `self` included."""
    assert callable(function), f"{function!r} is not callable"
    return list(inspect.signature(function).parameters)


def test_worker_class_is_where_engine_imports_it() -> None:
    # _engine: `from copier._main import Worker`, subclassed and used as a context manager.
    worker = copier._main.Worker
    assert inspect.isclass(worker)
    assert callable(worker.__enter__) and callable(worker.__exit__)


def test_worker_accepts_the_keyword_arguments_engine_passes() -> None:
    # _engine.rendered() builds the worker with exactly these keywords.
    fields = {field.name for field in dataclasses.fields(copier._main.Worker)}
    used = {
        "src_path", "dst_path", "vcs_ref", "data", "defaults", "unsafe", "quiet",
        "skip_tasks", "overwrite", "cleanup_on_error", "exclude", "user_defaults",
    }  # fmt: skip
    assert used <= fields, f"Worker lost {sorted(used - fields)}"


def test_worker_answers_relpath_is_a_property() -> None:
    # _engine.OnceWorker overrides it and calls `Worker.answers_relpath.fget(self)`.
    attribute = inspect.getattr_static(copier._main.Worker, "answers_relpath")
    assert isinstance(attribute, property) and attribute.fget is not None
    assert parameters(attribute.fget) == ["self"]


def test_worker_render_template_takes_no_arguments() -> None:
    # _engine.OnceWorker wraps `_render_template(self)`, which run_copy() calls.
    assert parameters(copier._main.Worker._render_template) == ["self"]
    source = inspect.getsource(copier._main.Worker.run_copy)
    assert "self._render_template()" in source


@pytest.mark.parametrize("name", ["template", "subproject", "match_skip", "jinja_env"])
def test_worker_cached_properties(name: str) -> None:
    # `template` and `match_skip` are read; `del worker.subproject` resets the cached
    # subproject when the worker moves to the real project to run tasks there.
    attribute = inspect.getattr_static(copier._main.Worker, name)
    assert isinstance(attribute, cached_property), f"Worker.{name} is no longer cached"


def test_worker_methods_engine_calls() -> None:
    assert parameters(copier._main.Worker.run_copy) == ["self"]
    assert parameters(copier._main.Worker._execute_tasks) == ["self", "tasks"]


def test_worker_git_index_sync_hook() -> None:
    # A speed-up only: _engine replaces this per-file `git config` call on scratch renders
    # when it exists (copier 9.7 has none). Seen in copier 9.19; if a newer copier drops or
    # renames it, renders get slower without failing, so say so here.
    name = "_sync_git_index_executable_bit"
    if COPIER < Version("9.19"):
        pytest.skip(f"copier {COPIER} predates {name}")
    method = getattr(copier._main.Worker, name, None)
    assert method is not None, f"copier {COPIER} dropped Worker.{name}: update _skip_index_sync"
    assert parameters(method) == ["self", "dst_relpath", "src_mode"]


def test_worker_render_string_and_context() -> None:
    # _engine.OnceWorker overrides `_render_string(self, string, extra_context=None)` (path
    # parts without Jinja skip the render) and `_render_context(self)` (the project's folder
    # name stands in for the scratch folder's).
    assert parameters(copier._main.Worker._render_string) == ["self", "string", "extra_context"]
    assert parameters(copier._main.Worker._render_context) == ["self"]


def test_yield_extension_and_its_context() -> None:
    # _engine resets copier's `yield` extension state before rendering a path part itself.
    import copier._jinja_ext as jinja_ext
    from jinja2 import Environment

    env = Environment(extensions=[jinja_ext.YieldExtension])
    context = jinja_ext.get_yield_context(env)
    assert hasattr(context, "yield_name") and hasattr(context, "yield_iterable")


def test_missing_marks_an_unanswered_question() -> None:
    # _engine's prompt replacement compares a default against `copier._user_data.MISSING`.
    import copier._user_data as user_data

    assert user_data.MISSING is not None


def test_operation_is_a_context_variable() -> None:
    # _engine sets copier._main._operation to "update" or "copy" while running tasks, as
    # templates read it through the `_copier_operation` variable.
    assert isinstance(copier._main._operation, contextvars.ContextVar)


def test_prompt_is_looked_up_in_copier_main() -> None:
    # _engine replaces the module global `copier._main.unsafe_prompt` to refuse prompting
    # without a terminal; that only works while Worker calls it by that global name.
    assert callable(copier._main.unsafe_prompt)
    source = inspect.getsource(copier._main.Worker)
    assert "unsafe_prompt(" in source


@pytest.mark.parametrize(
    "name",
    ["questions_data", "version", "commit", "exclude", "tasks", "message_before_copy",
     "message_after_copy", "message_before_update", "message_after_update"],
)  # fmt: skip
def test_template_attributes(name: str) -> None:
    # Read from `worker.template` by _engine.rendered().
    attribute = inspect.getattr_static(copier._template.Template, name)
    assert isinstance(attribute, property | cached_property), f"Template.{name} moved"


def test_template_migration_tasks() -> None:
    assert parameters(copier._template.Template.migration_tasks) == [
        "self",
        "stage",
        "from_template",
    ]


@pytest.mark.parametrize("name", ["local_abspath", "url_expanded", "vcs", "_raw_config"])
def test_template_properties_the_local_checkout_uses(name: str) -> None:
    # dlscaffold._template_clone puts its checkout in `local_abspath`'s cache, so copier
    # never clones; `_engine._migration_tasks` reads `_raw_config["_migrations"]`.
    attribute = inspect.getattr_static(copier._template.Template, name)
    assert isinstance(attribute, cached_property), f"Template.{name} is no longer cached"


def test_template_cleanup_removes_a_checkout_given_to_it(tmp_path: Path) -> None:
    # The checkout `_template_clone` hands to copier goes when copier's own clone would.
    template = copier._template.Template(url=str(tmp_path / "template"), ref="v1")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    template.__dict__["local_abspath"] = checkout
    object.__setattr__(template, "_temp_clone_path", checkout)
    template._cleanup()
    assert not checkout.exists()


def test_migration_tasks_reads_the_raw_config() -> None:
    source = inspect.getsource(copier._template.Template.migration_tasks)
    assert 'self._raw_config.get("_migrations"' in source


@pytest.mark.parametrize("name", ["UnsafeTemplateError", "UserMessageError"])
def test_errors_engine_catches(name: str) -> None:
    error = getattr(copier.errors, name)
    assert issubclass(error, Exception)


def test_engine_names_no_other_copier_internal() -> None:
    # Keep this file complete: every `copier` import in _engine must be listed above.
    from pathlib import Path

    engine = Path(__file__).resolve().parents[1] / "src" / "dlscaffold" / "_engine.py"
    if not engine.is_file():
        pytest.skip("needs the source checkout")
    imports = {
        line.strip()
        for line in engine.read_text().splitlines()
        if line.strip().startswith(("from copier", "import copier"))
    }
    assert imports <= {
        "from copier._main import Worker",
        "from copier._main import _operation",
        "from copier._user_data import MISSING",
        "from copier._jinja_ext import YieldExtension",
        "from copier._jinja_ext import get_yield_context",
        "from copier.errors import UnsafeTemplateError, UserMessageError",
        "import copier._main",
        "import copier._user_data",
    }, imports


def test_copier_takes_four_names_from_its_prompt_libraries() -> None:
    # _engine._import_copier: where nothing can be asked, copier imports with stand-ins for
    # exactly these names; `_real_prompts` swaps the real ones in before any prompt.
    import ast
    from pathlib import Path

    import copier._user_data
    from questionary.prompts.common import Choice

    from dlscaffold._engine import _StandInChoice

    taken = set()
    for module in (copier._main, copier._user_data, copier._template, copier.errors):
        tree = ast.parse(Path(module.__file__).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.split(".")[0] in ("questionary", "prompt_toolkit"):
                    taken |= {(node.module, alias.name) for alias in node.names}
    assert taken == {
        ("questionary", "confirm"),
        ("questionary", "unsafe_prompt"),
        ("questionary.prompts.common", "Choice"),
        ("prompt_toolkit.lexers", "PygmentsLexer"),
    }, taken
    assert parameters(_StandInChoice.__init__) == parameters(Choice.__init__)
    assert copier._user_data.Choice in (Choice, _StandInChoice)
