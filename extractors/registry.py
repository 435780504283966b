"""One reader per file kind, behind one registry.

A reader takes a packet member and the settings and returns a `ReadOutcome`:
the document (possibly partial) and the findings met while reading. A reader
never raises for a bad file: `FileProblem` subclasses are turned into findings here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pipeline.document import FileKind, SourceDocument
from pipeline.packet import PacketMember
from pipeline.result import Finding


@dataclass
class ReadOutcome:
    document: SourceDocument | None  # None when nothing could be read
    findings: list[Finding] = field(default_factory=list)


Reader = Callable[[PacketMember, "Settings"], ReadOutcome]  # noqa: F821


def read_member(member: PacketMember, settings) -> ReadOutcome:
    """Read one member with the reader registered for its kind."""
    raise NotImplementedError
