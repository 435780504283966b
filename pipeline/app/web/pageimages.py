"""Page images for the workbench: a packet's page rendered with its evidence boxes drawn on it.

The bytes come from where the run kept the packet (`source_path`), and only while
they are still the bytes that run read (same packet hash): a county's newer file
in the same place never shows under an older run. Pages are addressed by file
index and page number, never by a path. Rendering is the reports' page source
(pypdfium2 for PDF, Pillow for images).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import ImageDraw

from pipeline.app.batch import file_hashes, packet_hash
from pipeline.app.store import StoredRun
from pipeline.core.settings import Settings
from pipeline.intake.packet import load_packet
from pipeline.reports.crops import CropSettings, MemberFile, _PageSource, members_by_name

BOX_COLOUR = (220, 30, 30)
KEPT_PACKETS = 8


class PageImages:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._root = Path(tempfile.mkdtemp(prefix="cluster-intake-web-"))
        self._members: OrderedDict[int, dict[str, MemberFile]] = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)

    def members(self, run: StoredRun) -> dict[str, MemberFile]:
        """The run's member files on disk; empty when its bytes are gone or have changed."""
        with self._lock:
            if run.id in self._members:
                self._members.move_to_end(run.id)
                return self._members[run.id]
            members: dict[str, MemberFile] = {}
            source = Path(run.source_path) if run.source_path else None
            try:
                if source is not None and source.exists() and packet_hash(source, file_hashes(source)) == run.packet_hash:
                    members = members_by_name(load_packet(source, self._root / str(run.id), self.settings))
            except OSError:
                members = {}
            self._members[run.id] = members
            while len(self._members) > KEPT_PACKETS:
                old, _ = self._members.popitem(last=False)
                shutil.rmtree(self._root / str(old), ignore_errors=True)
            return members

    def has_pages(self, run: StoredRun, file: str) -> bool:
        member = self.members(run).get(file)
        return member is not None and member.kind.value in ("pdf", "image")

    def render(self, run: StoredRun, file: str, page: int, boxes: list[list[float]], zoom: float = 1.0) -> bytes:
        """PNG of one page with `boxes` ([x0, top, x1, bottom] in points) outlined. LookupError if none."""
        source = _PageSource(self.members(run), CropSettings(render_dpi=110.0 * zoom))
        try:
            image, px_per_pt = source.render(file, page)
        finally:
            source.close()
        draw = ImageDraw.Draw(image)
        for x0, top, x1, bottom in boxes:
            draw.rectangle([x0 * px_per_pt - 2, top * px_per_pt - 2, x1 * px_per_pt + 2, bottom * px_per_pt + 2],
                           outline=BOX_COLOUR, width=max(2, round(2 * zoom)))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
