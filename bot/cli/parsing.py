"""Click, parsing as the command line always has: ``-h`` and ``--help``, a long option shortened
to any unique prefix (``--js`` for ``--json``), commands listed in the order they were added,
and a usage error as one ``PROG: error: MESSAGE`` line under the usage, in the words it always
had ("the following arguments are required: question", "invalid choice", "unrecognized
arguments"), exit code 2.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import click

HELP_OPTIONS = ["-h", "--help"]


class ArgumentError(click.UsageError):
    """A usage error whose message is already in the command line's own words."""


class UnrecognizedArguments(ArgumentError):
    """Arguments no command takes: reported against the whole program, as they always were."""

    def __init__(self, arguments: Sequence[str], ctx: click.Context | None = None) -> None:
        super().__init__(f"unrecognized arguments: {' '.join(arguments)}", ctx)


class Converted(click.ParamType):
    """A value converted by a function (``int``, ``float``, ``date.fromisoformat``); one it
    refuses is "invalid int value: 'x'"."""

    def __init__(self, convert: Callable[[str], object]) -> None:
        self.convert_text = convert
        self.name = getattr(convert, "__name__", repr(convert))

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):  # a default, already converted
            return value
        try:
            return self.convert_text(value)
        except (TypeError, ValueError):
            self.fail(f"invalid {self.name} value: {value!r}", param, ctx)


def parameter_name(param: click.Parameter) -> str:
    """How a usage error names a parameter: ``-o/--output``, or an argument's metavar ("FILE[:SPLIT]",
    without the "..." of several) or name."""
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return (param.metavar or param.name or "?").removesuffix("...")


def long_options(params: Sequence[click.Parameter]) -> dict[str, click.Option]:
    return {
        name: param
        for param in params
        if isinstance(param, click.Option)
        for name in [*param.opts, *param.secondary_opts]
        if name.startswith("--")
    }


def with_full_option_names(args: Sequence[str], ctx: click.Context) -> list[str]:
    """``args`` with each long option of ``ctx``'s command given by a unique prefix spelt in
    full; an ambiguous prefix, or a value given to a flag, is a usage error."""
    options = long_options(ctx.command.get_params(ctx))
    spelt: list[str] = []
    for position, arg in enumerate(args):
        if arg == "--":
            return [*spelt, *args[position:]]
        if not arg.startswith("--"):
            spelt.append(arg)
            continue
        name, equals, value = arg.partition("=")
        if name not in options:
            matches = [option for option in options if option.startswith(name)]
            if len(matches) > 1:
                raise ArgumentError(f"ambiguous option: {arg} could match {', '.join(matches)}", ctx)
            name = matches[0] if matches else name
        option = options.get(name)
        if option is not None and option.is_flag and equals:
            message = f"argument {parameter_name(option)}: ignored explicit argument {value!r}"
            raise ArgumentError(message, ctx)
        spelt.append(name + equals + value)
    return spelt


def first_paragraph(command: click.Command) -> str:
    """A command's help in the list of commands: its first paragraph, whole (not shortened)."""
    return inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0].replace("\n", " ")


class Command(click.Command):
    """A command whose extra arguments, missing arguments and long option prefixes are handled
    as they always were."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["context_settings"] = {"allow_extra_args": True, **(kwargs.get("context_settings") or {})}
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        return first_paragraph(self)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = with_full_option_names(args, ctx)
        try:
            extra = super().parse_args(ctx, list(args))  # click's parser consumes the list it is given
        except click.MissingParameter as exc:
            missing = ", ".join(self.missing_parameters(ctx, args))
            raise ArgumentError(f"the following arguments are required: {missing}", ctx) from exc
        except click.UsageError as exc:
            if exc.ctx is None:  # the parser's own errors ("requires an argument") name no command
                exc.ctx = ctx
            raise
        if extra and not ctx.resilient_parsing:
            raise UnrecognizedArguments(extra, ctx)
        return extra

    def missing_parameters(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Every required parameter ``args`` leave out, in order (click stops at the first)."""
        probe = self.make_context(ctx.info_name, list(args), parent=ctx.parent, resilient_parsing=True)
        return [
            parameter_name(param)
            for param in self.get_params(probe)
            if param.required and param.name and probe.params.get(param.name) in (None, ())
        ]


class Group(click.Group):
    """A group of commands, listed in the order they were added; ``dest`` is what a usage error
    calls the missing or unknown command."""

    command_class = Command

    def __init__(self, name: str, dest: str, **attrs: Any) -> None:
        super().__init__(
            name,
            callback=self.require_command,
            invoke_without_command=True,
            subcommand_metavar="COMMAND [ARGS]...",
            **attrs,
        )
        self.dest = dest

    def require_command(self) -> None:
        ctx = click.get_current_context()
        if ctx.invoked_subcommand is None:
            raise ArgumentError(f"the following arguments are required: {self.dest}", ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_short_help_str(self, limit: int = 45) -> str:
        return first_paragraph(self)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Only the options before the command name are the group's own.
        own = next((n for n, arg in enumerate(args) if not arg.startswith("-")), len(args))
        try:
            return super().parse_args(ctx, [*with_full_option_names(args[:own], ctx), *args[own:]])
        except click.NoSuchOption as exc:
            if own < len(args):  # reported once the command has parsed its own arguments
                raise
            raise ArgumentError(f"the following arguments are required: {self.dest}", ctx) from exc


def error_message(error: click.UsageError) -> str:
    """A usage error's message, in the command line's own words where click's differ."""
    if isinstance(error, ArgumentError):
        return error.message
    if isinstance(error, click.exceptions.NoSuchCommand) and error.ctx is not None:
        group = error.ctx.command
        choices = ", ".join(repr(name) for name in getattr(group, "commands", {}))
        dest = getattr(group, "dest", "command")
        return f"argument {dest}: invalid choice: {error.command_name!r} (choose from {choices})"
    if isinstance(error, click.NoSuchOption):
        return f"unrecognized arguments: {error.option_name}"
    if isinstance(error, click.MissingParameter) and error.param is not None:
        return f"the following arguments are required: {parameter_name(error.param)}"
    if isinstance(error, click.BadParameter) and error.param is not None:
        return f"argument {parameter_name(error.param)}: {error.message}"
    if isinstance(error, click.BadOptionUsage) and error.ctx is not None:
        options = [param for param in error.ctx.command.params if isinstance(param, click.Option)]
        option = next((param for param in options if error.option_name in param.opts), None)
        name = parameter_name(option) if option is not None else error.option_name
        return f"argument {name}: expected one argument"
    return error.format_message()


def usage_error_text(error: click.UsageError, program: str) -> str:
    """The usage of the command the error is about, then ``PROG: error: MESSAGE``."""
    ctx = error.ctx
    if ctx is not None and isinstance(error, UnrecognizedArguments | click.NoSuchOption):
        ctx = ctx.find_root()
    if ctx is None:
        return f"{program}: error: {error_message(error)}"
    usage = ctx.get_usage().removeprefix("Usage: ")
    return f"usage: {usage}\n{ctx.command_path}: error: {error_message(error)}"
