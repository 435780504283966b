"""Helpers for the format tests: convert generated files with LibreOffice, process packets, compare results."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.core.settings import Settings


def soffice_convert(sources: list[Path], target: str, out_dir: Path) -> list[Path]:
    """`sources` converted to `target` ("doc", "xls", "rtf") in `out_dir`, in one LibreOffice run."""
    with tempfile.TemporaryDirectory(prefix="ci-test-lo-") as profile:
        subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--convert-to", target, "--outdir", str(out_dir), *map(str, sources)],
                       check=True, capture_output=True, timeout=300)
    converted = [out_dir / f"{s.stem}.{target}" for s in sources]
    assert all(p.is_file() for p in converted), converted
    return converted


def process(packet: Path, out: Path, data_dir: Path, **overrides) -> dict:
    """One packet through the real driver (worker pool, limits), its result.json."""
    from pipeline.app.driver import process_packet

    settings = Settings(data_dir=data_dir, use_cache=False, **overrides)
    result = process_packet(packet, out, settings)
    return json.loads((out / result.packet_id / "result.json").read_text(encoding="utf-8"))


_EXT = re.compile(r"\.(docx|xlsx|doc|xls|wps|et|rtf|ofd|pdf|png|jpg|bin)\b")


def comparable(result: dict) -> dict:
    """What must be equal whatever format carried the content: indicator values, lists, findings.

    List evidence boxes are left out (compare them with a tolerance where it matters);
    file extensions are dropped from names (a converted file keeps its own name, which
    differs from the original's only there).
    """
    def names(value):
        return _EXT.sub("", value) if isinstance(value, str) else value

    def strip(value):
        if isinstance(value, dict):
            # positions are compared apart, within a tolerance (OFD stores millimetres to 0.001)
            return {k: (names(v) if k == "file" else strip(v)) for k, v in value.items() if k != "bbox"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    indicators = {k: v["value"] for k, v in result["indicators"].items()}
    evidence_files = sorted({names(v["evidence"]["file"]) for v in result["indicators"].values() if v["evidence"]})
    findings = sorted((f["code"], f["severity"], f["item"], f["field"], tuple(sorted({names(e["file"]) for e in f["evidence"]})))
                      for f in result["findings"])
    return {"indicators": indicators, "evidence_files": evidence_files, "lists": strip(result["lists"]),
            "findings": findings, "cover": result["cover"],
            "sections": [(s["item"], s["present"], s["empty"], names(s["file"])) for s in result["sections"]]}


def copy_packet(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
