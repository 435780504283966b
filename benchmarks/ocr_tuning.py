"""Choose the OCR render resolution and page segmentation mode by measurement.

Renders a few Chinese application pages (text, a list table, identifiers),
degrades them like scans (blur, noise, JPEG, slight rotation), OCRs each with
every setting and reports the character error rate (Levenshtein distance over
whitespace-stripped text / reference length) and seconds per page.

    .venv/bin/python -m benchmarks.ocr_tuning [--out benchmarks/ocr_tuning.md]

Two page sets: the built-in pages below, and a scanned packet from
`sample_docs.generate` (its truth holds the text drawn on each page).
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import re
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from extractors.ocr import tesseract
from extractors.ocr.page import ocr_image
from pipeline.core.settings import Settings

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
A4_POINTS = (595, 842)

PAGES: list[list[str]] = [
    [
        "一、中小企业特色产业集群申报表",
        "集群名称：浚县食品加工特色产业集群",
        "所在地区：河南省鹤壁市浚县",
        "主导产业：食品加工　集群占地面积：35.6平方公里",
        "近三年集群总产值：2019年52.3亿元，2020年58.7亿元，2021年66.1亿元。",
        "中小企业产值占集群总产值比例为86.5%，主导产业产值占比为78.2%。",
        "集群内拥有国家级专精特新“小巨人”企业3家，专精特新中小企业21家，",
        "创新型中小企业35家，国家级高新技术企业18家。",
        "集群从业人员12500人，有效发明专利62件，每万人有效发明专利拥有量49.6件。",
        "工业互联网平台应用普及率达到32.5%，研发经费年均增长15.8%。",
    ],
    [
        "八、集群内中小企业有效发明专利清单",
        "序号\t专利号\t专利名称\t专利权人",
        "1\tZL202110234567.8\t一种面粉加工装置\t浚县丰源食品有限公司",
        "2\tZL201920345678.1\t速冻水饺成型机\t鹤壁市金穗食品有限公司",
        "3\tZL202010456789.5\t一种挂面干燥方法\t浚县华冠面业有限公司",
        "4\tZL202210567890.3\t食品包装检测系统\t河南中鹤现代农业开发集团",
        "标准清单：GB/T 19001-2016 质量管理体系要求（参与）",
        "T/HNSP 012-2021 速冻调制食品生产规范（主持）",
        "统一社会信用代码：91410621MA44XXXX0K",
    ],
    [
        "二十、集群治理情况佐证材料",
        "集群发展促进机构为浚县食品产业发展促进中心，成立于2015年6月，",
        "设有理事会、秘书处和专家委员会，定期召开集群发展联席会议。",
        "2021年组织开展质量品牌培训12场次，参训企业180余家次，",
        "与郑州大学、河南工业大学共建产学研合作平台3个，",
        "建成中小企业公共服务平台2个，其中省级1个、市级1个。",
        "在越南、泰国设立境外分支机构2家，开展国际合作交流活动5次。",
    ],
]


@dataclass(frozen=True)
class Scan:
    name: str
    image: Image.Image  # as scanned, at `dpi`
    dpi: int
    reference: str


def render_page(lines: list[str], dpi: int, *, degrade: bool, rotate_degrees: float = 0.0, seed: int = 0) -> Image.Image:
    """Draw the lines on an A4 page at `dpi`; tab-separated lines become a ruled table row."""
    scale = dpi / 72
    width, height = int(A4_POINTS[0] * scale), int(A4_POINTS[1] * scale)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT_PATH, int(11 * scale), index=0)
    title_font = ImageFont.truetype(FONT_PATH, int(15 * scale), index=0)
    y = 70 * scale
    column_x = [60, 95, 230, 380]
    for index, line in enumerate(lines):
        used_font = title_font if index == 0 else font
        if "\t" in line:
            cells = line.split("\t")
            for cell, x in zip(cells, column_x):
                draw.text((x * scale, y), cell, font=used_font, fill=0)
            draw.line((55 * scale, y - 4 * scale, 545 * scale, y - 4 * scale), fill=0, width=max(1, int(scale)))
        else:
            draw.text((60 * scale, y), line, font=used_font, fill=0)
        y += (28 if index == 0 else 22) * scale
    if rotate_degrees:
        page = page.rotate(rotate_degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if degrade:
        rng = random.Random(seed)
        page = page.filter(ImageFilter.GaussianBlur(0.6 * scale / 4))
        noise = Image.effect_noise(page.size, 18)
        page = Image.blend(page, noise, 0.12)
        buffer = io.BytesIO()
        page.save(buffer, format="JPEG", quality=rng.choice([45, 55, 65]))
        page = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return page


def reference_text(lines: list[str]) -> str:
    return "".join("".join(line.split()) for line in lines)


def make_scans(dpi: int) -> list[Scan]:
    scans = []
    for index, lines in enumerate(PAGES):
        ref = reference_text(lines)
        scans.append(Scan(f"p{index + 1}-clean", render_page(lines, dpi, degrade=False), dpi, ref))
        scans.append(Scan(f"p{index + 1}-scan", render_page(lines, dpi, degrade=True, rotate_degrees=1.5 - index, seed=index), dpi, ref))
    return scans


def generated_scans(dpi: int, seed: int = 3) -> list[Scan]:
    """Pages of a scanned packet from `sample_docs.generate` (200-dpi JPEG scans, one maybe turned),
    rendered at `dpi` as the PDF reader renders them; truth is the text drawn on each page."""
    import tempfile

    from extractors.readers.pdf import render_pdf_page
    from sample_docs.generate import generate_packet

    with tempfile.TemporaryDirectory(prefix="ocr-tuning-") as tmp:
        truth = generate_packet("scanned", Path(tmp), seed=seed)
        (file_name, texts), = truth["page_text"].items()
        path = Path(tmp) / "packets" / file_name
        return [
            Scan(f"gen-p{number}", render_pdf_page(path, file_name, int(number), dpi, None), dpi, "".join(text.split()))
            for number, text in sorted(texts.items(), key=lambda kv: int(kv[0]))
        ]


_LEADER = re.compile(r"[.…·]{3,}")


def comparable(text: str) -> str:
    """Whitespace and dot leaders removed: a 目录's "......" is layout, not content."""
    return _LEADER.sub("", "".join(text.split()))


def character_error_rate(read: str, reference: str) -> float:
    return Levenshtein.distance(comparable(read), comparable(reference)) / max(1, len(comparable(reference)))


def measure(scans: list[Scan], settings: Settings) -> tuple[float, float, dict[str, float]]:
    """Mean CER, mean seconds per page, and the CER of each page."""
    errors, seconds = {}, []
    for scan in scans:
        started = time.perf_counter()
        page, _ = ocr_image(scan.image, scan.name, 1, settings, dpi=scan.dpi)
        seconds.append(time.perf_counter() - started)
        errors[scan.name] = character_error_rate(page.text(), scan.reference)
    return statistics.mean(errors.values()), statistics.mean(seconds), errors


def measure_osd(dpi: int) -> list[tuple[str, float, str]]:
    """OSD on a page turned 90°: full size vs downscaled to 150 dpi."""
    turned = render_page(PAGES[0], dpi, degrade=True).transpose(Image.Transpose.ROTATE_90)
    rows = []
    for label, image, used_dpi in (
        (f"{dpi} dpi", turned, dpi),
        ("downscaled to 150 dpi", turned.resize((turned.width * 150 // dpi, turned.height * 150 // dpi)), 150),
    ):
        started = time.perf_counter()
        osd = tesseract.detect_orientation(image, dpi=used_dpi)
        elapsed = time.perf_counter() - started
        rows.append((label, elapsed, "not detected" if osd is None else f"rotate={osd.rotate}, conf={osd.orientation_confidence:.1f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/ocr_tuning.md"))
    parser.add_argument("--dpis", default="200,300")
    parser.add_argument("--psms", default="3,4,6,11")
    parser.add_argument("--langs", default="chi_sim+eng,chi_sim")
    args = parser.parse_args()

    results = []
    for dpi in [int(d) for d in args.dpis.split(",")]:
        sets = {"built-in pages": make_scans(dpi), "generated scan": generated_scans(dpi)}
        generated_pages = len(sets["generated scan"])
        for lang in args.langs.split(","):
            for psm in [int(p) for p in args.psms.split(",")]:
                settings = Settings(ocr_dpi=dpi, ocr_psm=psm, ocr_lang=lang)
                row = []
                for set_name, scans in sets.items():
                    cer, seconds, per_page = measure(scans, settings)
                    row.append((cer, seconds))
                    pages = " ".join(f"{k}={v:.1%}" for k, v in per_page.items())
                    print(f"dpi={dpi} lang={lang} psm={psm} {set_name}: CER {cer:.2%}, {seconds:.2f} s/page [{pages}]", flush=True)
                overall = statistics.mean(c for c, _ in row)
                results.append((dpi, lang, psm, row[0][0], row[1][0], overall, statistics.mean(s for _, s in row)))
    osd_rows = measure_osd(300)

    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    best = min(results, key=lambda r: (round(r[5], 3), r[6]))
    lines = [
        "# OCR parameters measured (resolution, page segmentation mode, language)",
        "",
        f"Command: `.venv/bin/python -m benchmarks.ocr_tuning --dpis {args.dpis} --psms {args.psms} --langs {args.langs}`",
        "",
        f"Environment: {version}, Python {platform.python_version()}, one process, OMP_THREAD_LIMIT=1.",
        f"Built-in pages: {len(PAGES)} clean + {len(PAGES)} simulated scans (blur, noise, JPEG, ±1.5° skew), with a patent table;",
        f"generated scan: the `sample_docs.generate` scanned packet (200-dpi JPEG scan: cover, 目录, 申报表, lists; {generated_pages} pages),",
        "rendered at the measured resolution as the PDF reader renders it. All through `extractors.ocr.page.ocr_image` (deskew, dot leaders, orientation, lines).",
        "Character error rate = Levenshtein distance / reference length, whitespace and dot leaders removed (mean over pages); time is seconds per page.",
        "Times are comparable within one table only: the machine may be shared.",
        "",
        "| dpi | lang | psm | CER built-in | CER generated scan | CER mean | s/page |",
        "|---|---|---|---|---|---|---|",
    ]
    for dpi, lang, psm, cer_builtin, cer_generated, overall, seconds in results:
        mark = " **(chosen)**" if (dpi, lang, psm) == best[:3] else ""
        lines.append(f"| {dpi} | {lang} | {psm} | {cer_builtin:.2%} | {cer_generated:.2%} | {overall:.2%}{mark} | {seconds:.2f} |")
    lines += [
        "",
        "Orientation detection (OSD, `--psm 0`) on a simulated scan turned 90°:",
        "",
        "| image | seconds | result |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {elapsed:.2f} | {outcome} |" for label, elapsed, outcome in osd_rows]
    lines += ["", f"Chosen: dpi={best[0]}, lang={best[1]}, psm={best[2]} (lowest mean CER; the faster on a tie).", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
