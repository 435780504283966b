"""One measured run in a child process, so peak memory and start-up are its own.

    python -m benchmarks.measure ours PACKET OUT JSON [--engine tesseract|rapidocr]
    python -m benchmarks.measure naive PACKET OUT JSON
    python -m benchmarks.measure batch INBOX OUT JSON

Writes JSON with wall seconds, stage seconds, pages and the text read per page
(for the character error rate). The parent samples the RSS of the whole process
tree (Tesseract children included).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _page_texts(docs) -> dict[str, dict[str, str]]:
    return {d.name: {str(p.number): p.text() for p in d.pages} for d in docs}


def measure_ours(packet: Path, out: Path, engine: str) -> dict:
    from pipeline.app.driver import run_packet
    from pipeline.core.settings import Settings

    settings = Settings(use_cache=False, ocr_engine=engine, data_dir=out / "data")
    start = time.perf_counter()
    result, docs = run_packet(packet, out, settings)
    wall = time.perf_counter() - start
    pages = sum(len(d.pages) for d in docs)
    ocr_pages = sum(len(d.ocr_pages) for d in docs)
    return {"wall_s": wall, "pages": pages, "ocr_pages": ocr_pages, "stages": result.timings, "texts": _page_texts(docs)}


def measure_naive(packet: Path, out: Path) -> dict:
    """The baseline a first attempt would write: pdfplumber, then Tesseract chi_sim on every page, serially."""
    import pdfplumber
    import pytesseract

    start = time.perf_counter()
    texts: dict[str, str] = {}
    with pdfplumber.open(packet) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            image = page.to_image(resolution=300).original
            text = pytesseract.image_to_string(image, lang="chi_sim", config="--dpi 300")
            texts[str(page.page_number)] = text
    wall = time.perf_counter() - start
    return {"wall_s": wall, "pages": len(texts), "ocr_pages": len(texts), "stages": {}, "texts": {packet.name: texts}}


def measure_batch(inbox: Path, out: Path) -> dict:
    """Two runs of `cluster-intake batch` over the same inbox: first, then unchanged."""
    import subprocess

    cli = Path(sys.executable).with_name("cluster-intake")
    env = dict(os.environ, CLUSTER_INTAKE_DATA_DIR=str(out / "data"))
    runs = []
    for label in ("first", "rerun"):
        start = time.perf_counter()
        subprocess.run([str(cli), "batch", str(inbox), "--out", str(out / "results")], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        runs.append(time.perf_counter() - start)
    packets = len([p for p in inbox.iterdir() if not p.name.startswith(".")])
    return {"first_s": runs[0], "rerun_s": runs[1], "packets": packets}


def main(argv: list[str]) -> int:
    mode, source, out, json_out = argv[0], Path(argv[1]), Path(argv[2]), Path(argv[3])
    engine = argv[5] if len(argv) > 5 and argv[4] == "--engine" else "tesseract"
    out.mkdir(parents=True, exist_ok=True)
    if mode == "ours":
        report = measure_ours(source, out, engine)
    elif mode == "naive":
        report = measure_naive(source, out)
    elif mode == "batch":
        report = measure_batch(source, out)
    else:
        raise SystemExit(f"unknown mode {mode}")
    json_out.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
