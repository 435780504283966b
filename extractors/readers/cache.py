"""Content-hash cache of read documents, so an unchanged file is never read (or OCR'd) twice.

Key: the file's sha256, the reader's version and the settings that change what a
reader produces. Value: the `SourceDocument` and the findings met while reading.
The same bytes may come back under another name, so a loaded entry is re-stamped
with the member's current name.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from pydantic import ValidationError

from pipeline.core.atomic import write_text_atomic
from pipeline.core.document import SourceDocument, Table
from pipeline.core.result import Finding

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
READING_SETTINGS = ("ocr_engine", "ocr_lang", "ocr_dpi", "ocr_psm", "ocr_confidence_floor", "max_image_pixels")


def cache_key(sha256: str, reader_version: str, settings) -> str:
    """One key per (content, reader version, reading settings)."""
    material = {"sha256": sha256, "reader": reader_version, "format": CACHE_FORMAT}
    material.update({name: getattr(settings, name, None) for name in READING_SETTINGS})
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _entry_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / "documents" / key[:2] / f"{key}.json"


def store(cache_dir: Path, key: str, document: SourceDocument, findings: list[Finding]) -> None:
    """Write one entry atomically (temp file + os.replace): readers never see half an entry."""
    path = _entry_path(cache_dir, key)
    payload = {
        "name": document.name,
        "document": json.loads(document.model_dump_json()),
        "findings": [json.loads(f.model_dump_json()) for f in findings],
    }
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False))


def load(cache_dir: Path, key: str, name: str) -> tuple[SourceDocument, list[Finding]] | None:
    """The cached document and findings re-stamped with `name`, or None on a miss."""
    path = _entry_path(cache_dir, key)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("cache entry %s unreadable, reading the file again: %s", path, error)
        return None
    try:
        document = SourceDocument.model_validate(payload["document"])
        findings = [Finding.model_validate(f) for f in payload["findings"]]
        cached_name = payload["name"]
    except (KeyError, TypeError, ValidationError) as error:
        log.warning("cache entry %s does not match the current model, reading the file again: %s", path, error)
        return None
    return restamp(document, findings, cached_name, name)


def restamp(document: SourceDocument, findings: list[Finding], old_name: str, new_name: str) -> tuple[SourceDocument, list[Finding]]:
    """Point the document, every provenance and every finding at `new_name`."""
    document.name = new_name
    for page in document.pages:
        for block in page.blocks:
            block.prov.file = new_name
            if isinstance(block, Table):
                for row in block.rows:
                    for cell in row:
                        cell.prov.file = new_name
    if old_name != new_name:
        for finding in findings:
            finding.message = finding.message.replace(old_name, new_name)
            for evidence in finding.evidence:
                if evidence.file == old_name:
                    evidence.file = new_name
    return document, findings
