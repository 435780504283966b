"""Sample application packets with exact ground truth.

`python -m sample_docs.generate OUT [--count N] [--seed S] [--variants v1,v2] [--demo]`
writes packets to `OUT/packets/` and `OUT/truth/<packet_id>.json` (format: DESIGN.md).

Conventions the truth encodes (consumers and the evaluator rely on them):
- a compliant packet (no defects) must yield zero findings;
- each defect raises exactly the findings listed in `expected_findings`, nothing more;
- stated counts are compared with the DISTINCT entries listed: a duplicated patent or
  enterprise raises only *_DUPLICATE; a utility model listed as an invention patent
  is counted in the stated total (the applicant counted it), so it raises only
  PATENT_NOT_INVENTION;
- a missing item is also absent from the 目录; SECTION_ORDER and TOC_MISSING carry
  item null; file defects are extra files (no required item inside) with `file` set;
- in a folder or ZIP the 目录 gives each item's page within its own file.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
from pathlib import Path

from sample_docs.content import DEFECTS, ItemDoc, PacketModel, build_model
from sample_docs.render_docx import render_docx
from sample_docs.render_files import (
    encrypt_pdf,
    page_texts,
    photo_of_pdf_page,
    render_xlsx,
    scan_pdf,
    truncate_file,
    write_unsupported,
    zip_folder_gbk,
)
from sample_docs.render_pdf import ItemPages, render_pdf

VARIANTS: tuple[str, ...] = ("text_table", "text_prose", "docx", "scanned", "folder", "zip")
FILE_DEFECTS = ("file_truncated", "file_zero_bytes", "file_encrypted", "file_unsupported")


def packet_id_for(name: str) -> str:
    """Contract rule: the name without extension; spaces, slashes and control characters → '_'."""
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix.lower() in (".zip", ".pdf", ".docx") else name
    return "".join("_" if (ch.isspace() or ch in "/\\" or ord(ch) < 32) else ch for ch in stem)


def _toc_offsets(model: PacketModel) -> dict[int, int]:
    wrong = [f["item"] for f in model.expected_findings if f["code"] == "TOC_PAGE_MISMATCH"]
    return {wrong[0]: 2} if wrong else {}


def _sections_truth(model: PacketModel, where: dict[int, tuple[str, ItemPages]], printed: dict[int, int]) -> list[dict]:
    empty = {it.item for it in model.items if it.empty}
    out = []
    for item in range(1, 21):
        if item in where:
            file, pages = where[item]
            out.append({"item": item, "present": True, "empty": item in empty, "file": file,
                        "first_page": pages.first_page, "last_page": pages.last_page,
                        "toc_page": printed.get(item)})
        else:
            out.append({"item": item, "present": False, "empty": False, "file": None, "first_page": None,
                        "last_page": None, "toc_page": None})
    return out


def _lists_truth(model: PacketModel) -> dict:
    return {
        "key_enterprises": [{"name": e.name, "uscc": e.uscc, "honors": list(e.honors)} for e in model.enterprises],
        "standards": [{"number": s.number, "title": s.title, "role": "lead" if s.role_cn == "主持" else "participate",
                       "rank": s.rank, "year": s.year} for s in model.standards],
        "patents": [{"number": p.number, "title": p.title, "holder": p.holder, "kind": p.kind,
                     "grant_date": p.grant_date} for p in model.patents],
        "overseas_branches": [{"name": n, "country": c} for n, c in model.branches],
        "service_platforms": [{"name": n, "level": lv} for n, lv in model.platforms],
    }


# --------------------------------------------------------------------------- variants


def _single_pdf(model: PacketModel, target: Path) -> tuple[dict, dict]:
    pages, printed = render_pdf(target, model.style, model.cover, model.toc, model.items, _toc_offsets(model))
    return {i: (target.name, p) for i, p in pages.items()}, printed


def _single_docx(model: PacketModel, target: Path) -> tuple[dict, dict]:
    pages, printed = render_docx(target, model.style, model.cover, model.toc, model.items, _toc_offsets(model))
    return {i: (target.name, p) for i, p in pages.items()}, printed


# folder layout: (file stem, items, format); format "pdf" | "docx" | "xlsx" | "jpg" | "png"
def _folder_plan(rng: random.Random) -> list[tuple[str, tuple[int, ...], str]]:
    return [
        ("01 申报表", (1,), rng.choice(["docx", "pdf"])),
        ("02 现场核查符合性说明", (2,), "pdf"),
        ("03 重点企业名单", (3,), rng.choice(["xlsx", "xlsx", "docx"])),
        ("04-06 产业链图谱及资源共享、质量品牌佐证材料", (4, 5, 6), "pdf"),
        ("07 标准清单", (7,), rng.choice(["docx", "pdf"])),
        ("08 有效发明专利清单", (8,), "xlsx"),
        ("09-11 协同创新及数字化佐证材料", (9, 10, 11), rng.choice(["pdf", "docx"])),
        ("12 碳排放监测机制", (12,), rng.choice(["jpg", "png"])),
        ("13-16 绿色低碳及国际合作佐证材料", (13, 14, 15, 16), "pdf"),
        ("17-18 境外分支机构及公共服务平台清单", (17, 18), rng.choice(["docx", "pdf"])),
        ("19-20 公共服务清单及集群治理情况", (19, 20), "pdf"),
    ]


def _folder(model: PacketModel, folder: Path, rng: random.Random) -> tuple[dict, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    where: dict[int, tuple[str, ItemPages]] = {}
    by_item = {it.item: it for it in model.items}
    order = [it.item for it in model.items]
    for stem, members, fmt in _folder_plan(rng):
        present = sorted((i for i in members if i in by_item), key=order.index)
        if not present:
            continue
        items: list[ItemDoc] = [by_item[i] for i in present]
        if fmt == "xlsx" and (len(items) > 1 or not any(b for b in items[0].blocks)):
            fmt = "pdf"
        name = f"{stem}.{fmt}"
        path = folder / name
        if fmt == "pdf":
            pages, _ = render_pdf(path, model.style, None, None, items)
        elif fmt == "docx":
            pages, _ = render_docx(path, model.style, None, None, items)
        elif fmt == "xlsx":
            render_xlsx(path, items[0])
            pages = {items[0].item: ItemPages(1, 1)}
        else:  # a photographed page
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "page.pdf"
                pages, _ = render_pdf(src, model.style, None, None, items)
                photo_of_pdf_page(src, path, rng)
            pages = {i: ItemPages(1, 1) for i in pages}
        for i, p in pages.items():
            where[i] = (name, p)
    printed: dict[int, int] = {}
    if model.toc is not None:
        offsets = _toc_offsets(model)
        printed = {i: where[i][1].first_page + offsets.get(i, 0) for i in where}
    render_pdf(folder / "00 封面及目录.pdf", model.style, model.cover, model.toc, [], fixed_toc=printed)
    return where, printed


def _add_broken_files(model: PacketModel, folder: Path, defects: tuple[str, ...], rng: random.Random) -> list[dict]:
    findings = []
    sample = next(p for p in sorted(folder.iterdir()) if p.suffix == ".pdf")
    if "file_truncated" in defects:
        name = "21 补充材料.pdf"
        truncate_file(sample, folder / name)
        findings.append({"code": "FILE_UNREADABLE", "item": None, "field": None, "file": name})
    if "file_zero_bytes" in defects:
        name = "22 情况说明.docx"
        (folder / name).write_bytes(b"")
        findings.append({"code": "FILE_UNREADABLE", "item": None, "field": None, "file": name})
    if "file_encrypted" in defects:
        name = "23 营业执照副本.pdf"
        encrypt_pdf(sample, folder / name, password=f"{rng.randint(100000, 999999)}")
        findings.append({"code": "FILE_ENCRYPTED", "item": None, "field": None, "file": name})
    if "file_unsupported" in defects:
        name = "24 集群宣传片.mp4"
        write_unsupported(folder / name)
        findings.append({"code": "FILE_UNSUPPORTED", "item": None, "field": None, "file": name})
    return findings


# --------------------------------------------------------------------------- API


def generate_packet(variant: str, out_dir: Path, seed: int, defects: tuple[str, ...] = (),
                    filler_pages: int = 0) -> dict:
    """Write one packet to `out_dir/packets/` and its truth to `out_dir/truth/`; return the truth."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    for d in defects:
        if d not in DEFECTS:
            raise ValueError(f"unknown defect {d!r}; choose from {', '.join(DEFECTS)}")
        allowed = DEFECTS[d][2]
        if allowed is not None and variant not in allowed:
            raise ValueError(f"defect {d!r} needs a variant in {allowed}, not {variant!r}")
    out_dir = Path(out_dir)
    packets, truths = out_dir / "packets", out_dir / "truth"
    packets.mkdir(parents=True, exist_ok=True)
    truths.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{variant}:{seed}")
    model = build_model(variant, rng, tuple(defects), filler_pages)
    base = f"s{seed:04d}_{variant}_{model.region.county}{model.region.industry}申报材料"
    page_text: dict[str, dict[str, str]] = {}
    expected = list(model.expected_findings)

    if variant in ("text_table", "text_prose"):
        target = packets / f"{base}.pdf"
        where, printed = _single_pdf(model, target)
    elif variant == "docx":
        target = packets / f"{base}.docx"
        where, printed = _single_docx(model, target)
    elif variant == "scanned":
        target = packets / f"{base}.pdf"
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "source.pdf"
            pages, printed = render_pdf(source, model.style, model.cover, model.toc, model.items, _toc_offsets(model))
            texts = page_texts(source)
            turned = None
            if rng.random() < 0.5:  # one evidence page fed upside down or sideways
                evidence_pages = [p.first_page for i, p in pages.items() if i in (5, 6, 9, 10, 14)]
                turned = rng.choice(evidence_pages) if evidence_pages else None
            scan_pdf(source, target, rng, dpi=model.style.scan_dpi, turned_page=turned, turn=rng.choice([180, 90, 270]))
        where = {i: (target.name, p) for i, p in pages.items()}
        page_text[target.name] = texts
    else:  # folder or zip
        folder_name = f"{base}"
        with tempfile.TemporaryDirectory() as tmp:
            folder = (packets / folder_name) if variant == "folder" else Path(tmp) / folder_name
            if folder.exists():
                shutil.rmtree(folder)
            where, printed = _folder(model, folder, rng)
            expected += _add_broken_files(model, folder, tuple(defects), rng)
            for path in sorted(folder.iterdir()):
                if path.suffix in (".jpg", ".png"):
                    page_text[path.name] = {"1": _image_text(model, path.name, where)}
            if variant == "zip":
                target = packets / f"{base}.zip"
                zip_folder_gbk(folder, target)
            else:
                target = folder
    packet_id = packet_id_for(target.name)
    truth = {
        "packet_id": packet_id,
        "variant": variant,
        "defects": list(defects),
        "cover": dict(model.cover_truth),
        "sections": _sections_truth(model, where, printed),
        "indicators": model.indicators.truth(),
        "lists": _lists_truth(model),
        "expected_findings": expected,
        "page_text": page_text,
        "filler_pages": filler_pages,
        "seed": seed,
    }
    (truths / f"{packet_id}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8")
    return truth


def _image_text(model: PacketModel, name: str, where: dict) -> str:
    items = [it for it in model.items if where.get(it.item, (None,))[0] == name]
    lines: list[str] = []
    for it in items:
        lines += it.heading
        lines += [b.text for b in it.blocks if hasattr(b, "text")]
    return "\n".join(lines)


def _resources(defect: str) -> set[str]:
    return set(DEFECTS[defect][1])


def corpus_plan(count: int, seed: int) -> list[tuple[str, tuple[str, ...]]]:
    """(variant, defects) per packet: one compliant packet of every variant, then every defect at
    least once, packed so that no two defects in a packet touch the same data."""
    rng = random.Random(f"corpus:{seed}")
    plan: list[tuple[str, list[str]]] = [(v, []) for v in VARIANTS]
    defect_names = list(DEFECTS)
    rng.shuffle(defect_names)
    file_defects = [d for d in defect_names if d in FILE_DEFECTS]
    content_defects = [d for d in defect_names if d not in FILE_DEFECTS]
    slots = max(1, count - len(VARIANTS))
    defect_packets: list[tuple[str, list[str]]] = []
    text_variants = ["text_table", "docx", "text_prose", "folder", "zip"]  # scanned stays compliant (OCR)
    for k in range(slots):
        defect_packets.append((text_variants[k % len(text_variants)], []))
    if not any(v in ("folder", "zip") for v, _ in defect_packets):
        defect_packets.append(("folder", []))
    for d in file_defects:
        target = next(p for p in defect_packets if p[0] in ("folder", "zip"))
        target[1].append(d)
    per_packet = -(-len(content_defects) // len(defect_packets))
    for d in content_defects:
        placed = False
        for variant, ds in sorted(defect_packets, key=lambda p: len(p[1])):
            used = set().union(*(_resources(x) for x in ds)) if ds else set()
            if len(ds) < per_packet + 1 and not (used & _resources(d)):
                ds.append(d)
                placed = True
                break
        if not placed:
            defect_packets.append((text_variants[len(defect_packets) % len(text_variants)], [d]))
    return [(v, tuple(ds)) for v, ds in plan + defect_packets]


def generate_corpus(out_dir: Path, count: int = 12, seed: int = 0,
                    variants: tuple[str, ...] | None = None) -> list[dict]:
    """A mixed corpus: every variant compliant once, every defect at least once."""
    truths = []
    for k, (variant, defects) in enumerate(corpus_plan(count, seed)):
        if variants and variant not in variants:
            continue
        truths.append(generate_packet(variant, out_dir, seed * 1000 + k, defects))
    return truths


DEMO_SET: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("text_table", 1, ()),
    ("docx", 2, ()),
    ("text_prose", 3, ("section_missing", "patent_duplicate", "sme_share_low")),
    ("folder", 4, ("file_encrypted", "uscc_invalid")),
    ("zip", 5, ()),
    ("scanned", 6, ()),
)


def generate_demo(out_dir: Path) -> list[dict]:
    """The small committed sample set (sample_docs/packets, sample_docs/truth)."""
    return [generate_packet(v, out_dir, s, d) for v, s, d in DEMO_SET]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_docs.generate",
                                     description="生成带标准答案的中小企业特色产业集群申报材料样本")
    parser.add_argument("out", type=Path, help="输出目录（写入 packets/ 与 truth/）")
    parser.add_argument("--count", type=int, default=12, help="样本数量")
    parser.add_argument("--seed", type=int, default=0, help="随机种子")
    parser.add_argument("--variants", type=str, default=None, help="仅生成这些类型，逗号分隔：" + ",".join(VARIANTS))
    parser.add_argument("--defects", type=str, default=None, help="与 --variants 同用：每个类型生成一个带这些缺陷的样本")
    parser.add_argument("--filler-pages", type=int, default=0, help="每个样本追加的佐证材料页数")
    parser.add_argument("--demo", action="store_true", help="生成可提交的小型演示样本集")
    args = parser.parse_args(argv)
    if args.demo:
        truths = generate_demo(args.out)
    elif args.defects is not None or args.filler_pages:
        variants = tuple(args.variants.split(",")) if args.variants else ("text_table",)
        defects = tuple(d for d in (args.defects or "").split(",") if d)
        truths = [generate_packet(v, args.out, args.seed + k, defects, args.filler_pages)
                  for k, v in enumerate(variants)]
    else:
        variants = tuple(args.variants.split(",")) if args.variants else None
        truths = generate_corpus(args.out, args.count, args.seed, variants)
    for t in truths:
        print(f"{t['packet_id']}\t{t['variant']}\t{','.join(t['defects']) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
