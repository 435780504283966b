"""Packet loading: one file or a folder of files → the list of members to read.

A ZIP is unpacked into a private work area (no entry may land outside it; GBK
names decoded). The kind of each member is decided by its content, not its name.

Hostile input is expected: every refused entry (unsafe path, symlink, over a
size/count/ratio limit, nested too deep, encrypted, corrupt) becomes a `Finding`
naming the entry, and loading goes on with the rest of the packet.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.core.document import FileKind
from pipeline.core.filetypes import RATIO_CHECK_FLOOR, ZIP_OPEN_ERRORS, detect_kind
from pipeline.core.errors import FileEncrypted, FileProblem, FileUnreadable, FileUnsupported, UsageError
from pipeline.core.result import Finding

_UNSAFE_ID_CHARS = re.compile(r"[\s/\\\x00-\x1f\x7f]")

MAX_ZIP_DEPTH = 2  # a ZIP packet (depth 1) may hold ZIPs (depth 2); deeper ones are refused
_CHUNK = 1024 * 1024

_SKIPPED_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "__macosx"}
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_NATURAL_PART = re.compile(r"(\d+)")


def packet_id_for(path: Path) -> str:
    """Contract: the file or folder name without extension; spaces, slashes and controls → `_`."""
    name = path.name if path.is_dir() else path.stem
    return _UNSAFE_ID_CHARS.sub("_", name) or "_"


@dataclass
class PacketMember:
    name: str  # path within the packet, forward slashes (shown to reviewers)
    path: Path  # where the bytes are on disk
    kind: FileKind
    sha256: str


@dataclass
class LoadedPacket:
    packet_id: str
    source: Path
    members: list[PacketMember] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # problems met while unpacking


# --------------------------------------------------------------------------- kinds


# --------------------------------------------------------------------------- names


def natural_key(name: str) -> list[tuple[int, int | str]]:
    """Name order as a person reads it: "2 xx" before "10 xx"."""
    return [(0, int(part)) if part.isdigit() else (1, part.casefold()) for part in _NATURAL_PART.split(name) if part]


def _is_skipped(parts: tuple[str, ...]) -> bool:
    """System litter and Office lock files are not part of the packet."""
    return any(p.startswith(".") or p.startswith("~$") or p.casefold() in _SKIPPED_NAMES for p in parts)


def decode_entry_name(info: zipfile.ZipInfo) -> str:
    """The entry name as its author wrote it: UTF-8 when flagged, else GBK (Chinese Windows)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename  # zipfile already decoded it some other way
    if raw.isascii():
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe_name_reason(name: str) -> str | None:
    if "\x00" in name:
        return "文件名含有空字符"
    if name.startswith(("/", "\\")) or _DRIVE_LETTER.match(name):
        return "使用绝对路径，可能写到解压目录之外"
    if ".." in name.replace("\\", "/").split("/"):
        return "路径含有“..”，可能写到解压目录之外"
    return None


def _is_symlink_entry(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- unpacking


@dataclass
class _Budget:
    """Limits shared by every archive of one packet, nested ones included."""

    entries_left: int
    bytes_left: int
    max_entry_bytes: int
    max_ratio: float


class _EntryRefused(Exception):
    """Internal: one ZIP entry is refused; carries the finding-bearing problem."""

    def __init__(self, problem: FileProblem):
        super().__init__(problem.reason)
        self.problem = problem


@dataclass
class _Unpacker:
    workdir: Path
    budget: _Budget
    members: list[PacketMember] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    _archives: int = 0
    _names_used: set[str] = field(default_factory=set)

    def unique_name(self, name: str) -> str:
        """`name`, or `name` marked 重名N when an archive holds the same path twice (both are kept)."""
        candidate, copy = name, 1
        while candidate in self._names_used:
            copy += 1
            path = PurePosixPath(name)
            marked = f"{path.stem}（重名{copy}）{path.suffix}"
            candidate = str(path.with_name(marked)) if path.name and path.name not in (".", "..") else f"{name}（重名{copy}）"
        self._names_used.add(candidate)
        return candidate

    def add_file(self, path: Path, name: str, depth: int) -> None:
        """A file of the packet: a member, or an archive to unpack (depth = archive nesting so far)."""
        try:
            kind = detect_kind(path)
            if kind is not FileKind.ZIP:
                self.members.append(PacketMember(name=name, path=path, kind=kind, sha256=_hash_file(path)))
                return
        except OSError as error:  # permissions, a vanished file, an I/O error on the medium
            self.findings.append(FileUnreadable(name, f"无法打开文件（{_one_line(error)}）").to_finding())
            return
        self.unpack(path, name, name + "/", depth + 1)

    def unpack(self, archive_path: Path, archive_name: str, prefix: str, depth: int) -> None:
        """Members of one archive, named `prefix` + entry path; `archive_name` names it in findings."""
        if depth > MAX_ZIP_DEPTH:
            self.findings.append(
                FileUnsupported(archive_name, f"压缩包嵌套超过 {MAX_ZIP_DEPTH} 层，未解压；请将其中文件直接放入申报材料").to_finding()
            )
            return
        try:
            archive = zipfile.ZipFile(archive_path)
        except ZIP_OPEN_ERRORS as error:
            self.findings.append(FileUnreadable(archive_name, f"压缩包已损坏，无法打开（{_one_line(error)}）").to_finding())
            return
        with archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > self.budget.entries_left:
                self.findings.append(
                    FileUnreadable(
                        archive_name, f"压缩包内文件数（{len(infos)}）超过上限（剩余 {self.budget.entries_left} 个），整包未解压"
                    ).to_finding()
                )
                return
            self.budget.entries_left -= len(infos)
            self._archives += 1
            target_dir = self.workdir / f"unzipped-{self._archives:03d}"
            target_dir.mkdir(parents=True, exist_ok=False)
            named = sorted(((decode_entry_name(i).replace("\\", "/"), i) for i in infos), key=lambda p: natural_key(p[0]))
            for index, (entry_name, info) in enumerate(named):
                display = self.unique_name(prefix + entry_name)  # as stored: a refused "/abs" path is shown as it is
                parts = tuple(p for p in entry_name.split("/") if p)
                if _is_skipped(parts) and _unsafe_name_reason(entry_name) is None:
                    continue
                try:
                    extracted = self._extract(archive, info, entry_name, display, target_dir, index)
                except _EntryRefused as refused:
                    self.findings.append(refused.problem.to_finding())
                    continue
                self.add_file(extracted, display, depth)

    def _extract(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry_name: str, display: str, target_dir: Path, index: int) -> Path:
        """Copy one entry to `target_dir` under a generated name, counting bytes against the limits.
        An entry refused by policy (unsafe path, symlink, over a limit) is FILE_UNSUPPORTED, a
        warning: the packet is not incomplete because of it. A damaged entry is FILE_UNREADABLE."""
        unsafe = _unsafe_name_reason(entry_name)
        if unsafe:
            raise _EntryRefused(FileUnsupported(display, f"压缩包条目{unsafe}，已拒绝解压"))
        if _is_symlink_entry(info):
            raise _EntryRefused(FileUnsupported(display, "压缩包条目是符号链接，已拒绝解压"))
        if info.flag_bits & 0x1:
            raise _EntryRefused(FileEncrypted(display, "压缩包条目设有密码"))
        limit = min(self.budget.max_entry_bytes, self.budget.bytes_left)
        if info.file_size > self.budget.max_entry_bytes:
            raise _EntryRefused(FileUnsupported(display, f"解压后大小（{info.file_size} 字节）超过单个文件上限，已拒绝解压"))
        if info.file_size > self.budget.bytes_left:
            raise _EntryRefused(FileUnsupported(display, "解压后总大小超过上限，已拒绝解压"))
        if info.file_size > RATIO_CHECK_FLOOR and info.file_size > self.budget.max_ratio * max(info.compress_size, 1):
            raise _EntryRefused(FileUnsupported(display, "压缩比异常（疑似压缩炸弹），已拒绝解压"))

        suffix = PurePosixPath(entry_name).suffix.lower()
        safe_suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""
        target = target_dir / f"{index:05d}{safe_suffix}"
        if not target.resolve().is_relative_to(self.workdir.resolve()):
            raise _EntryRefused(FileUnsupported(display, "解压目标在工作目录之外，已拒绝解压"))
        written = 0
        try:
            with archive.open(info) as source, open(target, "xb") as sink:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    written += len(chunk)
                    ratio_exceeded = written > RATIO_CHECK_FLOOR and written > self.budget.max_ratio * max(info.compress_size, 1)
                    if written > limit or ratio_exceeded:
                        raise _EntryRefused(FileUnsupported(display, "解压时数据量超过上限（疑似压缩炸弹），已停止解压"))
                    sink.write(chunk)
        except _EntryRefused:
            target.unlink(missing_ok=True)
            raise
        except NotImplementedError as error:
            target.unlink(missing_ok=True)
            raise _EntryRefused(FileUnsupported(display, f"压缩方式不受支持：{_one_line(error)}")) from error
        except RuntimeError as error:  # zipfile: encrypted entry without a password
            target.unlink(missing_ok=True)
            raise _EntryRefused(FileEncrypted(display, _one_line(error))) from error
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError) as error:
            target.unlink(missing_ok=True)
            raise _EntryRefused(FileUnreadable(display, f"压缩包条目已损坏（{_one_line(error)}）")) from error
        self.budget.bytes_left -= written
        return target


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:160]


def _folder_files(root: Path, findings: list[Finding]) -> list[tuple[str, Path]]:
    """(name within the packet, path) of every file under `root`, system litter skipped."""
    found: list[tuple[str, Path]] = []
    root_resolved = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not _is_skipped((d,))]
        for filename in filenames:
            path = Path(dirpath) / filename
            rel = path.relative_to(root).as_posix()
            if _is_skipped(tuple(rel.split("/"))):
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root_resolved):
                findings.append(FileUnreadable(rel, "是指向材料目录之外的符号链接，未读取").to_finding())
                continue
            if not path.is_file() and not path.is_symlink():
                continue  # FIFOs, sockets, devices: never opened (a FIFO would block)
            if not path.exists():
                findings.append(FileUnreadable(rel, "是指向不存在文件的符号链接").to_finding())
                continue
            found.append((rel, path))
    return sorted(found, key=lambda item: natural_key(item[0]))


def load_packet(source: Path, workdir: Path, settings) -> LoadedPacket:
    """List a packet's members in name order, unpacking ZIPs under `workdir`."""
    source = Path(source)
    if not source.exists():
        raise UsageError(f"找不到申报材料：{source}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    packet = LoadedPacket(packet_id=packet_id_for(source), source=source)
    unpacker = _Unpacker(
        workdir=workdir,
        budget=_Budget(
            entries_left=settings.zip_max_entries,
            bytes_left=settings.zip_max_total_bytes,
            max_entry_bytes=settings.zip_max_entry_bytes,
            max_ratio=settings.zip_max_ratio,
        ),
    )
    if source.is_dir():
        for name, path in _folder_files(source, unpacker.findings):
            unpacker.add_file(path, name, depth=0)
    elif detect_kind(source) is FileKind.ZIP:
        unpacker.unpack(source, source.name, "", depth=1)
        if not unpacker.members and not unpacker.findings:
            unpacker.findings.append(FileUnreadable(source.name, "压缩包内没有可读取的文件").to_finding())
    else:
        unpacker.add_file(source, source.name, depth=0)
    packet.members = unpacker.members
    packet.findings = unpacker.findings
    return packet


