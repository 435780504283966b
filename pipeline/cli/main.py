"""`cluster-intake`: process, batch, watch, serve, evaluate.

Failures of the command itself become exit codes here and only here; problems
inside a packet are findings in its result.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from pipeline.cli import workbench
from pipeline.core.errors import ExitCode, IntakeError, UsageError
from pipeline.core.settings import Settings

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Reads 中小企业特色产业集群 application packets, checks them and reports the gaps.",
)
console = Console(stderr=True)


def _settings(ruleset: Optional[str]) -> Settings:
    settings = Settings()
    if ruleset:
        from pipeline.rounds.ruleset import available_rulesets

        if ruleset not in available_rulesets():
            raise UsageError(f"unknown ruleset {ruleset!r}; available: {', '.join(available_rulesets())}")
        settings.ruleset = ruleset
    return settings


def _require_path(path: Path, what: str) -> None:
    if not path.exists():
        raise UsageError(f"{what} not found: {path}")


def _run(fn) -> None:
    """Run a command body, mapping `IntakeError` to its exit code with one line on stderr."""
    try:
        fn()
    except IntakeError as exc:
        print(f"cluster-intake: error: {exc}", file=sys.stderr)
        raise typer.Exit(int(exc.exit_code))
    except Exception as exc:  # an internal failure: one line, the traceback only on request
        if os.environ.get("CLUSTER_INTAKE_DEBUG"):
            raise
        print(f"cluster-intake: internal error: {type(exc).__name__}: {exc} (set CLUSTER_INTAKE_DEBUG=1 for the traceback)",
              file=sys.stderr)
        raise typer.Exit(int(ExitCode.FAILURE))


@app.command()
def process(
    packet: Path = typer.Argument(..., help="a PDF, DOCX, image, XLSX, ZIP, or a folder of those"),
    out: Path = typer.Option(..., "--out", help="output folder; results go to OUT/<packet_id>/"),
    ruleset: Optional[str] = typer.Option(None, "--ruleset", help="criteria round, e.g. 2022 (default: from 填报日期)"),
) -> None:
    """Process one packet: result.json, report.html and report.xlsx."""

    def body() -> None:
        _require_path(packet, "packet")
        from pipeline.app.recorded import process_recorded

        result = process_recorded(packet, out, _settings(ruleset))
        counts = result.counts()
        console.print(
            f"{result.packet_id}: {result.status} (错误 {counts['error']}, 警告 {counts['warning']}) → "
            f"{out / result.packet_id / 'result.json'}",
            highlight=False,
        )

    _run(body)


@app.command()
def batch(
    inbox: Path = typer.Argument(..., help="folder whose every file or sub-folder is one packet"),
    out: Path = typer.Option(..., "--out", help="output folder"),
    ruleset: Optional[str] = typer.Option(None, "--ruleset"),
    direct: bool = typer.Option(False, "--direct", help="run the stages without Prefect"),
) -> None:
    """Process every packet in INBOX and write summary.xlsx, batch.json and report.html."""

    def body() -> None:
        _require_path(inbox, "inbox")
        if not inbox.is_dir():
            raise UsageError(f"inbox is not a folder: {inbox}")
        settings = _settings(ruleset)
        from pipeline.app.batch import inbox_needs_processing, run_batch

        if direct or not inbox_needs_processing(inbox, settings):
            results = run_batch(inbox, out, settings)  # an unchanged re-run reuses stored results, no server
        else:
            from flows.batch_flow import run_batch_flow

            results = run_batch_flow(inbox, out, settings)
        console.print(f"{len(results)} packets → {out / 'summary.xlsx'}, {out / 'batch.json'}", highlight=False)

    _run(body)


@app.command()
def watch(
    inbox: Path = typer.Argument(..., help="the drop folder"),
    out: Path = typer.Option(..., "--out", help="output folder"),
    quiet_seconds: float = typer.Option(5.0, "--quiet-seconds", help="a packet is taken once unchanged this long"),
    direct: bool = typer.Option(False, "--direct", help="run the stages without Prefect"),
) -> None:
    """Watch a drop folder and process each packet once it has stopped changing."""

    def body() -> None:
        _require_path(inbox, "inbox")
        from pipeline.app.watcher import run_watcher

        if direct:
            from pipeline.app.batch import default_processor as processor
        else:
            from flows.packet_flow import packet_via_flow as processor
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
        logging.getLogger("watchdog").setLevel(logging.WARNING)  # its shutdown chatter is not about packets
        run_watcher(inbox, out, Settings(), quiet_seconds=quiet_seconds, stop_event=stop, processor=processor)

    _run(body)


@app.command()
def serve(
    inbox: Path = typer.Option(Path("inbox"), "--inbox", help="the drop folder"),
    out: Path = typer.Option(Path("out"), "--out", help="output folder"),
    cron: str = typer.Option("0 2 * * *", "--cron", help="nightly batch schedule"),
    timezone: str = typer.Option("Asia/Shanghai", "--timezone"),
) -> None:
    """Register and serve the Prefect deployments: the watcher and the nightly batch."""

    def body() -> None:
        from flows.deployments import serve_all

        serve_all(inbox, out, cron=cron, timezone=timezone)

    _run(body)


@app.command()
def evaluate(
    truth_dir: Path = typer.Argument(..., help="folder of <packet_id>.json ground-truth files"),
    results_dir: Path = typer.Argument(..., help="folder of <packet_id>/result.json"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="also write the full scores here"),
    detail: bool = typer.Option(False, "--detail", help="also print one line per variant and every mistake"),
) -> None:
    """Score results against the generator's ground truth; print one summary line."""

    def body() -> None:
        _require_path(truth_dir, "truth folder")
        _require_path(results_dir, "results folder")
        from pipeline.app.evaluate import evaluate_dirs

        scores = evaluate_dirs(truth_dir, results_dir)
        if json_out:
            json_out.write_text(scores.to_json(), encoding="utf-8")
        print(scores.summary_line())
        if detail:
            for line in scores.variant_lines():
                print(line)
            for mistake in scores.overall.mistakes:
                print("  " + mistake)

    _run(body)


workbench.register(app, _run)  # history, users, web, notice


def main(argv: list[str] | None = None) -> None:
    """Console entry: click's multi-line usage errors become one line and exit 2."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        app(args=["--help"])
        return
    try:
        returned = app(args=args, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(int(ExitCode.FAILURE))
    except typer.TyperException as exc:  # click's UsageError family (vendored by typer)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print(f"cluster-intake: error: {message}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", int(ExitCode.USAGE)))
    if isinstance(returned, int):
        sys.exit(returned)


if __name__ == "__main__":
    main()
