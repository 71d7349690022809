"""The only module that imports copier: rendering, with copier's errors mapped to ours.

copier is imported inside the functions, because importing it costs about 0.25 s and
`dlscaffold --help` must not pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal, cast

from dlscaffold.errors import (
    InvalidAnswerError,
    TemplateNotFoundError,
    TemplateSandboxError,
    UntrustedTemplateError,
    UserError,
)

if TYPE_CHECKING:
    from copier._main import Worker


@contextmanager
def _worker(**kwargs: Any) -> Iterator[Worker]:
    # `Worker` is copier's internal API; run_copy() would not let us inspect the template's
    # questions before rendering. Pinned to copier 9 in pyproject.toml.
    with _worker_class()(**kwargs) as worker:
        yield worker


@cache
def _worker_class() -> type[Worker]:
    """Return copier's Worker with its answers-file path computed once per render.

    HACK: copier 9.19 re-renders the answers file's path template for every part of every
    template path it renders (about 200 Jinja renders, 7% of a render). The answers are final
    while files render, so the path cannot change then.
    """
    from copier._main import Worker

    from dlscaffold._template_clone import clone_for

    # The property's getter (on the class, mypy sees the getter's type, not the property).
    base_relpath: Callable[[Worker], Path] = Worker.answers_relpath.fget  # type: ignore[attr-defined]

    class OnceWorker(Worker):
        # HACK: copier compiles every path part and value it renders anew (about 480 Jinja
        # compiles for the default template, 434 of them plain names such as `src`, 187
        # distinct): half of a render's time. A template compiled once renders any context.
        @cached_property
        def jinja_env(self) -> Any:
            return _compiling_once(Worker.jinja_env.func(self))  # type: ignore[attr-defined]

        @cached_property
        def template(self) -> Any:
            # HACK: a local template's version is checked out with two git commands where
            # copier's clone runs about a dozen (see `dlscaffold._template_clone`).
            template = Worker.template.func(self)  # type: ignore[attr-defined]
            clone_for(template)
            return template

        @property
        def answers_relpath(self) -> Path:
            memo = self.__dict__.get("_answers_relpath_memo")
            return memo if memo is not None else base_relpath(self)

        def _render_template(self) -> None:
            object.__setattr__(self, "_answers_relpath_memo", base_relpath(self))
            try:
                super()._render_template()
            finally:
                self.__dict__.pop("_answers_relpath_memo", None)

        def _render_string(self, string: str, extra_context: Any = None) -> str:
            # HACK copier 9.19 compiles every part of every template path as a Jinja
            # template and builds the whole render context for it (about half of a
            # render's time): most parts ("src", "train.py") hold no Jinja at all, and
            # the others ("{{ package_name }}") repeat. Same result as copier's own method.
            env = self.jinja_env
            if not isinstance(string, str) or not _sources_kept(env):
                return super()._render_string(string, extra_context)
            _reset_yield(env)  # what compiling does, through copier's yield extension
            if _plain_text(env, string):
                return string
            template = env.from_string(string)  # compiled once per render (`jinja_env`)
            return template.render(**self._render_context(), **(extra_context or {}))

        def _render_context(self) -> Any:
            # A scratch or staging folder stands in for the project: templates must see the
            # project's own folder, as `copier copy` / `copier update` would show them.
            context = super()._render_context()
            project = self.__dict__.get("_dlscaffold_project")
            if project is not None:
                context["_folder_name"] = project.name
                context["_copier_conf"]["dst_path"] = PurePath(project)
            return context

    return OnceWorker


# --- copier without its prompt libraries, where nothing can be asked --------------------


def _import_copier(*, prompts: bool) -> None:
    """Import copier; where nothing can be asked, without questionary and prompt_toolkit.

    HACK: copier 9 imports questionary, and with it prompt_toolkit, asyncio, pygments and
    wcwidth, when it starts: about a third of its import time and a sixth of an update's
    CPU time, spent on prompts that `--defaults` or a missing terminal never show. Such a
    run imports copier with stand-ins for the four names copier takes from them (`confirm`,
    `unsafe_prompt`, `Choice`, `PygmentsLexer`); the stand-ins load the real libraries if
    ever called, and `_real_prompts` puts the real ones in copier's place before any prompt
    (a later interactive render in the same process). `sys.modules` is left as it was.
    """
    if "copier._main" in sys.modules:
        return
    import importlib
    import types

    if prompts or "questionary" in sys.modules or "prompt_toolkit" in sys.modules:
        importlib.import_module("copier._main")
        return

    stand_ins: dict[str, dict[str, Any]] = {
        "questionary": {"confirm": _later("questionary", "confirm"),
                        "unsafe_prompt": _later("questionary", "unsafe_prompt")},
        "questionary.prompts.common": {"Choice": _StandInChoice},
        "prompt_toolkit.lexers": {
            "PygmentsLexer": _later("prompt_toolkit.lexers", "PygmentsLexer")
        },
    }  # fmt: skip
    modules = {}
    for name, names in stand_ins.items():
        modules[name] = types.ModuleType(name, "dlscaffold's stand-in while copier imports")
        modules[name].__dict__.update(names)
    sys.modules.update(modules)
    try:
        importlib.import_module("copier._main")
    finally:
        for name, module in modules.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def _later(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for `module.name` that imports the real one when called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.dlscaffold_stand_in = True  # type: ignore[attr-defined]
    return call


class _StandInChoice:
    """questionary's `Choice` as copier uses it to check answers (no prompt needs it)."""

    dlscaffold_stand_in = True

    def __init__(
        self,
        title: Any,
        value: Any = None,
        disabled: str | None = None,
        checked: bool | None = False,
        shortcut_key: str | bool | None = True,
        description: str | None = None,
    ) -> None:
        self.title = title
        self.disabled = disabled
        self.checked = checked if checked is not None else False
        self.shortcut_key = shortcut_key
        self.description = description
        if value is not None:
            self.value = value
        elif isinstance(title, list):
            self.value = "".join(token[1] for token in title)
        else:
            self.value = title


def _real_prompts() -> None:
    """Give copier the real prompt library wherever it still holds a stand-in."""
    import copier._main
    import copier._user_data

    places = (
        (copier._main, "confirm", "questionary"),
        (copier._main, "unsafe_prompt", "questionary"),
        (copier._user_data, "Choice", "questionary.prompts.common"),
        (copier._user_data, "PygmentsLexer", "prompt_toolkit.lexers"),
    )
    for module, name, real_module in places:
        if getattr(getattr(module, name, None), "dlscaffold_stand_in", False):
            import importlib

            setattr(module, name, getattr(importlib.import_module(real_module), name))


def _compiling_once(env: Any) -> Any:
    """Make `env.from_string` compile each source string once (the env lives one render)."""
    compiled: dict[str, Any] = {}
    from_string = env.from_string

    def memoized(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return from_string(source, globals, template_class)
        if source not in compiled:
            compiled[source] = from_string(source)
        return compiled[source]

    env.from_string = memoized
    return env


def _sources_kept(env: Any) -> bool:
    """Tell whether no extension of `env` rewrites template sources before compiling.

    copier's `yield` extension only resets its per-render state there (`_reset_yield`).
    """
    from copier._jinja_ext import YieldExtension
    from jinja2.ext import Extension

    return all(
        isinstance(extension, YieldExtension) or type(extension).preprocess is Extension.preprocess
        for extension in env.extensions.values()
    )


def _reset_yield(env: Any) -> None:
    from copier._jinja_ext import get_yield_context

    context = get_yield_context(env)
    context.yield_name = context.yield_iterable = None


def _plain_text(env: Any, string: str) -> bool:
    """Tell whether Jinja would render `string` as itself: one line, no delimiters."""
    if "\n" in string or "\r" in string or env.line_statement_prefix or env.line_comment_prefix:
        return False
    starts = (env.block_start_string, env.variable_start_string, env.comment_start_string)
    return not any(start in string for start in starts)


def _questions(worker: Worker, src: str, vcs_ref: str | None) -> dict[str, Any]:
    """Load the template (cloning it if needed) and return its questions."""
    from dlscaffold._git import restricted_transports
    from dlscaffold._templates import is_default_template

    try:
        with restricted_transports():  # the template is cloned here, on first use
            return dict(worker.template.questions_data)
    except Exception as error:  # copier raises ValueError, OSError or plumbum errors here
        label = "dlscaffold's default template" if is_default_template(src) else f"'{src}'"
        # copier 9.19.1 says "Unknown revision"; older releases pass git's message through.
        if vcs_ref and any(text in str(error) for text in _UNKNOWN_REVISION):
            raise TemplateNotFoundError(
                f"Template version '{vcs_ref}' does not exist in {label}; versions are git "
                "tags such as v0.1.0."
            ) from error
        raise TemplateNotFoundError(f"Cannot use template {label}: {_one_line(error)}") from error


_UNKNOWN_REVISION = ("Unknown revision", "did not match any file(s) known to git")

_CASTS: dict[str, Any] = {"int": int, "float": float}
_BOOLS = {"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"}


def _check_answers(data: Mapping[str, Any], questions: Mapping[str, Any]) -> None:
    """Reject unknown keys and values of the wrong type, naming the question.

    copier accepts unknown keys silently and reports a bad int without saying which.
    """
    unknown = sorted(set(data) - set(questions))
    if unknown:
        asked = [name for name, spec in questions.items() if not _computed(spec)]
        raise InvalidAnswerError(
            f"Unknown answer {', '.join(map(repr, unknown))}: this template asks "
            f"{', '.join(asked) or 'no questions'}."
        )
    for key, value in data.items():
        kind = (
            str((questions[key] or {}).get("type", "")) if isinstance(questions[key], dict) else ""
        )
        if not isinstance(value, str):
            continue
        try:
            if kind in _CASTS:
                _CASTS[kind](value)
            elif kind == "bool" and value.strip().lower() not in _BOOLS:
                raise ValueError(value)
        except ValueError:
            raise InvalidAnswerError(f"Answer {key}={value!r} is not a valid {kind}.") from None


def _computed(spec: Any) -> bool:
    """Tell whether a question is a value the template computes (`when: false`), never asked."""
    return isinstance(spec, dict) and spec.get("when") is False


def _one_line(error: BaseException) -> str:
    """Reduce copier's (sometimes multi-line) messages to their most telling line."""
    lines = [line.strip(" |") for line in str(error).splitlines() if line.strip(" |")]
    for line in reversed(lines):
        for marker in ("fatal:", "error:"):
            if marker in line.lower():
                return line[line.lower().index(marker) :]
    return lines[0] if lines else type(error).__name__


def _sandboxed_action(error: Exception) -> str:
    """Word what Jinja's sandbox stopped, to follow "tried to".

    `access to attribute 'x' of 'str' object is unsafe.` becomes
    `access attribute 'x' of 'str' object`.
    """
    message = _one_line(error).rstrip(".")
    if message.startswith("access to ") and message.endswith(" is unsafe"):
        return "access " + message.removeprefix("access to ").removesuffix(" is unsafe")
    if message.endswith(" is not safely callable"):
        return "call " + message.removesuffix(" is not safely callable")
    if message.startswith("Range too big"):
        return "make a huge range"
    return message[:1].lower() + message[1:]


# --- Rendering for `dlscaffold update` and `dlscaffold check` ------------------------------


@dataclass(frozen=True)
class ReplacedAnswer:
    """A recorded answer this template version rejects, and the answer that replaced it."""

    name: str
    old: Any
    new: Any
    asked: bool  # the user chose `new` at a prompt; otherwise it is the new default


@dataclass(frozen=True)
class Render:
    """A template version rendered into a scratch folder, without running its tasks."""

    path: Path
    version_of: Callable[[], str | None]  # `version`, computed when first asked for
    commit: str | None
    exclusions: tuple[str, ...]
    match_skip: Callable[[Path], bool]
    has_tasks: bool
    run_tasks: Callable[..., None]  # (project, operation="update")
    migrations: Callable[[str, Render], list[Any]]
    run_migrations: Callable[[str, Render, Path], None]
    template: Any  # copier's Template, opaque outside this module
    replaced_answers: tuple[ReplacedAnswer, ...] = ()
    message_after: str = ""  # the template's `_message_after_copy` (or `_update`), rendered
    project: Path | None = None  # the folder the render stands for, if not `path`

    @cached_property
    def version(self) -> str | None:
        """The template version as PEP 440 text, asked of git when first needed.

        copier asks through dunamai (several git processes), which `update` never needs.
        Ask while the render's context is open: the template clone goes with it.
        """
        return self.version_of()


@contextmanager
def rendered(
    *,
    src: str,
    dst: Path,
    vcs_ref: str | None,
    data: Mapping[str, Any],
    defaults: bool,
    trust: bool,
    exclude: tuple[str, ...] = (),
    checked: Mapping[str, Any] | None = None,
    user_defaults: Mapping[str, Any] | None = None,
    recorded: Mapping[str, Any] | None = None,
    fallback_defaults: Mapping[str, Any] | None = None,
    operation: Literal["copy", "update"] = "copy",
    on_message: Callable[[str], None] | None = None,
    project: Path | None = None,
) -> Iterator[Render]:
    """Render `src` at `vcs_ref` into the empty folder `dst` with tasks skipped.

    Only questions missing from `data` and `recorded` are asked (none when `defaults`); the
    answers in `checked` (the user's own) must name questions of this version;
    `user_defaults` replace the template's defaults. `recorded` are the answers an earlier
    version recorded (copier's "last answers"): each is kept where this version accepts it;
    one it rejects (a choice removed, a validator tightened) is answered anew, as `copier
    update` does: with the new default under `defaults` or without a terminal, at a prompt
    that shows the old value otherwise; `Render.replaced_answers` lists them. `exclude`
    adds exclusion patterns to the template's. `fallback_defaults` are defaults only for
    questions the template leaves without one. The template's `_message_before_<operation>`
    (`copy` or `update`) goes to `on_message` before any question is asked;
    `Render.message_after` holds its `_message_after_<operation>`. `project` is the folder
    the render stands for (`_folder_name`, `_copier_conf.dst_path`), when `dst` is a scratch
    or staging folder. While the
    context is open, `Render.run_tasks(project, operation)` runs the template's tasks once in
    `project`, from the same template clone (no further clone).
    """
    _import_copier(prompts=not defaults and sys.stdin is not None and sys.stdin.isatty())
    from copier._main import _operation
    from copier.errors import UnsafeTemplateError, UserMessageError
    from jinja2.sandbox import SecurityError

    from dlscaffold._generated.source import check_source, check_vcs_ref

    check_source(src)  # never an option or a command for git
    check_vcs_ref(vcs_ref)
    with _worker(
        src_path=src, dst_path=dst, vcs_ref=vcs_ref, data=dict(data), defaults=defaults,
        unsafe=trust, quiet=True, skip_tasks=True, overwrite=True, cleanup_on_error=False,
        exclude=list(exclude), user_defaults=dict(user_defaults or {}),
    ) as worker:  # fmt: skip
        _check_answers(checked or {}, _questions(worker, src, vcs_ref))
        # HACK copier 9.19 runs `git config core.fileMode` once per rendered file to sync the
        # destination's git index; a scratch folder has no git index, so each call (a third
        # of an update's time) is a no-op.
        _skip_index_sync(worker)
        if project is not None:
            object.__setattr__(worker, "_dlscaffold_project", project)
        questions = worker.template.questions_data
        worker.user_defaults.update(
            (key, value)
            for key, value in (fallback_defaults or {}).items()
            if not (isinstance(questions.get(key), dict) and "default" in questions[key])
        )
        last = _give_last_answers(worker, recorded or {})
        asked: set[str] = set()
        try:
            if on_message is not None:
                _say(worker, operation, "before", on_message)
            with _prompts(worker, last, asked, enabled=not defaults):
                worker.run_copy()
        except UnsafeTemplateError as error:
            raise UntrustedTemplateError(
                f"Template '{src}' uses Jinja extensions; review it, then pass --trust."
            ) from error
        except (SecurityError, OverflowError) as error:
            if isinstance(error, OverflowError) and "sandbox" not in str(error):
                raise
            raise TemplateSandboxError(
                f"Template '{src}' tried to {_sandboxed_action(error)} (not allowed)."
            ) from error
        except (ValueError, TypeError, UserMessageError) as error:
            if isinstance(error.__cause__, NoTerminalError):
                raise error.__cause__ from None
            raise InvalidAnswerError(_one_line(error)) from error

        def run_in_project(
            tasks: list[Any], project: Path, operation: Literal["copy", "update"] = "update"
        ) -> None:
            # Run the already-loaded template's tasks in the real project: the internal
            # renders skipped them, so they run exactly once, where they belong.
            worker.dst_path = project
            with suppress(AttributeError):
                del worker.subproject
            token = _operation.set(operation)
            try:
                worker._execute_tasks(tasks)
            finally:
                _operation.reset(token)

        def migrations(stage: str, old: Render) -> list[Any]:
            return _migration_tasks(worker, stage, old.template)

        yield Render(
            path=dst,
            version_of=lambda: _pep440_version(worker),
            commit=worker.template.commit,
            exclusions=tuple(worker.template.exclude),
            match_skip=worker.match_skip,
            has_tasks=bool(worker.template.tasks),
            run_tasks=lambda project, operation="update": run_in_project(
                list(worker.template.tasks), project, operation
            ),
            migrations=migrations,
            run_migrations=lambda stage, old, project: run_in_project(
                migrations(stage, old), project
            ),
            template=worker.template,
            replaced_answers=_replaced_answers(worker, last, data, asked),
            message_after=_message(worker, operation, "after"),
            project=project,
        )


def _migration_tasks(worker: Worker, stage: str, old_template: Any) -> list[Any]:
    """The template's migration tasks for `stage` of an update from `old_template`."""
    # copier asks git for both versions (through dunamai, six processes) before it looks
    # for migrations; most templates have none.
    if not worker.template._raw_config.get("_migrations"):
        return []
    when = cast(Literal["before", "after"], stage)
    return list(worker.template.migration_tasks(when, old_template))


def _pep440_version(worker: Worker) -> str | None:
    version = worker.template.version
    return str(version) if version else None


class NoTerminalError(UserError, EOFError):
    """A question needs an answer, and there is no terminal to ask it on."""


def _message(worker: Worker, operation: Literal["copy", "update"], when: str) -> str:
    """Render the template's `_message_<when>_<operation>`, as copier prints it."""
    from copier._main import _operation

    text = getattr(worker.template, f"message_{when}_{operation}", "")
    if not text:
        return ""
    token = _operation.set(operation)
    try:
        return worker._render_string(text).rstrip("\n")
    finally:
        _operation.reset(token)


def _say(
    worker: Worker,
    operation: Literal["copy", "update"],
    when: str,
    on_message: Callable[[str], None],
) -> None:
    text = _message(worker, operation, when)
    if text:
        on_message(text)


def _give_last_answers(worker: Worker, recorded: Mapping[str, Any]) -> dict[str, Any]:
    """Hand `recorded` to copier as the answers the project's answers file would hold.

    copier then checks each against this version's questions and forgets those it rejects,
    as in `copier update`; the scratch destination has no answers file of its own.
    """
    last = {key: value for key, value in recorded.items() if not key.startswith("_")}
    worker.subproject.__dict__["last_answers"] = dict(last)
    return last


def _rejected(worker: Worker, last: Mapping[str, Any], name: str) -> bool:
    """Tell whether copier dropped the recorded answer to `name` as invalid for this version."""
    answers = getattr(worker, "answers", None)
    return (
        name in last
        and answers is not None
        and name not in answers.last
        and name not in answers.hidden
        and name not in answers.init
    )


def _replaced_answers(
    worker: Worker, last: Mapping[str, Any], data: Mapping[str, Any], asked: set[str]
) -> tuple[ReplacedAnswer, ...]:
    questions = worker.template.questions_data
    return tuple(
        ReplacedAnswer(name, old, worker.answers.combined.get(name), asked=name in asked)
        for name, old in last.items()
        if name in questions and name not in data and _rejected(worker, last, name)
    )


@contextmanager
def _prompts(
    worker: Worker, last: Mapping[str, Any], asked: set[str], *, enabled: bool
) -> Iterator[None]:
    """Ask only what needs a person, and never wait on a missing terminal.

    A recorded answer this version accepts is kept without a prompt; one it rejects is asked
    again showing the old value (without a terminal: its default is taken, as copier does
    with --defaults). Any other question without a terminal becomes one clear line naming it:
    copier would start prompt_toolkit (which prints a warning) and then fail on EOF with a
    hint about its own options. A run that needs no prompt is not refused.
    """
    import copier._main
    from copier._user_data import MISSING

    if not enabled:
        yield
        return
    terminal = sys.stdin.isatty()
    if terminal:
        _real_prompts()
    original = copier._main.unsafe_prompt

    def prompt(questions: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        question = questions[0] if questions else {}
        name = question.get("name", "?")
        default = (kwargs.get("answers") or {}).get(name, MISSING)
        when = question.get("when")
        if callable(when) and not when({}) and default is not MISSING:
            return {name: default}  # a computed value (`when: false`): never a prompt
        if name in last and not _rejected(worker, last, name) and default is not MISSING:
            return {name: default}  # the recorded answer, parsed by copier
        rejected = _rejected(worker, last, name)
        if rejected and not terminal and default is not MISSING:
            return {name: default}
        if not terminal:
            raise NoTerminalError(
                f"Question '{name}' needs an answer and input is not a terminal: pass "
                f"--data {name}=VALUE, or --defaults to take the default answers."
            )
        if rejected:
            asked.add(name)
            note = f"{name}: {show_value(last[name])} is no longer valid; choose again.\n"
            question = {**question, "message": note + str(question.get("message", ""))}
        return original([question, *questions[1:]], **kwargs)

    copier._main.unsafe_prompt = prompt  # type: ignore[assignment]  # same calls, looser types
    try:
        yield
    finally:
        copier._main.unsafe_prompt = original


def show_value(value: Any) -> str:
    """Quote an answer for a message, whatever its type (`'True'`, `'custom'`)."""
    return f"'{value}'"


def _skip_index_sync(worker: Worker) -> None:
    if hasattr(worker, "_sync_git_index_executable_bit"):
        object.__setattr__(worker, "_sync_git_index_executable_bit", lambda *args: None)
