"""Option values converted without pydantic (cli/coercion.py) come out exactly as typer's own conversion makes them."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, get_args

import pytest
import typer.main
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import TyperArgument, TyperOption

from tenantdb.cli.app import app
from tenantdb.cli.coercion import PlainRuntimeParam
from tenantdb.cli.lazy import COMMANDS


def _parameters() -> Iterator[tuple[str, Any, TyperArgument | TyperOption]]:
    root = typer.main.get_command(app)
    context = Context(root)
    stack: list[tuple[str, Any]] = [("tenantdb", root)]
    stack += [(f"tenantdb {name}", root.get_command(context, name)) for name in COMMANDS]  # type: ignore[attr-defined]
    while stack:
        name, command = stack.pop()
        for param in [*command.params, *root.get_params(context)] if command is root else command.params:
            if isinstance(param, TyperArgument | TyperOption):
                yield name, command, param
        stack += [(f"{name} {sub_name}", sub) for sub_name, sub in getattr(command, "commands", {}).items()]


PARAMETERS = list(_parameters())
TEXTS = ["x", "", " 16", "16", "007", "-3", "1_000", "16.0", "²", "a/b", ".", "STRICT", "Strict", "nope", "~/m"]


def _samples(annotation: Any) -> list[Any]:
    element = (get_args(annotation) or (annotation,))[0] if getattr(annotation, "__origin__", None) else annotation
    values: list[Any] = [*TEXTS, 16, True, False, Path("migrations")]
    if isinstance(element, type) and issubclass(element, Enum):
        values += [*element, *(member.value for member in element), *(member.value.upper() for member in element)]
    if element is not annotation:  # a list: typer hands over a tuple of the values given
        values = [tuple(values[:3]), tuple(values), (), ["a", "b"], *[(value,) for value in values]]
    return values


def _outcome(convert: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", convert(value)
    except BadParameter as error:
        return "error", error.format_message()


def test_every_plain_parameter_of_the_cli_skips_pydantic() -> None:
    plain = [param for _, _, param in PARAMETERS if isinstance(param.get_runtime_param(), PlainRuntimeParam)]
    assert len(plain) > 0.9 * len(PARAMETERS)
    lint = next(command for name, command, _ in PARAMETERS if name == "tenantdb lint")
    assert all(isinstance(param.get_runtime_param(), PlainRuntimeParam) for param in lint.params)


@pytest.mark.parametrize(
    "param", [param for _, _, param in PARAMETERS], ids=[f"{name} {param.name}" for name, _, param in PARAMETERS]
)
def test_plain_conversion_equals_typers(param: TyperArgument | TyperOption) -> None:
    runtime = param.get_runtime_param()
    if not isinstance(runtime, PlainRuntimeParam):
        pytest.skip("converted by typer itself")
    typers = build_runtime_param(param.type_descriptor)
    assert not isinstance(typers, PlainRuntimeParam)
    context = Context(typer.main.get_command(app))
    for value in _samples(param.type_descriptor.annotation):
        ours = _outcome(lambda v: runtime.coerce(v, param=param, ctx=context), value)
        theirs = _outcome(lambda v: typers.coerce(v, param=param, ctx=context), value)
        assert ours == theirs, f"{param.name}: {value!r}"
        assert type(ours[1]) is type(theirs[1]), f"{param.name}: {value!r}"
