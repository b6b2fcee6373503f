"""Option values of plain types (text, whole numbers, flags, choices, paths, lists of them) converted without pydantic.

typer 0.29 converts every parameter of the command that runs through a pydantic ``TypeAdapter``: importing pydantic
and building the adapters is most of ``tenantdb lint``'s start-up after Python itself. click has already split the
command line; what is left is turning ``"16"`` into ``16`` or ``"strict"`` into ``LintProfile.STRICT``, which
:func:`convert_plainly` does with typer's own helpers. Whatever it cannot decide (a malformed number, an unknown
choice, a bound to check) goes to typer's conversion, so values and error messages stay exactly typer's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, get_args, get_origin

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import choice_coercion_annotation, coerce_cli_choice, coerce_cli_path, routes_to_path
from typer.core import TyperArgument, TyperOption, _TyperParameter

if TYPE_CHECKING:
    from typer import _click as click  # typer bundles click; only its types are needed here

UNDECIDED: Final = object()
"""What a converter returns for a value it leaves to typer."""

Converter = Callable[[Any, _TyperParameter, "click.Context"], Any]


def convert_plainly(param: click.Parameter) -> None:
    """Let ``param`` convert its values without pydantic when its type is a plain one (else leave it to typer)."""
    if not isinstance(param, TyperArgument | TyperOption) or param._runtime_param is not None:
        return
    descriptor = param.type_descriptor
    if descriptor.file_annotation is not None:
        return
    convert = _converter(descriptor)
    if convert is not None:
        param._runtime_param = PlainRuntimeParam(
            parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, convert=convert
        )


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """typer's conversion of one parameter, by ``convert`` where it decides, else by typer's (pydantic) adapter."""

    convert: Converter

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: click.Context) -> Any:
        converted = self.convert(value, param, ctx)
        if converted is not UNDECIDED:
            return converted
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


def _converter(descriptor: TypeDescriptor) -> Converter | None:
    annotation: Any = descriptor.annotation
    if get_origin(annotation) is list:
        (element,) = get_args(annotation)
        each = _leaf(element, descriptor)
        return None if each is None else _each(each)
    return _leaf(annotation, descriptor)


def _leaf(annotation: Any, descriptor: TypeDescriptor) -> Converter | None:
    info = descriptor.parameter_info
    if info.parser is not None:
        return None
    choice = choice_coercion_annotation(annotation, info)
    if choice is not None:
        choices, case_sensitive = choice
        return lambda value, _, ctx: _choice(value, choices, case_sensitive, ctx)
    if annotation is str:
        return lambda value, *_: value if type(value) is str else UNDECIDED
    if annotation is bool:
        return lambda value, *_: value if type(value) is bool else UNDECIDED
    if annotation is int and info.min is None and info.max is None:
        return lambda value, *_: _whole_number(value)
    path = info.path_type is None and isinstance(annotation, type) and issubclass(annotation, Path)
    if path and routes_to_path(annotation, info):
        return lambda value, param, ctx: _path(value, annotation, param, ctx)
    return None


def _each(convert: Converter) -> Converter:
    def convert_all(value: Any, param: _TyperParameter, ctx: click.Context) -> Any:
        if not isinstance(value, list | tuple):
            return UNDECIDED
        converted = [convert(item, param, ctx) for item in value]
        return UNDECIDED if any(item is UNDECIDED for item in converted) else converted

    return convert_all


def _choice(value: Any, choices: tuple[Any, ...], case_sensitive: bool, ctx: click.Context) -> Any:
    try:
        return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
    except ValueError:  # typer words the message
        return UNDECIDED


def _whole_number(value: Any) -> Any:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return UNDECIDED


def _path(value: Any, path_type: type[Any], param: _TyperParameter, ctx: click.Context) -> Any:
    if isinstance(value, str) and value:
        value = path_type(value)
    if not isinstance(value, path_type):
        return UNDECIDED
    return coerce_cli_path(value, param.type_descriptor.parameter_info, path_type=path_type, param=param, ctx=ctx)
