"""Packet loading: one file or a folder of files → the list of members to read.

A ZIP is unpacked into a private work area (no entry may land outside it; GBK
names decoded). The kind of each member is decided by its content, not its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.document import FileKind
from pipeline.result import Finding

_UNSAFE_ID_CHARS = re.compile(r"[\s/\\\x00-\x1f\x7f]")


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


def detect_kind(path: Path) -> FileKind:
    """Kind by magic bytes (then by a look inside ZIP containers); extension only as a last hint."""
    raise NotImplementedError


def load_packet(source: Path, workdir: Path, settings) -> LoadedPacket:
    """List a packet's members in name order, unpacking ZIPs under `workdir`."""
    raise NotImplementedError
