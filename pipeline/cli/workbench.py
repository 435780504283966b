"""The workbench's commands: `history`, `users add`, `web` and `notice` (registered by `main`).

Like `main`, the command bodies import what they run when they run: `--help` and
the other commands do not pay for the store, FastAPI and uvicorn.
"""

from __future__ import annotations

import signal
import socket
from enum import Enum
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from pipeline.cli.chinese import ChineseCommand, ChineseGroup
from rich.console import Console

from pipeline.core.errors import OutputError, UsageError
from pipeline.core.settings import Settings

class Role(str, Enum):
    REVIEWER = "reviewer"
    ADMIN = "admin"


users_app = typer.Typer(cls=ChineseGroup, no_args_is_help=True, add_completion=False, help="管理审查工作台的用户。")


def register(app: typer.Typer, run: Callable[[Callable[[], None]], None], command: Callable[..., Any]) -> None:
    """Add the commands to the CLI; `run` maps failures to exit codes (main's `_run`), `command`
    declares a command as main's own are (Chinese help, one panel)."""

    @command()
    def history(
        packet_id: Optional[str] = typer.Argument(None, metavar="材料编号", help="只列出这一材料编号的处理记录"),
        limit: int = typer.Option(200, "--limit", help="最多列出多少条"),
    ) -> None:
        """列出结果库中记录的每一次处理（最新在前，北京时间）。"""

        def body() -> None:
            from rich.table import Table

            from pipeline.app.schema import local_text  # lazy: start-up time (each command loads only what it runs)
            from pipeline.app.store import ResultStore  # lazy: start-up time (each command loads only what it runs)
            from pipeline.core.result import status_label  # lazy: start-up time (each command loads only what it runs)

            store = ResultStore.from_settings(Settings())
            try:
                runs = store.history(packet_id, limit=limit)
            finally:
                store.close()
            if packet_id and not runs:
                raise UsageError(f"结果库中没有材料编号 {packet_id} 的处理记录")
            table = Table(show_lines=False, header_style="bold")
            for name in ("时间（北京）", "材料编号", "集群名称", "结论", "错误", "警告", "规则", "代码版本", "方式"):
                table.add_column(name, no_wrap=name in ("时间（北京）", "代码版本"))
            for r in runs:
                table.add_row(local_text(r.finished_at), r.packet_id, r.cluster_name or "", status_label(r.status.value),
                              str(r.errors), str(r.warnings), r.ruleset or r.ruleset_requested, r.code_version,
                              r.origin)
            Console(width=200 if not sys.stdout.isatty() else None).print(table)

        run(body)

    @users_app.command("add", cls=ChineseCommand, rich_help_panel="命令")
    def users_add(
        name: str = typer.Argument(..., metavar="用户名", help="用户名"),
        role: Role = typer.Option(..., "--role", help="reviewer（审查人员）或 admin（管理员）"),
    ) -> None:
        """新建工作台用户；密码从标准输入读取（一行）。"""

        def body() -> None:
            from pipeline.app.reviews import UserExists  # lazy: start-up time (each command loads only what it runs)
            from pipeline.app.workbench import Workbench  # lazy: start-up time (each command loads only what it runs)

            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise UsageError("未从标准输入读到密码")
            bench = Workbench.from_settings(Settings())
            try:
                bench.reviews.add_user(name, role.value, password)
            except UserExists:
                raise UsageError(f"用户 {name} 已存在") from None
            finally:
                bench.close()
            print(f"已创建用户 {name}（{role.value}）", file=sys.stderr)

        run(body)

    app.add_typer(users_app, name="users", rich_help_panel="命令")

    @command()
    def web(
        host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只接受本机访问）"),
        port: int = typer.Option(8080, "--port", help="端口"),
    ) -> None:
        """启动审查工作台（网页），直到收到 Ctrl-C 或 SIGTERM。"""

        try:
            run(lambda: serve_web(host, port))
        except KeyboardInterrupt:
            print("已中断", file=sys.stderr)
            raise typer.Exit(130) from None

    @command()
    def notice(
        packet_id: str = typer.Argument(..., metavar="材料编号", help="材料编号"),
        out: Path = typer.Option(..., "--out", help="输出的 DOCX 文件"),
    ) -> None:
        """生成该材料最近一次处理的补正通知（DOCX）。"""

        def body() -> None:
            from pipeline.app.notice import write_notice  # lazy: start-up time (each command loads only what it runs)
            from pipeline.app.workbench import NotFound, Workbench  # lazy: start-up time (each command loads only what it runs)

            bench = Workbench.from_settings(Settings())
            try:
                view = bench.packet(packet_id)
            except NotFound:
                raise UsageError(f"结果库中没有材料编号 {packet_id} 的处理结果") from None
            finally:
                bench.close()
            try:
                write_notice(view, out)
            except OSError as exc:
                raise OutputError(f"无法写入 {out}：{exc.strerror or exc}") from None
            print(f"补正通知 → {out}", file=sys.stderr)

        run(body)


def _interrupt(*_):
    raise KeyboardInterrupt


def _check_bindable(host: str, port: int) -> None:
    """A taken port or a bad address is a usage error of one line, before anything starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as exc:
        raise UsageError(f"无法在 {host}:{port} 上启动工作台：{exc.strerror or exc}") from None


def serve_web(host: str, port: int) -> None:
    """uvicorn over the workbench app; SIGINT/SIGTERM end it as KeyboardInterrupt after a graceful stop."""
    import uvicorn

    from pipeline.app.web.server import create_app  # lazy: start-up time (each command loads only what it runs)
    from pipeline.app.workbench import Workbench  # lazy: start-up time (each command loads only what it runs)

    _check_bindable(host, port)
    settings = Settings()
    bench = Workbench.from_settings(settings)
    signal.signal(signal.SIGTERM, _interrupt)  # uvicorn re-raises the signal after its graceful shutdown
    print(f"审查工作台：http://{host}:{port}/", file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(create_app(bench, settings.data_dir, settings), host=host, port=port,
                                           log_level="warning"))
    try:
        server.run()  # a signal comes back as KeyboardInterrupt once the server has stopped
    finally:
        bench.close()
    if not server.started:
        raise UsageError(f"无法在 {host}:{port} 上启动工作台（端口被占用或地址无效）")
