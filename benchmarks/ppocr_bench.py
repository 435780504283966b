"""PP-OCRv6 (tiny, with and without the small-model re-read) against Tesseract, through `ocr_image`.

Pages: every page of `sample_docs.generate` scanned packets (200-dpi JPEG scans) and, when
the development set is present, the pages of its two scans (D04, D12), rendered as the PDF
reader renders them. Each engine reads all pages in a pool of two spawned worker
processes with one thread each (the project's worker policy), so each measurement
includes the real per-process cold start.

Reported per engine and page set: character errors with whitespace removed, widths
folded (NFKC), dot leaders dropped and "丶" read as "、" — `ordered` is the edit
distance in reading order, `free` ignores order (multiset difference), both summed over
pages and divided by the reference length; wall s/page over the pool; the engine's
cold start in a fresh process (import + model load + a first small page); peak RSS of
one worker; how many lines the small model re-read.

    .venv/bin/python -m benchmarks.ppocr_bench [--seeds 3,11] [--out benchmarks/ppocr_bench.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import re
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

DEVSET = Path("/work/shared/devset")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"[.·…_\-—]{3,}", "", text)
    return re.sub(r"\s+", "", text).replace("丶", "、")


@dataclass(frozen=True)
class Page:
    group: str
    name: str
    png: bytes
    dpi: float
    reference: str


def _png(image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def load_pages(seeds: list[int], dpi: int, folder: Path, min_dpi: int | None = None) -> list[Page]:
    """Pages rendered as the PDF reader renders them for OCR: a scan at its own resolution
    within [min_dpi, dpi] (a 200-dpi scan is not blown up to 300)."""
    from extractors.readers.pdf import render_pdf_page
    from sample_docs.generate import generate_packet

    pages = []
    for seed in seeds:
        truth = generate_packet("scanned", folder / f"seed{seed}", seed=seed)
        for file_name, texts in truth["page_text"].items():
            path = folder / f"seed{seed}" / "packets" / file_name
            for number, text in sorted(texts.items(), key=lambda kv: int(kv[0])):
                image = render_pdf_page(path, file_name, int(number), dpi, None, min_dpi=min_dpi)
                pages.append(Page("generator", f"s{seed}-p{number}", _png(image), image.info["dpi"][0], text))
    for packet in ("D04", "D12"):
        truth_path, pdf = DEVSET / "truth" / f"{packet}.json", DEVSET / "inbox" / f"{packet}.pdf"
        if not (truth_path.is_file() and pdf.is_file()):
            continue
        texts = json.loads(truth_path.read_text(encoding="utf-8"))["page_text"][pdf.name]
        for number, text in sorted(texts.items(), key=lambda kv: int(kv[0])):
            image = render_pdf_page(pdf, pdf.name, int(number), dpi, None, min_dpi=min_dpi)
            pages.append(Page(packet, f"{packet}-p{number}", _png(image), image.info["dpi"][0], text))
    return pages


# ---------------------------------------------------------------- worker side

_STATE: dict = {}


def _init(engine_name: str, reread_below: float) -> None:
    os.environ.update(ONE_THREAD)
    start = time.perf_counter()
    from PIL import Image, ImageDraw, ImageFont

    from extractors.ocr.engines import engine_for
    from pipeline.core.settings import Settings

    settings = Settings(use_cache=False, ocr_engine=engine_name, ocr_reread_below=reread_below)
    engine = engine_for(settings)
    probe = Image.new("L", (900, 200), 255)
    ImageDraw.Draw(probe).text((40, 60), "冷启动测试 2026年", font=ImageFont.truetype(
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 48), fill=0)
    engine.recognize(probe, 300)
    _STATE.update(settings=settings, engine=engine, cold_s=time.perf_counter() - start, rereads=0)


def _read(page: Page) -> tuple[str, str, float, float, int]:
    import io

    from PIL import Image

    from extractors.ocr import ppocr
    from extractors.ocr.page import ocr_image

    before = ppocr.REREAD_COUNT[0]
    start = time.perf_counter()
    read, _ = ocr_image(Image.open(io.BytesIO(page.png)), page.name, 1, _STATE["settings"], dpi=page.dpi,
                        engine=_STATE["engine"])
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
    peak_mb = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    return page.name, read.text(), time.perf_counter() - start, peak_mb, ppocr.REREAD_COUNT[0] - before


def _cold(_: int) -> float:
    return _STATE["cold_s"]


# ---------------------------------------------------------------- parent side


def run_engine(engine_name: str, reread_below: float, pages: list[Page], workers: int = 2) -> dict:
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=context, initargs=(engine_name, reread_below),
                             initializer=_init) as pool:
        colds = list(pool.map(_cold, range(workers)))
        ready = time.perf_counter()
        results = list(pool.map(_read, pages))
    wall = time.perf_counter() - ready
    texts = {name: text for name, text, *_ in results}
    groups: dict[str, dict] = {}
    for page in pages:
        ref, got = norm(page.reference), norm(texts[page.name])
        g = groups.setdefault(page.group, {"chars": 0, "ordered": 0, "free": 0, "missed": 0, "pages": 0})
        g["chars"] += len(ref)
        g["ordered"] += Levenshtein.distance(ref, got)
        common = sum((Counter(ref) & Counter(got)).values())
        g["free"] += max(len(ref), len(got)) - common
        g["missed"] += len(ref) - common  # printed characters not read (text in figures not counted)
        g["pages"] += 1
    return {
        "wall_s_per_page": wall / len(pages),
        "total_s": time.perf_counter() - start,
        "cold_s": max(colds),
        "peak_mb": max(r[3] for r in results),
        "rereads": sum(r[4] for r in results),
        "groups": {k: {"cer_ordered": v["ordered"] / max(1, v["chars"]), "cer_free": v["free"] / max(1, v["chars"]),
                       "cer_missed": v["missed"] / max(1, v["chars"]), "pages": v["pages"]} for k, v in groups.items()},
    }


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="3,11")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/ppocr_bench.md"))
    parser.add_argument("--only", default="", help="comma-separated variant numbers to run (1-based), default all")
    args = parser.parse_args()
    from pipeline.core.settings import Settings

    dpi, min_dpi = Settings().ocr_dpi, Settings().ocr_min_dpi
    with tempfile.TemporaryDirectory(prefix="ppocr-bench-") as tmp:
        pages = load_pages([int(s) for s in args.seeds.split(",")], dpi, Path(tmp), min_dpi)
    variants = {
        "PP-OCRv6 tiny + v6 small 复读（默认）": ("ppocr", 0.6),
        "PP-OCRv6 tiny，不复读": ("ppocr", 0.0),
        "Tesseract chi_sim psm 3": ("tesseract", 0.6),
    }
    if args.only:
        keep = {int(i) - 1 for i in args.only.split(",")}
        variants = {k: v for i, (k, v) in enumerate(variants.items()) if i in keep}
    loads, results = [_load()], {}
    for label, (engine, reread) in variants.items():
        results[label] = run_engine(engine, reread, pages)
        loads.append(_load())
        print(label, json.dumps(results[label], ensure_ascii=False), flush=True)
    groups = sorted({g for r in results.values() for g in r["groups"]})
    lines = [
        "# OCR 引擎对比：PP-OCRv6（OpenVINO）与 Tesseract",
        "",
        f"命令：`.venv/bin/python -m benchmarks.ppocr_bench --seeds {args.seeds}`",
        "",
        f"日期：{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC；{os.cpu_count()} 核；2 个 spawn 工作进程，各 1 线程；"
        f"页面按 PDF 读取器的方式渲染（扫描件按其原分辨率，{min_dpi}–{dpi} dpi），经 `extractors.ocr.page.ocr_image` 全流程。",
        "字符错误率：去空白、NFKC 宽度折叠、去引导点、“丶”作“、”；ordered = 按阅读顺序的编辑距离，free = 不计顺序，missed = 参考文字中未读出的字符（页面插图中的文字参考里没有，不计）。",
        "本机与其他任务共用，负载（`uptime`）：",
        "",
        *[f"- `{load}`" for load in loads],
        "",
        "| 引擎 | " + " | ".join(f"{g} ordered / free / missed" for g in groups) + " | 墙钟 s/页 | 冷启动 s | 峰值内存 MB | 复读行数 |",
        "|---" * (len(groups) + 5) + "|",
    ]
    for label, r in results.items():
        cells = [f"{r['groups'][g]['cer_ordered']:.2%} / {r['groups'][g]['cer_free']:.2%} / {r['groups'][g]['cer_missed']:.2%}"
                 if g in r["groups"] else "—"
                 for g in groups]
        lines.append(f"| {label} | " + " | ".join(cells) +
                     f" | {r['wall_s_per_page']:.2f} | {r['cold_s']:.1f} | {r['peak_mb']:.0f} | {r['rereads']} |")
    lines += ["", "页数：" + "，".join(f"{g} {results[next(iter(results))]['groups'][g]['pages']}" for g in groups)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
