"""Progress for the person at the console: rich bars on a terminal, plain lines otherwise.

On a terminal (stderr): one bar for the packets of a batch, one for the current packet's
files read and pages OCR'd, each with its count and the time left. Not a terminal (a log
file, CI): plain lines on stdout, one when a stage starts and at every tenth of a long
step, so that stderr keeps to the one line of a failure.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, \
    TimeRemainingColumn


class ConsoleProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.plain = Console(highlight=False, soft_wrap=True)  # stdout
        self._bars: Progress | None = None
        self._packets: TaskID | None = None
        self._step: TaskID | None = None
        self._step_what: str | None = None
        self._packet = ""
        self._last_tenth = -1

    @contextmanager
    def running(self) -> Iterator["ConsoleProgress"]:
        if not self.live:
            yield self
            return
        self._bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(),
                              console=self.console, transient=True)
        with self._bars:
            yield self
        self._bars = None

    def batch(self, total: int) -> None:
        if self._bars is not None:
            self._packets = self._bars.add_task("申报材料", total=total)
        else:
            self._line(f"共 {total} 份申报材料待处理")

    def packet_done(self, name: str, line: str) -> None:
        if self._bars is not None and self._packets is not None:
            self._bars.advance(self._packets)
            self._bars.console.print(f"{name}：{line}", highlight=False, soft_wrap=True)
        else:
            self._line(f"{name}：{line}")

    def start_packet(self, name: str) -> None:
        self._packet = name
        self._step_what = None

    def __call__(self, what: str, done: int, total: int) -> None:
        """The driver's hook."""
        label = f"{self._packet}：{what}" if self._packet else what
        if self._bars is not None:
            if total == 0:  # a stage started: the step bar shows its name
                if self._step is None:
                    self._step = self._bars.add_task(label, total=None)
                else:
                    self._bars.reset(self._step, description=label, total=None)
                return
            if what != self._step_what:
                self._step_what = what
                self._bars.reset(self._step, description=label, total=total)
            self._bars.update(self._step, completed=done, total=total)
            return
        if total == 0:
            self._line(label)
            return
        tenth = done * 10 // total
        if done == 0 or tenth != self._last_tenth and (tenth * total) // 10 <= done:
            if done == 0 or total >= 5 or done == total:
                self._line(f"{label} {done}/{total}")
            self._last_tenth = tenth

    def _line(self, text: str) -> None:
        self.plain.print(f"{time.strftime('%H:%M:%S')} {text}")
