"""`cluster-intake`: process, batch, watch, serve, evaluate.

Failures of the command itself become exit codes here and only here (`_run`, `main`);
problems inside a packet are findings in its result. Every failure is one Chinese line
on stderr: 2 a usage error, 3 an output that cannot be written, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from typer._click import exceptions as click_errors  # typer 0.29 vendors click
import typer
from rich.console import Console

from pipeline.cli import interrupt, workbench
from pipeline.cli.chinese import ChineseCommand, ChineseGroup, usage_error_line
from pipeline.cli.progress import ConsoleProgress
from pipeline.core.errors import ExitCode, IntakeError, OutputError, UsageError
from pipeline.core.result import status_label
from pipeline.core.settings import Settings
from pipeline.core.version import CODE_VERSION, __version__

PROG = "cluster-intake"

app = typer.Typer(
    cls=ChineseGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="中小企业特色产业集群申报材料的读取与形式审查：逐份检查材料，写出审查结论与问题清单。",
)
console = Console(stderr=True)


def _command(**kwargs):
    return app.command(cls=ChineseCommand, rich_help_panel="命令", **kwargs)


def _version(value: bool) -> None:
    if value:
        print(f"{PROG} {__version__}（代码版本 {CODE_VERSION}）")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="显示版本并退出"),
) -> None:
    """中小企业特色产业集群申报材料的读取与形式审查：逐份检查材料，写出审查结论与问题清单。"""


def _fail(message: str) -> None:
    print(f"{PROG}：{message}", file=sys.stderr)


def _settings(ruleset: Optional[str]) -> Settings:
    settings = Settings()
    if ruleset:
        from pipeline.rounds.ruleset import available_rulesets  # lazy: start-up time (each command loads only what it runs)

        if ruleset not in available_rulesets():
            raise UsageError(f"未知的审查规则版本 {ruleset!r}；可用：{'、'.join(available_rulesets())}")
        settings.ruleset = ruleset
    return settings


def _require_path(path: Path, what: str) -> None:
    if not path.exists():
        raise UsageError(f"找不到{what}：{path}")


def _require_packet(path: Path) -> None:
    from pipeline.app.batch import not_a_packet  # lazy: start-up time (each command loads only what it runs)

    _require_path(path, "申报材料")
    reason = not_a_packet(path)
    if reason is not None:
        raise UsageError(f"不是申报材料：{reason}")


def _require_inbox(inbox: Path) -> None:
    _require_path(inbox, "收件夹")
    if not inbox.is_dir():
        raise UsageError(f"收件夹不是文件夹：{inbox}")


def _require_writable(out: Path) -> None:
    """The output folder exists (created if needed) and takes a file, or exit 3 naming it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise OutputError(out, exc) from None


@contextmanager
def _writing_to(out: Path):
    """An OSError on a path inside `out` is an output that cannot be written (exit 3)."""
    try:
        yield
    except OSError as exc:
        for name in (exc.filename, exc.filename2):
            if name and _inside(Path(os.fsdecode(name)), out):
                raise OutputError(name, exc) from None
        raise


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _run(fn) -> None:
    """Run a command body: `IntakeError` → its exit code, an interrupt → 130, one line each."""
    try:
        fn()
    except KeyboardInterrupt:
        interrupt.leave()
    except IntakeError as exc:
        if interrupt.interrupted():
            interrupt.leave()
        _fail(str(exc))
        raise typer.Exit(int(exc.exit_code))
    except Exception as exc:  # an internal failure: one line, the traceback only on request
        if interrupt.interrupted():  # a worker ended by the interrupt, seen by a thread
            interrupt.leave()
        if os.environ.get("CLUSTER_INTAKE_DEBUG"):
            raise
        _fail(f"内部错误：{type(exc).__name__}：{exc}（设置 CLUSTER_INTAKE_DEBUG=1 可查看详细信息）")
        raise typer.Exit(int(ExitCode.FAILURE))


def _counts_line(counts: dict) -> str:
    return f"错误 {counts['error']}，警告 {counts['warning']}"


@_command()
def process(
    packet: Path = typer.Argument(..., metavar="材料", help="一份申报材料：PDF、Word、图片、Excel、ZIP，或存放这些文件的文件夹",
                                  show_default=False),
    out: Path = typer.Option(..., "--out", metavar="目录", help="输出目录；结果写入 目录/<材料编号>/"),
    ruleset: Optional[str] = typer.Option(None, "--ruleset", metavar="版本", help="审查规则版本，如 2022（默认按填报日期选择）"),
) -> None:
    """审查一份申报材料：写出 result.json、report.html 和 report.xlsx。"""

    def body() -> None:
        _require_packet(packet)
        settings = _settings(ruleset)
        _require_writable(out)
        from pipeline.app.recorded import process_recorded  # lazy: start-up time

        progress = ConsoleProgress(console)
        progress.start_packet(packet.name)
        with _writing_to(out), progress.running():
            result = process_recorded(packet, out, settings, progress=progress)
        console.print(
            f"{result.packet_id}：{status_label(result.status)}（{_counts_line(result.counts())}）→ "
            f"{out / result.packet_id / 'result.json'}",
            highlight=False, soft_wrap=True,
        )

    _run(body)


@_command()
def batch(
    inbox: Path = typer.Argument(..., metavar="收件夹", help="其中每个文件或子文件夹为一份申报材料"),
    out: Path = typer.Option(..., "--out", metavar="目录", help="输出目录"),
    ruleset: Optional[str] = typer.Option(None, "--ruleset", metavar="版本", help="审查规则版本，如 2022（默认按填报日期选择）"),
    direct: bool = typer.Option(False, "--direct", help="不经 Prefect，直接运行各处理步骤"),
) -> None:
    """审查收件夹中的每份申报材料，写出 summary.xlsx、batch.json 和 report.html。"""

    def body() -> None:
        _require_inbox(inbox)
        settings = _settings(ruleset)
        _require_writable(out)
        from pipeline.app.batch import inbox_needs_processing  # lazy: start-up time (each command loads only what it runs)

        with _writing_to(out):
            if direct or not inbox_needs_processing(inbox, settings):
                results = _direct_batch(inbox, out, settings)  # an unchanged re-run reuses stored results, no server
            else:
                os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # read when prefect is imported
                from flows.batch_flow import run_batch_flow  # lazy: start-up time (each command loads only what it runs)

                results = _flow_batch(run_batch_flow, inbox, out, settings)
        console.print(f"{_batch_line(results)} → {out / 'summary.xlsx'}，{out / 'batch.json'}", highlight=False,
                      soft_wrap=True)

    _run(body)


def _direct_batch(inbox: Path, out: Path, settings: Settings):
    from pipeline.app.batch import describe, inbox_packets, run_batch  # lazy: start-up time (each command loads only what it runs)
    from pipeline.app.driver import process_packet  # lazy: start-up time (each command loads only what it runs)

    progress = ConsoleProgress(console)

    def processor(source: Path, out_dir: Path, packet_settings: Settings):
        progress.start_packet(source.name)
        return process_packet(source, out_dir, packet_settings, progress=progress)

    with progress.running():
        progress.batch(len(inbox_packets(inbox)))
        return run_batch(inbox, out, settings, progress=lambda name, outcome: progress.packet_done(name, describe(outcome)),
                         processor=processor)


def _flow_batch(run_batch_flow, inbox: Path, out: Path, settings: Settings):
    """The Prefect batch: its own logs stay at warnings (PREFECT_LOGGING_LEVEL, unless set), and
    each packet's result is printed here, once."""
    from pipeline.app.batch import describe  # lazy: start-up time (each command loads only what it runs)

    results = run_batch_flow(inbox, out, settings)
    progress = ConsoleProgress(console)
    for outcome in results:
        progress.packet_done(outcome.packet_id, describe(outcome))
    return results


def _batch_line(outcomes) -> str:
    from pipeline.app.batch import PacketFailure  # lazy: start-up time (each command loads only what it runs)

    by_status: dict[str, int] = {}
    for outcome in outcomes:
        key = "error" if isinstance(outcome, PacketFailure) else str(getattr(outcome.status, "value", outcome.status))
        by_status[key] = by_status.get(key, 0) + 1
    parts = [f"{status_label(key)} {by_status[key]}" for key in ("pass", "review", "fail", "error") if by_status.get(key)]
    return f"共 {len(outcomes)} 份" + (f"：{'，'.join(parts)}" if parts else "")


@_command()
def watch(
    inbox: Path = typer.Argument(..., metavar="收件夹", help="投递申报材料的文件夹"),
    out: Path = typer.Option(..., "--out", metavar="目录", help="输出目录"),
    quiet_seconds: float = typer.Option(5.0, "--quiet-seconds", metavar="秒", help="材料在这么多秒内不再变化后才处理"),
    direct: bool = typer.Option(False, "--direct", help="不经 Prefect，直接运行各处理步骤"),
) -> None:
    """监视收件夹：每份材料停止变化后处理一次，重启后不丢失、不重复。"""

    def body() -> None:
        import logging

        _require_inbox(inbox)
        _require_writable(out)
        from pipeline.app.watcher import run_watcher  # lazy: start-up time (each command loads only what it runs)

        if direct:
            from pipeline.app.batch import default_processor as processor  # lazy: start-up time (each command loads only what it runs)
        else:
            from flows.packet_flow import packet_via_flow as processor  # lazy: start-up time (each command loads only what it runs)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
        logging.getLogger("watchdog").setLevel(logging.WARNING)  # its shutdown chatter is not about packets
        logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl.": not for reviewers
        with _writing_to(out):
            run_watcher(inbox, out, Settings(), quiet_seconds=quiet_seconds, processor=processor)

    _run(body)


@_command()
def serve(
    inbox: Path = typer.Option(Path("inbox"), "--inbox", metavar="收件夹", help="投递申报材料的文件夹"),
    out: Path = typer.Option(Path("out"), "--out", metavar="目录", help="输出目录"),
    cron: str = typer.Option("0 2 * * *", "--cron", metavar="CRON", help="夜间复查的时间表（cron 表达式）"),
    timezone: str = typer.Option("Asia/Shanghai", "--timezone", metavar="时区", help="时间表所用时区"),
) -> None:
    """注册并运行 Prefect 部署：收件夹监视与夜间复查。"""

    def body() -> None:
        from flows.deployments import serve_all  # lazy: start-up time (each command loads only what it runs)

        serve_all(inbox, out, cron=cron, timezone=timezone)

    _run(body)


@_command()
def evaluate(
    truth_dir: Path = typer.Argument(..., metavar="标准答案目录", help="存放 <材料编号>.json 标准答案的文件夹"),
    results_dir: Path = typer.Argument(..., metavar="结果目录", help="存放 <材料编号>/result.json 的文件夹"),
    json_out: Optional[Path] = typer.Option(None, "--json", metavar="文件", help="另将完整评分写入此文件"),
    detail: bool = typer.Option(False, "--detail", help="另逐个变体打印一行，并列出每处差错"),
) -> None:
    """将结果与生成器的标准答案比对评分，打印一行汇总。"""

    def body() -> None:
        _require_path(truth_dir, "标准答案目录")
        _require_path(results_dir, "结果目录")
        from pipeline.app.evaluate import evaluate_dirs  # lazy: start-up time (each command loads only what it runs)

        scores = evaluate_dirs(truth_dir, results_dir)
        if json_out:
            with _writing_to(json_out.parent):
                json_out.write_text(scores.to_json(), encoding="utf-8")
        print(scores.summary_line())
        if detail:
            for line in scores.variant_lines():
                print(line)
            for mistake in scores.overall.mistakes:
                print("  " + mistake)

    _run(body)


workbench.register(app, _run, _command)  # history, users, web, notice


def main(argv: list[str] | None = None) -> None:
    """Console entry: click's usage errors become one Chinese line and exit 2; Ctrl-C exit 130."""
    interrupt.install()
    args = sys.argv[1:] if argv is None else argv
    try:
        if not args:
            app(args=["--help"], prog_name=PROG, standalone_mode=False)
            return
        returned = app(args=args, prog_name=PROG, standalone_mode=False)
    except KeyboardInterrupt:
        interrupt.leave()
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        interrupt.leave()  # click turns a KeyboardInterrupt outside a command body into Abort
    except click_errors.NoArgsIsHelpError as exc:  # `cluster-intake process`: its help, as asked
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except click_errors.ClickException as exc:  # click's UsageError family (vendored by typer)
        _fail(usage_error_line(exc))
        sys.exit(int(ExitCode.USAGE) if isinstance(exc, click_errors.UsageError) else exc.exit_code)
    if isinstance(returned, int):
        sys.exit(returned)


if __name__ == "__main__":
    main()
