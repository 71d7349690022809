"""The only module that imports copier: rendering, with copier's errors mapped to ours.

copier is imported inside the functions, because importing it costs about 0.25 s and
`dlscaffold --help` must not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
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

    # The property's getter (on the class, mypy sees the getter's type, not the property).
    base_relpath: Callable[[Worker], Path] = Worker.answers_relpath.fget  # type: ignore[attr-defined]

    class OnceWorker(Worker):
        # HACK: copier compiles every path part and value it renders anew (about 480 Jinja
        # compiles for the default template, 434 of them plain names such as `src`, 187
        # distinct): half of a render's time. A template compiled once renders any context.
        @cached_property
        def jinja_env(self) -> Any:
            env = Worker.jinja_env.func(self)  # type: ignore[attr-defined]
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

    return OnceWorker


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
class Render:
    """A template version rendered into a scratch folder, without running its tasks."""

    path: Path
    version: str | None
    commit: str | None
    exclusions: tuple[str, ...]
    match_skip: Callable[[Path], bool]
    has_tasks: bool
    run_tasks: Callable[..., None]  # (project, operation="update")
    migrations: Callable[[str, Render], list[Any]]
    run_migrations: Callable[[str, Render, Path], None]
    template: Any  # copier's Template, opaque outside this module


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
) -> Iterator[Render]:
    """Render `src` at `vcs_ref` into the empty folder `dst` with tasks skipped.

    Only questions missing from `data` are asked (none when `defaults`); the answers in
    `checked` (the user's own) must name questions of this version; `user_defaults` replace
    the template's defaults. `exclude` adds exclusion patterns to the template's. While the
    context is open, `Render.run_tasks(project, operation)` runs the template's tasks once in
    `project`, from the same template clone (no further clone).
    """
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
        try:
            with _prompts_need_a_terminal(enabled=not defaults):
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
            when = cast(Literal["before", "after"], stage)
            return list(worker.template.migration_tasks(when, old.template))

        version = worker.template.version
        yield Render(
            path=dst,
            version=str(version) if version else None,
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
        )


class NoTerminalError(UserError, EOFError):
    """A question needs an answer, and there is no terminal to ask it on."""


@contextmanager
def _prompts_need_a_terminal(*, enabled: bool) -> Iterator[None]:
    """Without a terminal, turn copier's first prompt into one clear line naming the question.

    copier would start prompt_toolkit (which prints a warning) and then fail on EOF with a
    hint about its own options; a run that needs no prompt is not refused.
    """
    import sys

    import copier._main

    if not enabled or sys.stdin.isatty():
        yield
        return

    def refuse(questions: Any, *_args: Any, **_kwargs: Any) -> dict[str, Any]:
        name = questions[0].get("name", "?") if questions else "?"
        raise NoTerminalError(
            f"Question '{name}' needs an answer and input is not a terminal: pass "
            f"--data {name}=VALUE, or --defaults to take the default answers."
        )

    original = copier._main.unsafe_prompt
    copier._main.unsafe_prompt = refuse
    try:
        yield
    finally:
        copier._main.unsafe_prompt = original


def _skip_index_sync(worker: Worker) -> None:
    if hasattr(worker, "_sync_git_index_executable_bit"):
        object.__setattr__(worker, "_sync_git_index_executable_bit", lambda *args: None)
