"""Pristine digests without copier, for templates that use only what copier does plainly.

A check with an empty render cache (a fresh CI machine) used to spend most of its time
importing copier (about 1 s: pydantic, questionary, prompt_toolkit, plumbum) to render the
project's template version once. For a template that uses nothing beyond plain questions,
`.jinja` files, templated paths, `_subdirectory`, `_skip_if_exists` and `_exclude`, this
module computes the same digests with copier's own building blocks: the same git clone and
checkout, the same Jinja sandbox with the same extension (`jinja2_ansible_filters`) and
options, copier's rules for answers (casts, defaults, choices, validators), for paths
(`.jinja` siblings, empty parts, the answers file) and copier's path matcher (pathspec).

Anything else returns None and the caller renders with copier: Jinja extensions, envops,
external data, symlinks, submodules, `yield`, multiselect or templated question settings,
a copier settings file (user defaults), an answer copier would reject, and any name a
template reads that this renderer does not provide (copier's `_copier_answers`,
`_copier_conf.vcs_ref`, ...): its Jinja `Undefined` refuses to exist. Being a copy of
copier's behaviour, it is proven by tests/test_light_render.py, which compares its digests
with copier's for every version of the default template and for templates shaped like
real-world ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path, PurePath
from typing import Any

from dlscaffold._generated.source import check_source, check_vcs_ref, local_path
from dlscaffold._git import git
from dlscaffold._yaml import safe_load
from dlscaffold.errors import DlscaffoldError

SUFFIX = ".jinja"
DEFAULT_ANSWERS_FILE = ".copier-answers.yml"
# copier's DEFAULT_EXCLUDE, used when the template has no `_subdirectory` and no `_exclude`.
DEFAULT_EXCLUDE = (
    "copier.yaml", "copier.yml", "~*", "*.py[co]", "__pycache__", ".git", ".DS_Store", ".svn",
)  # fmt: skip
# Template settings (`_name` in copier.yml) this renderer follows or that do not change a
# render with tasks skipped; any other setting needs copier.
_SETTINGS = frozenset(
    {
        "subdirectory", "templates_suffix", "answers_file", "min_copier_version",
        "skip_if_exists", "exclude", "tasks", "migrations", "secret_questions",
        "message_before_copy", "message_after_copy", "message_before_update",
        "message_after_update",
    }
)  # fmt: skip
_QUESTION_KEYS = frozenset(
    {"type", "help", "default", "choices", "validator", "when", "secret", "placeholder",
     "multiline", "qmark"}
)  # fmt: skip
_JINJA = re.compile(r"\{[{%#]")
_PLAIN_PATTERN = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+")


class NeedsCopier(Exception):
    """This template (or this answer) uses something only copier renders faithfully."""


def light_digests(
    *,
    src: str,
    commit: str,
    answers: Mapping[str, Any],
    answers_relpath: str,
    folder: str,
    copier_version: str,
) -> dict[str, str] | None:
    """Return what `pristine.tree_digests` gives for copier's render; None to use copier.

    `folder` is the name templates see as `_folder_name`.
    """
    path = local_path(check_source(src))
    check_vcs_ref(commit)
    if path is None or not path.exists() or commit in ("", "HEAD") or _copier_settings():
        return None
    with tempfile.TemporaryDirectory(prefix="dlscaffold-check-") as tmp:
        root = Path(tmp, "template")
        try:
            git("clone", "--quiet", "--no-checkout", "--", str(path), str(root), cwd=Path(tmp))
            git("checkout", "--quiet", "-f", commit, "--", cwd=root)  # commit: checked, no option
            render = _Render(root, src, answers, answers_relpath, folder, copier_version)
            return render.digests()
        except (NeedsCopier, DlscaffoldError, OSError, ValueError, TypeError, LookupError):
            return None
        except Exception as error:  # Jinja's or YAML's errors: copier words them its own way
            if type(error).__module__.startswith(("jinja2", "yaml")):
                return None
            raise


def _copier_settings() -> bool:
    """Tell whether copier would read a settings file (user defaults, trusted sources).

    Where copier looks (copier._settings): $COPIER_SETTINGS_PATH, else platformdirs' user
    config folder (`appauthor=False`, and on Windows also the older default).
    """
    if os.environ.get("COPIER_SETTINGS_PATH"):
        return True
    try:
        from platformdirs import user_config_path
    except ImportError:  # copier needs platformdirs; without it, let copier decide
        return True
    places = (user_config_path("copier", appauthor=False), user_config_path("copier"))
    return any((place / "settings.yml").exists() for place in places)


class _Render:
    def __init__(
        self,
        root: Path,
        src: str,
        data: Mapping[str, Any],
        answers_relpath: str,
        folder: str,
        copier_version: str,
    ) -> None:
        self.root = root
        if (root / ".gitmodules").exists():
            raise NeedsCopier("submodules")
        config = _load_config(root)
        self.settings = {k[1:]: v for k, v in config.items() if k.startswith("_")}
        self.questions = {k: v for k, v in config.items() if not k.startswith("_")}
        if set(self.settings) - _SETTINGS:
            raise NeedsCopier("settings")
        _check_min_version(self.settings.get("min_copier_version"), copier_version)
        if self.settings.get("templates_suffix", SUFFIX) != SUFFIX:
            raise NeedsCopier("templates suffix")
        self.env = _environment(root)
        self._templates: dict[str, Any] = {}
        self.context: dict[str, Any] = dict(data)
        # What copier records as `_commit`: its own `git describe` of the checkout.
        described = git("describe", "--tags", "--always", cwd=root).strip()
        self.context.update(
            _folder_name=folder,
            _copier_python=sys.executable,
            _copier_conf=_Partial("_copier_conf", sep=os.sep),
            _copier_answers=_Partial("_copier_answers", _commit=described, _src_path=src),
        )
        self.answers_file = self.render_string(
            str(self.settings.get("answers_file", DEFAULT_ANSWERS_FILE))
        )
        if self.answers_file != answers_relpath:
            raise NeedsCopier("answers file")  # copier's digests would hold it
        conf = _Partial("_copier_conf", sep=os.sep, answers_file=PurePath(self.answers_file))
        self.context["_copier_conf"] = conf
        self._answer_questions(data)

    # --- answers: copier's Worker._ask with defaults, nothing asked ------------------------

    def _answer_questions(self, data: Mapping[str, Any]) -> None:
        for name, spec in self.questions.items():
            if not isinstance(spec, dict) or set(spec) - _QUESTION_KEYS:
                raise NeedsCopier(f"question {name}")
            when = spec.get("when", True)
            if not isinstance(when, bool):
                raise NeedsCopier(f"question {name}: templated `when`")
            kind = _type_name(spec)
            if name in data:
                answer = self._parse(spec, kind, data[name])
                self._validate(spec, name, answer)
            else:
                default = spec.get("default", _MISSING)
                if default is _MISSING or (isinstance(default, str) and "UNSET" in default):
                    raise NeedsCopier(f"question {name}: no default")
                answer = self._parse(spec, kind, self.render_value(default))
                if when and not spec.get("secret", False):
                    self._validate(spec, name, answer)
            self.context[name] = answer

    def _parse(self, spec: Mapping[str, Any], kind: str, value: Any) -> Any:
        answer = _cast(kind, value)
        choices = spec.get("choices")
        if choices is None:
            return answer
        if not isinstance(choices, list) or not all(_plain_scalar(c) for c in choices):
            raise NeedsCopier("choices")
        if not any(answer == _cast(kind, choice) for choice in choices):
            raise NeedsCopier("an answer that is not a choice")  # copier refuses it
        return answer

    def _validate(self, spec: Mapping[str, Any], name: str, answer: Any) -> None:
        validator = spec.get("validator", "")
        try:
            message = str(self.render_value(validator, {name: answer})).strip()
        except NeedsCopier:
            raise
        except Exception as error:  # copier reports the error as the validation message
            raise NeedsCopier("validator") from error
        if message:
            raise NeedsCopier("an answer the validator rejects")

    def render_value(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Copier's Question.render_value: strings rendered, lists item by item."""
        if not isinstance(value, str):  # Jinja cannot compile it: copier keeps it as it is
            return [self.render_value(item) for item in value] if isinstance(value, list) else value
        if _plain_text(value):
            return value
        return self._compiled(value).render({**self.context, **(extra or {})})

    def render_string(self, string: str) -> str:
        """Copier's Worker._render_string (a line without Jinja delimiters renders as itself)."""
        if _plain_text(string):
            return string
        return self._compiled(string).render(**self.context)

    def _compiled(self, source: str) -> Any:
        if source not in self._templates:
            self._templates[source] = self.env.from_string(source)
        return self._templates[source]

    # --- files: copier's Worker._render_template ------------------------------------------

    def digests(self) -> dict[str, str]:
        subdir = self.render_string(str(self.settings.get("subdirectory", "")))
        copy_root = (self.root / subdir).resolve()
        if not copy_root.is_relative_to(self.root.resolve()):
            raise NeedsCopier("subdirectory")
        exclude = self.settings.get("exclude", DEFAULT_EXCLUDE if subdir in ("", ".") else [])
        match_exclude = _matcher(self._exclusions(exclude))
        match_skip = _matcher(
            [self.render_string(str(p)) for p in self.settings.get("skip_if_exists", ())]
        )
        modes = _index_modes(self.root)
        result: dict[str, str] = {}
        seen: set[str] = set()
        for rel in _files(copy_root):
            dst = self._render_path(copy_root, rel)
            if dst is None or match_exclude(dst):
                continue
            if dst in seen:
                raise NeedsCopier("two files render to one path")
            seen.add(dst)
            if dst == self.answers_file or match_skip(dst):
                continue
            src_rel = (copy_root / rel).relative_to(self.root.resolve()).as_posix()
            if rel.endswith(SUFFIX):
                content = self.env.get_template(src_rel).render(**self.context).encode()
            else:
                content = (copy_root / rel).read_bytes()
            kind = "exec" if modes.get(src_rel, 0) & 0o100 else "file"
            result[dst] = f"{kind}:{hashlib.sha256(content).hexdigest()}"
        return dict(sorted(result.items()))

    def _exclusions(self, patterns: Any) -> list[str]:
        """Copier's match_exclude: each pattern rendered, then split into lines."""
        if not isinstance(patterns, list | tuple):
            raise NeedsCopier("exclude")
        lines: list[str] = []
        for pattern in patterns:
            rendered = self.env.from_string(str(pattern)).render(
                **self.context, _copier_operation="copy"
            )
            lines.extend(re.split(r"\r\n|\r|\n", rendered))
        return lines

    def _render_path(self, copy_root: Path, rel: str) -> str | None:
        """Copier's _render_path and _render_parts: the project path of template file `rel`."""
        if (copy_root / f"{rel}{SUFFIX}").exists():
            return None  # a rendered sibling `rel.jinja` wins
        is_template = rel.endswith(SUFFIX)
        parts = rel.split("/")
        if is_template:
            if parts[-1] == SUFFIX:
                raise NeedsCopier("a file named .jinja")
            parts[-1] = parts[-1].removesuffix(SUFFIX)
        rendered: list[str] = []
        for part in parts:
            if "yield" in part and _JINJA.search(part):
                raise NeedsCopier("yield")
            text = self.render_string(part)
            if not text:
                return None
            if text == self.answers_file:
                return self.answers_file
            if "/" in text or "\\" in text or text in (".", ".."):
                raise NeedsCopier("a path part that renders to a path")
            rendered.append(text)
        dst = "/".join(rendered)
        if not is_template and (self.root / f"{dst}{SUFFIX}").exists():
            return None
        return dst


class _Partial:
    """Some keys of one of copier's mappings (`_copier_conf`, `_copier_answers`).

    Only those keys can be read; any other key, and anything that would see the whole
    mapping (iterating, `items()`, a filter that dumps it), needs copier.
    """

    def __init__(self, name: str, **known: Any) -> None:
        self._name = name
        self._known = known

    def __getitem__(self, key: Any) -> Any:
        if key not in self._known:
            raise NeedsCopier(f"{self._name}.{key}")
        return self._known[key]

    def __iter__(self) -> Any:
        raise NeedsCopier(f"all of {self._name}")

    def __len__(self) -> int:
        raise NeedsCopier(f"all of {self._name}")

    def __contains__(self, key: Any) -> bool:
        raise NeedsCopier(f"{self._name} keys")

    def __str__(self) -> str:
        raise NeedsCopier(f"all of {self._name}")

    def __reduce_ex__(self, protocol: Any) -> Any:  # how YAML and pickle see any object
        raise NeedsCopier(f"all of {self._name}")

    __repr__ = __str__
    __reduce__ = __getstate__ = __copy__ = __deepcopy__ = __reduce_ex__  # type: ignore[assignment]


_MISSING = object()


def _load_config(root: Path) -> dict[str, Any]:
    found = [root / name for name in ("copier.yml", "copier.yaml") if (root / name).is_file()]
    if len(found) != 1:
        raise NeedsCopier("config file")
    text = found[0].read_text(encoding="utf-8")
    if "!include" in text or re.search(r"(?m)^(---|\.\.\.)", text):
        raise NeedsCopier("includes or several YAML documents")
    config = safe_load(text) or {}
    if not isinstance(config, dict):
        raise NeedsCopier("config")
    return config


def _check_min_version(minimum: Any, installed: str) -> None:
    if minimum is None:
        return
    from packaging.version import Version

    if Version(str(minimum)) > Version(installed):
        raise NeedsCopier("a newer copier")  # copier refuses, in its words


def _environment(root: Path) -> Any:
    """Copier's Jinja environment: sandboxed, ansible filters, trailing newlines kept."""
    from jinja2 import FileSystemLoader, Undefined
    from jinja2.sandbox import SandboxedEnvironment

    class Refused(Undefined):
        """No name is undefined here: copier may define it (and `default()` would hide it)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise NeedsCopier(f"an undefined name ({kwargs.get('name') or args[1:2]})")

    return SandboxedEnvironment(
        loader=FileSystemLoader([str(root.resolve())]),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
        undefined=Refused,
    )


def _type_name(spec: Mapping[str, Any]) -> str:
    """Copier's question type: given, or guessed from the default's Python type."""
    kind = spec.get("type")
    if kind is None:
        guessed = type(spec.get("default", _MISSING)).__name__
        kind = guessed if guessed in _CASTS else "yaml"
    if not isinstance(kind, str) or kind not in _CASTS:
        raise NeedsCopier("question type")
    return kind


def _cast_to_str(value: Any) -> str:
    """Copier's cast_to_str."""
    if isinstance(value, str):
        return value
    if isinstance(value, float | int):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.decode()
    raise NeedsCopier("an answer that is no string")


def _cast_to_bool(value: Any) -> bool:
    """Copier's cast_to_bool."""
    with suppress(TypeError, ValueError):
        return bool(float(value))
    with suppress(AttributeError):
        lower = value.strip().lower()
        if not lower:
            return False
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
        if lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
    return bool(value)


_CASTS: dict[str, Callable[[Any], Any]] = {
    "bool": _cast_to_bool,
    "float": float,
    "int": int,
    "json": json.loads,
    "str": _cast_to_str,
    "yaml": safe_load,
}


def _cast(kind: str, value: Any) -> Any:
    """Copier's Question.cast_answer (None only for json and yaml)."""
    if value is None and kind not in ("json", "yaml"):
        raise NeedsCopier("an empty answer")
    try:
        return _CASTS[kind](value)
    except (TypeError, AttributeError):
        if kind in ("json", "yaml"):
            return value
        raise NeedsCopier("an answer of another type") from None


def _plain_text(value: Any) -> bool:
    """Tell whether Jinja would render `value` as itself: one line without `{{ {% {#`.

    dlscaffold._engine makes copier skip rendering such strings the same way.
    """
    return (
        isinstance(value, str)
        and "\n" not in value
        and "\r" not in value
        and (_JINJA.search(value) is None)
    )


def _plain_scalar(value: Any) -> bool:
    return isinstance(value, int | float | bool) or (
        isinstance(value, str) and not _JINJA.search(value)
    )


def _matcher(patterns: list[str]) -> Callable[[str], bool]:
    """Copier's path matcher (pathspec, gitignore style); plain nested paths without it."""
    if not patterns:
        return lambda _path: False
    if all(_PLAIN_PATTERN.fullmatch(p) and not {".", ".."} & set(p.split("/")) for p in patterns):
        plain = tuple(patterns)  # anchored: the path itself, or anything inside it
        return lambda path: any(path == p or path.startswith(p + "/") for p in plain)
    from unicodedata import normalize

    from pathspec import PathSpec
    from pathspec import __version__ as version

    style = "gitignore" if int(version.split(".")[0]) >= 1 else "gitwildmatch"
    spec = PathSpec.from_lines(style, (normalize("NFD", p) for p in patterns))
    return spec.match_file


def _index_modes(root: Path) -> dict[str, int]:
    """The git modes of the checkout's files (copier takes the executable bit from them)."""
    out = git("ls-files", "--stage", "-z", cwd=root)
    modes = {}
    for record in filter(None, out.split("\0")):
        meta, _, rel = record.partition("\t")
        mode = int(meta.split(" ", 1)[0], 8)
        if mode in (0o120000, 0o160000):
            raise NeedsCopier("symlinks or submodules")
        modes[rel] = mode
    return modes


def _files(copy_root: Path) -> list[str]:
    """Every file under `copy_root` (POSIX, relative); a symlink needs copier."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(copy_root):
        rel_dir = os.path.relpath(dirpath, copy_root)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        for name in dirnames + filenames:
            if Path(dirpath, name).is_symlink():
                raise NeedsCopier("symlinks")
        found.extend(prefix + name for name in filenames)
    return found
