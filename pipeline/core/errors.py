"""One place that maps failures to exit codes and to findings.

A problem inside a packet is a `Finding`; only problems with the command itself
(a missing path, a bad option, an unwritable output folder) end the process.
"""

from __future__ import annotations

from enum import IntEnum

from pipeline.core.result import Evidence, Finding, FindingCode, Severity


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # unexpected internal error
    USAGE = 2  # bad arguments, missing input path
    OUTPUT = 3  # cannot write to the output folder


class IntakeError(Exception):
    """Base for errors that stop a command; the message tells the user what to do."""

    exit_code = ExitCode.FAILURE


class UsageError(IntakeError):
    exit_code = ExitCode.USAGE


class OutputError(IntakeError):
    exit_code = ExitCode.OUTPUT


class FileProblem(Exception):
    """Raised by a reader for a file it cannot read; becomes a finding, never an exit."""

    code = FindingCode.FILE_UNREADABLE
    severity = Severity.ERROR

    def __init__(self, file: str, reason: str, page: int | None = None):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason  # Simplified Chinese, shown to the reviewer
        self.page = page

    def to_finding(self) -> Finding:
        return Finding(
            code=self.code,
            severity=self.severity,
            message=self.message(),
            evidence=[Evidence.for_file(self.file, self.reason, page=self.page)],
        )

    def message(self) -> str:
        return f"文件“{self.file}”无法读取：{self.reason}。"


class FileUnreadable(FileProblem):
    code = FindingCode.FILE_UNREADABLE


class FileEncrypted(FileProblem):
    code = FindingCode.FILE_ENCRYPTED

    def message(self) -> str:
        return f"文件“{self.file}”设有密码保护，无法读取：请提供无密码版本，或在配置中为其设置密码。"


class FileUnsupported(FileProblem):
    code = FindingCode.FILE_UNSUPPORTED
    severity = Severity.WARNING

    def message(self) -> str:
        return f"文件“{self.file}”的类型不受支持（{self.reason}），未读取其内容。"
