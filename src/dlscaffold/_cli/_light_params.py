"""Plain parameters without pydantic: a start-up cost every command otherwise pays.

Recent typer versions coerce every non-flag parameter through a pydantic `TypeAdapter`:
importing pydantic and building the adapters costs about 0.3 s of CPU per command, more
than a warm `dlscaffold check` needs for all its work. dlscaffold's parameters are plain
flags, strings and paths (or lists of them) without typer's path checks, which need no
validation beyond what the parser already did. `install` makes typer build a plain
converter for exactly those and leaves every other parameter to typer. With a typer that
has no such internals (older or newer), it changes nothing.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _to_bool(value: Any) -> bool:
    """A flag's value: a bool as given, or one of the words click accepts for a bool."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    import typer

    raise typer.BadParameter(f"{value!r} is not a valid boolean.")


_PLAIN: dict[Any, Callable[[Any], Any]] = {str: str, Path: Path, bool: _to_bool}


def install() -> bool:
    """Let typer coerce plain bool/str/Path parameters without pydantic; True if installed."""
    try:
        import typer.core as core
        from typer._coercion import RuntimeParam
    except ImportError:
        return False
    original = getattr(core, "build_runtime_param", None)
    if original is None or getattr(original, "light", False):
        return original is not None

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        convert: Callable[[Any], Any] = str
        many: bool = False

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.many:
                return [self.convert(item) for item in value]
            return self.convert(value)

    def build_runtime_param(descriptor: Any) -> Any:
        plain = _plain_converter(descriptor)
        if plain is None:
            return original(descriptor)
        convert, many = plain
        return PlainRuntimeParam(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            convert=convert,
            many=many,
        )

    build_runtime_param.light = True  # type: ignore[attr-defined]
    core.build_runtime_param = build_runtime_param
    return True


def _plain_converter(descriptor: Any) -> tuple[Callable[[Any], Any], bool] | None:
    """The converter of a plain bool/str/Path parameter (and whether it takes many); else None."""
    info = descriptor.parameter_info
    checks = ("parser", "path_type", "exists", "writable", "resolve_path", "allow_dash")
    if any(getattr(info, name, True) for name in checks):
        return None
    if not (getattr(info, "file_okay", False) and getattr(info, "dir_okay", False)):
        return None
    annotation, many = _without_none(descriptor.annotation), False
    if get_origin(annotation) is list and len(get_args(annotation)) == 1:
        annotation, many = get_args(annotation)[0], True
    convert = _PLAIN.get(annotation)
    return None if convert is None else (convert, many)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation
