"""A nightly batch of malformed files: every packet gets an outcome, the tree stays small.

Issue 14 asks that a batch of 137 real malformed files stay under 2 GB. That corpus is
not on this machine, so this builds a stand-in of the same size: one packet per file,
from the hostile-input builders the tests use (truncated and damaged PDFs, a page tree
that loops, a 20000-px scanned page, an encrypted PDF, image bombs, a TIFF whose second
frame has no width, far cells and giant merges in XLSX, the 1 MB shared string used by
12,000 cells, DOCX with giant spans, counters and wrong roots, a ZIP bomb), truncated
generated packets (a scan among them, so OCR runs on what is left), and seeded
mutations of small valid files (bit flips, truncation, inserted bytes, damaged XML
parts) up to the count. It runs `cluster-intake batch --direct` in a child process
whose whole process tree is sampled for resident memory, and checks that `batch.json`
lists every packet.

    .venv/bin/python -m benchmarks.hostile_batch [--count 137] [--keep DIR]

Prints one line and writes `benchmarks/hostile_batch.json`. Real files of the field
will differ; the figure is a floor for what the limits hold, not the acceptance run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.run import run_sampled
from sample_docs.generate import generate_packet
from tests import hostile_files as hf
from tests.fuzz.run_fuzz import image_seeds, random_mutations
from tests.test_xlsx_limits import shared_string_bomb

HERE = Path(__file__).resolve().parent
CLI = Path(sys.executable).with_name("cluster-intake")


def _named_hostiles(inbox: Path) -> None:
    """One packet per hostile builder, each a file of its own kind."""
    builders = [
        ("01 截断.pdf", hf.truncated_pdf),
        ("02 交叉引用表损坏.pdf", hf.damaged_xref_pdf),
        ("03 页面框错误.pdf", hf.pdf_with_bad_mediabox),
        ("04 页面树循环.pdf", lambda p: hf.pdf_with_broken_page_tree(p, shift_offsets=True)),
        ("05 页面树损坏.pdf", lambda p: hf.pdf_with_broken_page_tree(p, shift_offsets=False)),
        ("06 超大扫描页.pdf", hf.pdf_with_a_giant_scanned_page),
        ("07 加密.pdf", lambda p: hf.encrypted_pdf(p, "secret")),
        ("08 超大图片.png", lambda p: hf.huge_png(p, 60000, 60000)),
        ("09 图片块损坏.png", hf.png_with_broken_chunk_after_data),
        ("10 第二帧无宽度.tif", hf.tiff_second_frame_without_width),
        ("11 极远单元格.xlsx", hf.xlsx_with_far_cell),
        ("12 超大合并.xlsx", hf.xlsx_with_giant_merge),
        ("13 共享字符串炸弹.xlsx", shared_string_bomb),
        ("14 超大跨列.docx", hf.docx_with_giant_grid_span),
        ("15 超大编号.docx", hf.docx_with_giant_list_counter),
        ("16 根元素错误.docx", hf.docx_with_wrong_root),
        ("17 页面尺寸错误.docx", hf.docx_with_bad_page_size),
        ("18 未知样式类型.docx", hf.docx_with_unknown_style_type),
        ("19 零字节.pdf", lambda p: p.write_bytes(b"")),
        ("20 伪装的文本.pdf", lambda p: p.write_text("这不是PDF文件。" * 50, encoding="utf-8")),
    ]
    for name, build in builders:
        build(inbox / name)
    hf.zip_with(inbox / "21 压缩炸弹.zip", [("申报材料/申报表.xml", b"0" * 300_000_000)])
    hf.zip_with(inbox / "22 路径穿越.zip", [("../../etc/申报表.pdf", hf.pdf_bytes([["申报表"]])),
                                          (hf.symlink_info("申报材料/链接.pdf"), b"/etc/passwd")])


def _truncated_packets(inbox: Path, scratch: Path) -> None:
    """Generated packets with their files cut short: what a broken upload looks like."""
    for n, (variant, seed, keep) in enumerate([("text_table", 3, 0.5), ("docx", 4, 0.6), ("scanned", 5, 0.3),
                                               ("text_prose", 6, 0.8)], start=23):
        generate_packet(variant, scratch / variant, seed=seed)
        for source in sorted((scratch / variant / "packets").iterdir()):
            target = inbox / f"{n:02d} 截断的{variant}{source.suffix}"
            if source.is_dir():
                shutil.copytree(source, target)
                files = [f for f in sorted(target.rglob("*")) if f.is_file()]
            else:
                shutil.copyfile(source, target)
                files = [target]
            for file in files[::2]:
                data = file.read_bytes()
                file.write_bytes(data[: int(len(data) * keep)])
            break


def _mutations(inbox: Path, scratch: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    seeds = {**hf.fuzz_seed_files(scratch / "seeds"), **image_seeds()}
    kinds = sorted(seeds)
    for n in range(count):
        kind = kinds[n % len(kinds)]
        data, name = hf.fuzz_input(seeds, kind, rng.random(), random_mutations(rng))
        (inbox / f"m{n:03d} {name}").write_bytes(data)


def build_inbox(inbox: Path, scratch: Path, count: int, seed: int) -> int:
    inbox.mkdir(parents=True)
    _named_hostiles(inbox)
    _truncated_packets(inbox, scratch)
    _mutations(inbox, scratch, max(0, count - len(list(inbox.iterdir()))), seed)
    return len(list(inbox.iterdir()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=137)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", type=Path, help="build and keep the inbox and outputs here")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="hostile-batch-"))
    try:
        packets = build_inbox(work / "inbox", work / "scratch", args.count, args.seed)
        env = dict(os.environ, CLUSTER_INTAKE_DATA_DIR=str(work / "data"))
        wall, peak_mb = run_sampled([str(CLI), "batch", str(work / "inbox"), "--out", str(work / "out"), "--direct"],
                                    env, ok_codes=(0, 1))
        listed = json.loads((work / "out" / "batch.json").read_text(encoding="utf-8"))
        entries = listed.get("packets", listed) if isinstance(listed, dict) else listed
        statuses = Counter(str(e.get("status") or e.get("outcome") or "?") for e in entries)
        report = {"packets": packets, "listed": len(entries), "statuses": dict(statuses),
                  "wall_s": round(wall, 1), "peak_tree_rss_mb": round(peak_mb)}
        (HERE / "hostile_batch.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"hostile batch: {packets} packets, {len(entries)} listed in batch.json {dict(statuses)}, "
              f"{wall:.0f} s, peak RSS of the process tree {peak_mb:.0f} MB")
        return 0 if len(entries) == packets else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
