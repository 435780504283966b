"""One place that maps failures to exit codes and to findings.

A problem inside a packet is a `Finding`; only problems with the command itself
(a missing path, a bad option, an unwritable output folder) end the process.
"""

from __future__ import annotations

import errno
from enum import IntEnum

from pipeline.core.result import Evidence, Finding, FindingCode, Severity


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # unexpected internal error
    USAGE = 2  # bad arguments, missing input path
    OUTPUT = 3  # cannot write to the output folder
    INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)


class IntakeError(Exception):
    """Base for errors that stop a command; the message tells the user what to do."""

    exit_code = ExitCode.FAILURE


class UsageError(IntakeError):
    exit_code = ExitCode.USAGE


class OutputError(IntakeError):
    """An output that cannot be written; the message names the path."""

    exit_code = ExitCode.OUTPUT

    def __init__(self, path, error: BaseException | str) -> None:
        reason = error if isinstance(error, str) else _OS_REASONS.get(getattr(error, "errno", None)) or str(error)
        super().__init__(f"无法写入输出：{path}（{reason}）")
        self.path = path


_OS_REASONS = {
    errno.EEXIST: "已有同名文件，不是文件夹",
    errno.ENOTDIR: "路径中有同名文件，不是文件夹",
    errno.EISDIR: "是一个文件夹",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "只读文件系统",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已满",
    errno.ENOENT: "上级目录不存在",
}


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
