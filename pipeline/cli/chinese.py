"""The console in Chinese: typer's help and click's usage errors, worded for the operator.

typer 0.29 prints a required argument as `{packet}` in the usage line and a flag as
`--direct <bool>`; these command classes print `用法：cluster-intake process [选项] 材料`
and plain flags, and put every parameter into the 参数 / 选项 panels.
"""

from __future__ import annotations

from typer._click import core as click_core, exceptions as click_errors  # typer 0.29 vendors click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

ARGUMENTS_PANEL = "参数"
OPTIONS_PANEL = "选项"
COMMANDS_PANEL = "命令"
HELP_TEXT = "显示本帮助并退出"


def _localise_params(command: click_core.Command) -> None:
    for param in command.params:
        if getattr(param, "rich_help_panel", None) is None:
            param.rich_help_panel = ARGUMENTS_PANEL if isinstance(param, TyperArgument) else OPTIONS_PANEL
        if isinstance(param, TyperArgument):
            param.display_type_rich = lambda ctx: None  # the name column already says what it is
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # no `<bool>` after a flag


def _usage(command: click_core.Command, ctx: click_core.Context) -> str:
    pieces = []
    for piece in command.collect_usage_pieces(ctx):
        pieces.append(piece.replace("[OPTIONS]", f"[{OPTIONS_PANEL}]"))
    return f"用法：{ctx.command_path} {' '.join(pieces)}".rstrip()


def _help_option(command: click_core.Command, ctx: click_core.Context) -> TyperOption | None:
    option = click_core.Command.get_help_option(command, ctx)
    if option is not None:
        option.help = HELP_TEXT
        option.rich_help_panel = OPTIONS_PANEL
        option.metavar = ""
    return option


class ChineseCommand(TyperCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _localise_params(self)

    def collect_usage_pieces(self, ctx: click_core.Context) -> list[str]:
        pieces = [f"[{OPTIONS_PANEL}]"] if self.get_params(ctx) else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or param.name.upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def get_usage(self, ctx: click_core.Context) -> str:
        return _usage(self, ctx)

    def get_help_option(self, ctx: click_core.Context) -> TyperOption | None:
        return _help_option(self, ctx)


class ChineseGroup(TyperGroup):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _localise_params(self)

    def collect_usage_pieces(self, ctx: click_core.Context) -> list[str]:
        return [f"[{OPTIONS_PANEL}]", "命令", "[参数]..."]

    def get_usage(self, ctx: click_core.Context) -> str:
        return _usage(self, ctx)

    def get_help_option(self, ctx: click_core.Context) -> TyperOption | None:
        return _help_option(self, ctx)


def usage_error_line(exc: click_errors.ClickException) -> str:
    """click's usage error as one Chinese clause (the parameter names kept as typed)."""
    if isinstance(exc, click_errors.NoSuchOption):
        hint = f"；是否想用 {', '.join(sorted(exc.possibilities))}" if exc.possibilities else ""
        return f"未知选项 {exc.option_name}{hint}"
    if isinstance(exc, click_errors.MissingParameter):
        param = exc.param
        if param is None:
            return "缺少必需的参数"
        if isinstance(param, TyperOption):
            return f"缺少必需的选项 {param.opts[0]}"
        return f"缺少必需的参数 {param.metavar or (param.name or '').upper()}"
    if isinstance(exc, click_errors.BadOptionUsage):
        return f"选项 {exc.option_name} 用法有误：{exc.message}"
    if isinstance(exc, click_errors.BadParameter):
        name = exc.param.opts[0] if isinstance(exc.param, TyperOption) else (exc.param_hint or "参数")
        return f"{name} 的值无效：{exc.message}"
    message = exc.format_message()
    if message.startswith("No such command"):
        return f"未知命令：{message.split(' ', 3)[-1].strip('.')}"
    if message.startswith("Got unexpected extra argument"):
        return f"多余的参数：{message.split('(', 1)[-1].rstrip(')')}"
    return f"用法错误：{message}"
