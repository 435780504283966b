"""Tesseract against RapidOCR on the same generated scanned pages, through `ocr_image`.

Each engine reads every page of `sample_docs.generate` scanned packets through the
real `extractors.ocr.page.ocr_image` path (deskew, leader removal, orientation, line
grouping), two pages at a time on two threads as `extractors.readers.pdf` does.
Reported: character error rate (Levenshtein distance over whitespace-stripped
text, dot leaders removed, "丶"/"、" and "一"/"—" folded together on both sides,
divided by the reference length; mean over pages), wall seconds per page, and CPU
seconds per page (this process plus its finished Tesseract children: a measure
the other jobs on a shared machine disturb less than wall time). Engines are
interleaved within every repeat so that load changes hit them alike.

    .venv/bin/python -m benchmarks.ocr_engines [--seeds 3,11] [--repeats 3] [--target-dpis 110,170]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from rapidfuzz.distance import Levenshtein

from extractors.ocr.engine import OcrEngine
from extractors.ocr.page import ocr_image
from extractors.ocr.tesseract import TesseractEngine
from extractors.readers.pdf import render_pdf_page
from extractors.ocr.rapidocr import RapidOcrEngine, default_thread_count
from pipeline.core.settings import Settings
from sample_docs.generate import generate_packet


@dataclass(frozen=True)
class ScannedPage:
    name: str
    image: Image.Image
    dpi: int
    reference: str


_LEADER = re.compile(r"[.…·]{3,}")
_FOLD = str.maketrans({"丶": "、", "—": "一"})


def comparable(text: str) -> str:
    """Whitespace and dot leaders removed (layout, not content); RapidOCR's two look-alikes folded."""
    return _LEADER.sub("", "".join(text.split())).translate(_FOLD)


def character_error_rate(read: str, reference: str) -> float:
    ref = comparable(reference)
    return Levenshtein.distance(comparable(read), ref) / max(1, len(ref))


def scanned_pages(seeds: list[int], dpi: int, folder: Path) -> list[ScannedPage]:
    """Every page of one generated scanned packet per seed, rendered as the PDF reader renders it."""
    pages = []
    for seed in seeds:
        truth = generate_packet("scanned", folder / f"seed{seed}", seed=seed)
        for file_name, texts in truth["page_text"].items():
            path = folder / f"seed{seed}" / "packets" / file_name
            for number, text in sorted(texts.items(), key=lambda kv: int(kv[0])):
                image = render_pdf_page(path, file_name, int(number), dpi, None)
                pages.append(ScannedPage(f"s{seed}-p{number}", image, dpi, text))
    return pages


@dataclass
class Run:
    wall_s_per_page: float
    cpu_s_per_page: float
    cer_by_page: dict[str, float]

    @property
    def cer(self) -> float:
        return statistics.mean(self.cer_by_page.values())


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def read_all(pages: list[ScannedPage], engine: OcrEngine, settings: Settings) -> Run:
    """All pages through `ocr_image` on `settings.workers` threads."""
    def one(page: ScannedPage) -> str:
        read, _ = ocr_image(page.image, page.name, 1, settings, dpi=page.dpi, engine=engine)
        return read.text()

    wall, cpu = time.perf_counter(), _cpu_seconds()
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        texts = list(pool.map(one, pages))
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    errors = {p.name: character_error_rate(t, p.reference) for p, t in zip(pages, texts)}
    return Run(wall / len(pages), cpu / len(pages), errors)


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/ocr_engines.md"))
    parser.add_argument("--seeds", default="3,11")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target-dpis", default="110,170", help="resolutions RapidOCR reads at (its target_dpi)")
    args = parser.parse_args()

    settings = Settings(use_cache=False)
    seeds = [int(s) for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory(prefix="ocr-engines-") as tmp:
        pages = scanned_pages(seeds, settings.ocr_dpi, Path(tmp))
    threads = default_thread_count(settings.workers)
    engines: dict[str, OcrEngine] = {"Tesseract（chi_sim，psm 3）": TesseractEngine.from_settings(settings)}
    for target in [float(d) for d in args.target_dpis.split(",")]:
        engines[f"RapidOCR（按 {target:g} dpi 识别）"] = RapidOcrEngine(
            threads=threads, target_dpi=target, orientation=TesseractEngine.from_settings(settings))
    # warm-up: RapidOCR loads its models on first use; not part of a page's time
    for engine in engines.values():
        ocr_image(pages[0].image, "warm-up", 1, settings, dpi=pages[0].dpi, engine=engine)

    loads = [_load()]
    runs: dict[str, list[Run]] = {label: [] for label in engines}
    for repeat in range(args.repeats):
        for label, engine in engines.items():
            run = read_all(pages, engine, settings)
            runs[label].append(run)
            print(f"repeat {repeat + 1} {label}: CER {run.cer:.2%}, {run.wall_s_per_page:.2f} s/page wall, "
                  f"{run.cpu_s_per_page:.2f} CPU s/page", flush=True)
        loads.append(_load())

    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    command = (f".venv/bin/python -m benchmarks.ocr_engines --seeds {args.seeds} --repeats {args.repeats} "
               f"--target-dpis {args.target_dpis}")
    lines = [
        "# OCR 引擎对比：Tesseract 与 RapidOCR",
        "",
        f"命令：`{command}`",
        "",
        f"日期：{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC。环境：{os.cpu_count()} 核，Python {platform.python_version()}，"
        f"{version}（OMP_THREAD_LIMIT=1），rapidocr_onnxruntime 1.4.4（PP-OCRv4，每页 ONNX 线程数 {threads}）。",
        f"页面：`sample_docs.generate` 的 scanned 样本（种子 {args.seeds}），共 {len(pages)} 页，"
        f"按 PDF 读取器的方式以 {settings.ocr_dpi} dpi 渲染；均经 `extractors.ocr.page.ocr_image` 全流程，"
        f"{settings.workers} 个线程同时读两页（与 `extractors.readers.pdf` 相同）。",
        "字符错误率 = 去空白、去目录引导点、“丶”与“、”及“一”与“—”视为相同后的 Levenshtein 距离 / 参考文本长度（逐页平均）。",
        "每页耗时 = 全部页面墙钟时间 / 页数；每页 CPU 秒 = 本进程及 Tesseract 子进程的 CPU 时间 / 页数。"
        f"每个引擎测 {args.repeats} 次（引擎交替进行），取中位数，括号内为最小–最大。",
        "",
        "测定期间本机负载（`uptime`，其他工程师的测试同时在跑，墙钟时间只宜横向比较）：",
        "",
        *[f"- `{load}`" for load in loads],
        "",
        "| 引擎 | 平均字符错误率 | 每页耗时 (秒) | 每页 CPU (秒) |",
        "|---|---|---|---|",
    ]

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f}（{min(values):.2f}–{max(values):.2f}）"

    for label, engine_runs in runs.items():
        lines.append(f"| {label} | {statistics.median(r.cer for r in engine_runs):.2%} | "
                     f"{spread([r.wall_s_per_page for r in engine_runs])} | {spread([r.cpu_s_per_page for r in engine_runs])} |")
    lines += ["", "逐页字符错误率（第 1 次）：", "", "| 页 | " + " | ".join(runs) + " |", "|---" * (len(runs) + 1) + "|"]
    for page in pages:
        lines.append(f"| {page.name} | " + " | ".join(f"{r[0].cer_by_page[page.name]:.1%}" for r in runs.values()) + " |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
