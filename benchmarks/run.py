"""`make bench`: the benchmark cases of issue 7, side by side in one run.

(a) a 200-page text-layer packet, (b) a 60-page scanned packet — ours, the naive
serial baseline, OCRmyPDF and the RapidOCR engine, each with its character error
rate against the generator's ground truth — and (c) a batch of 20 packets, first
run and unchanged re-run. Each case runs in a child process whose process tree is
sampled for peak RSS. Results go to `benchmarks/results.json` and a Markdown table
to `benchmarks/results.md`.

    python -m benchmarks.run [--quick] [--skip-baselines]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
from rapidfuzz.distance import Levenshtein

HERE = Path(__file__).resolve().parent
PY = sys.executable
LAST_CPU_S = 0.0


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sampled(cmd: list[str], env: dict | None = None, ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS of its whole process tree in MB).

    The CPU seconds of the tree (user + system, waited-for descendants included)
    go to `LAST_CPU_S`: on a shared machine they say more than the wall time.
    """
    global LAST_CPU_S
    cpu_before = _children_cpu_s()
    start = time.perf_counter()
    # stderr to a file, not a pipe: a chatty child (Prefect logs every task) would fill a
    # pipe nobody reads until it exits, and block forever.
    err_file = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env or os.environ.copy(), stdout=subprocess.DEVNULL, stderr=err_file)
    peak = 0
    parent = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [parent] + parent.children(recursive=True)
            rss = sum(p.memory_info().rss for p in tree if p.is_running())
            peak = max(peak, rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode in ok_codes:
        err_file.close()
    LAST_CPU_S = _children_cpu_s() - cpu_before
    if proc.returncode not in ok_codes:
        err_file.seek(0)
        err = err_file.read().decode(errors="replace")[-2000:]
        err_file.close()
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    return wall, peak / 1024**2


def _plain(text: str) -> str:
    text = text.replace("丶", "、").replace("—", "一")
    return re.sub(r"\s+", "", text)


def cer(truth_pages: dict[str, str], read_pages: dict[str, str]) -> float:
    """Character error rate over all pages: edit distance / truth length, whitespace ignored."""
    errors = total = 0
    for page, truth in truth_pages.items():
        expected = _plain(truth)
        errors += Levenshtein.distance(expected, _plain(read_pages.get(page, "")))
        total += len(expected)
    return errors / total if total else 0.0


def measure(mode: str, source: Path, work: Path, engine: str | None = None) -> dict:
    out = work / f"{mode}-{engine or 'default'}"
    json_out = work / f"{mode}-{engine or 'default'}.json"
    cmd = [PY, "-m", "benchmarks.measure", mode, str(source), str(out), str(json_out)]
    if engine:
        cmd += ["--engine", engine]
    env = dict(os.environ, OMP_THREAD_LIMIT="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    wall, peak_mb = run_sampled(cmd, env)
    report = json.loads(json_out.read_text(encoding="utf-8"))
    report["process_wall_s"] = wall
    report["peak_rss_mb"] = peak_mb
    report["cpu_s"] = LAST_CPU_S
    return report


def measure_ocrmypdf(source: Path, work: Path) -> dict:
    sidecar = work / "ocrmypdf.txt"
    cmd = ["ocrmypdf", "-l", "chi_sim", "--jobs", "2", "--sidecar", str(sidecar), str(source), str(work / "ocrmypdf.pdf")]
    exe = Path(PY).with_name("ocrmypdf")
    cmd[0] = str(exe) if exe.exists() else "ocrmypdf"
    wall, peak_mb = run_sampled(cmd, dict(os.environ, OMP_THREAD_LIMIT="1"))
    pages = sidecar.read_text(encoding="utf-8").split("\f")
    texts = {str(i + 1): t for i, t in enumerate(pages) if i < 10_000}
    return {"wall_s": wall, "process_wall_s": wall, "peak_rss_mb": peak_mb, "cpu_s": LAST_CPU_S,
            "texts": {source.name: texts}, "pages": len(texts)}


def generate(work: Path, quick: bool) -> dict[str, Path | dict]:
    from sample_docs.generate import generate_packet

    corpus = work / "corpus"
    text_truth = generate_packet("text_table", corpus, seed=901, filler_pages=20 if quick else 175)
    scan_truth = generate_packet("scanned", corpus, seed=902, filler_pages=0 if quick else 36)
    batch_dir = work / "batch"
    variants = ["text_table", "text_prose", "docx", "folder", "zip"]
    for k in range(4 if quick else 20):
        generate_packet(variants[k % len(variants)], batch_dir, seed=950 + k)
    packets = corpus / "packets"

    def packet_path(truth: dict) -> Path:
        return next(p for p in packets.iterdir() if p.stem == truth["packet_id"] or p.name == truth["packet_id"])

    return {
        "text": packet_path(text_truth),
        "scan": packet_path(scan_truth),
        "scan_truth": scan_truth,
        "batch_inbox": batch_dir / "packets",
    }


def stage_cell(stages: dict) -> str:
    keys = ("load", "read", "ocr", "sections", "extraction", "checks", "reports")
    return " · ".join(f"{k} {stages[k]:.1f}" for k in keys if k in stages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small packets, for a smoke run")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--scan-pairs", type=int, default=0, metavar="N",
                        help="only time the scanned packet against OCRmyPDF, N times side by side (prints, writes nothing)")
    args = parser.parse_args(argv)
    if args.scan_pairs:
        return scan_pairs(args.scan_pairs, args.quick)

    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    try:
        inputs = generate(work, args.quick)
        rows: dict[str, dict] = {}
        rows["text200_ours"] = measure("ours", inputs["text"], work)
        scan_pages = inputs["scan_truth"]["page_text"]
        scan_name = inputs["scan"].name
        truth_pages = scan_pages[scan_name]
        rows["scan60_ours"] = measure("ours", inputs["scan"], work)
        if not args.skip_baselines:
            rows["scan60_naive"] = measure("naive", inputs["scan"], work)
            rows["scan60_ocrmypdf"] = measure_ocrmypdf(inputs["scan"], work)
            try:
                rows["scan60_rapidocr"] = measure("ours", inputs["scan"], work, engine="rapidocr")
            except RuntimeError as exc:
                rows["scan60_rapidocr"] = {"error": str(exc)[-300:]}
        for key, row in rows.items():
            if key.startswith("scan60") and "texts" in row:
                row["cer"] = cer(truth_pages, row["texts"].get(scan_name, {}))
        try:
            batch = measure("batch", inputs["batch_inbox"], work)
        except RuntimeError as exc:
            batch = {"error": str(exc)[-300:], "first_s": 0.0, "rerun_s": 0.0, "packets": 0}
        rows["batch20"] = batch
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for row in rows.values():
        row.pop("texts", None)
    text, scan = rows["text200_ours"], rows["scan60_ours"]
    targets = {
        "scan_vs_naive_speedup": (rows.get("scan60_naive", {}).get("process_wall_s", 0) / scan["process_wall_s"]),
        "scan_vs_ocrmypdf_speedup": (rows.get("scan60_ocrmypdf", {}).get("process_wall_s", 0) / scan["process_wall_s"]),
        "text_pages_per_s": text["pages"] / text["process_wall_s"],
        "batch_rerun_speedup": batch["first_s"] / batch["rerun_s"] if batch["rerun_s"] else None,
        "text_peak_rss_mb": text["peak_rss_mb"],
    }
    meta = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 1024**3:.0f} GiB, Python {platform.python_version()}",
        "quick": args.quick,
        # the machine is shared: its 1-minute load average before and after the run
        "load": f"{load_before[0]:.1f} → {os.getloadavg()[0]:.1f}",
    }
    results = {"meta": meta, "rows": rows, "targets": targets}
    args.results.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    table = render_table(results)
    args.results.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)
    return 0


def scan_pairs(count: int, quick: bool) -> int:
    """The scanned packet read by us and by OCRmyPDF, one after the other, `count` times."""
    from sample_docs.generate import generate_packet

    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    try:
        truth = generate_packet("scanned", work / "corpus", seed=902, filler_pages=0 if quick else 36)
        (name, truth_pages), = truth["page_text"].items()
        source = work / "corpus" / "packets" / name
        for k in range(count):
            ours, theirs = measure("ours", source, work), measure_ocrmypdf(source, work)
            print(f"pair {k + 1}: ours {ours['process_wall_s']:.1f} s (CER {cer(truth_pages, ours['texts'][name]):.2%}), "
                  f"OCRmyPDF {theirs['process_wall_s']:.1f} s (CER {cer(truth_pages, theirs['texts'][name]):.2%}), "
                  f"{theirs['process_wall_s'] / ours['process_wall_s']:.2f}x — load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def render_table(results: dict) -> str:
    rows, targets, meta = results["rows"], results["targets"], results["meta"]
    lines = [
        f"Benchmarks — {meta['date']} — {meta['machine']}{' (quick)' if meta['quick'] else ''}"
        + (f" — load average {meta['load']}" if meta.get("load") else ""),
        "",
        "| case | wall s | CPU s | pages | pages/s | peak RSS MB | CER | time by stage (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, row in rows.items():
        if key == "batch20" or "error" in row:
            continue
        wall = row["process_wall_s"]
        pages = row.get("pages") or 0
        cer_cell = f"{row['cer'] * 100:.2f} %" if "cer" in row else ""
        cpu_cell = f"{row['cpu_s']:.1f}" if "cpu_s" in row else ""
        lines.append(f"| {key} | {wall:.1f} | {cpu_cell} | {pages} | {pages / wall:.2f} | {row['peak_rss_mb']:.0f} | {cer_cell} | {stage_cell(row.get('stages', {}))} |")
    batch = rows["batch20"]
    ours_cer, ocrmypdf_cer = rows["scan60_ours"].get("cer"), rows.get("scan60_ocrmypdf", {}).get("cer")
    cer_ours = f"{ours_cer * 100:.2f} %" if ours_cer is not None else "?"
    cer_ocrmypdf = f"{ocrmypdf_cer * 100:.2f} %" if ocrmypdf_cer is not None else "?"
    cer_no_worse = ours_cer is not None and ocrmypdf_cer is not None and ours_cer <= ocrmypdf_cer
    lines += [
        "",
        f"Batch of {batch['packets']} packets: first run {batch['first_s']:.1f} s, unchanged re-run {batch['rerun_s']:.1f} s "
        f"({(targets['batch_rerun_speedup'] or 0):.1f}× faster)." + (f" The batch measurement failed: {batch['error']}" if "error" in batch else ""),
        "",
        "| target | figure | met |",
        "|---|---|---|",
        f"| scanned ≥ 1.8× faster than the serial baseline | {targets['scan_vs_naive_speedup']:.2f}× | {'yes' if targets['scan_vs_naive_speedup'] >= 1.8 else 'no'} |",
        f"| scanned faster than OCRmyPDF at an equal or lower CER | {targets['scan_vs_ocrmypdf_speedup']:.2f}×, CER {cer_ours} vs {cer_ocrmypdf} "
        f"| {'yes' if targets['scan_vs_ocrmypdf_speedup'] > 1 and cer_no_worse else 'no'} |",
        f"| text-layer ≥ 20 pages/s | {targets['text_pages_per_s']:.1f} | {'yes' if targets['text_pages_per_s'] >= 20 else 'no'} |",
        f"| unchanged re-run ≥ 20× faster | {(targets['batch_rerun_speedup'] or 0):.1f}× | {'yes' if (targets['batch_rerun_speedup'] or 0) >= 20 else 'no'} |",
        f"| peak memory ≤ 1.5 GB on the 200-page packet | {targets['text_peak_rss_mb']:.0f} MB | {'yes' if targets['text_peak_rss_mb'] <= 1536 else 'no'} |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
