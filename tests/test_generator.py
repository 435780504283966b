"""The sample generator: its files open with the real libraries and its truth is exact."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pikepdf
import pytest
from docx.oxml.ns import qn
from stdnum.cn import uscc

from pipeline.core.result import COVER_KEYS, INDICATOR_KEYS
from tests.rounds import CANONICAL_TITLES
from sample_docs.content import DEFECTS
from sample_docs.generate import VARIANTS, corpus_plan, generate_corpus, generate_packet, packet_id_for
from sample_docs.identifiers import patent_check_char

REAL_IDS = Path("/work/shared/data/real_identifiers.csv")
HONOR_KEYS = {"champion", "little_giant", "specialized_sme", "innovative_sme", "high_tech"}
PATENT_KINDS = {"invention", "utility", "design", "defense", "plant_variety", "crop_variety", "new_drug",
                "tcm_protected", "ic_layout"}
STANDARD_RE = re.compile(r"^(?:[A-Z]{1,4}\d{0,2}(?:/[TZ])?|T/[A-Z]+|Q/[A-Z]+) \d+(?:\.\d+)?-(?:\d{2}|\d{4})$")
HONOR_COUNT_KEYS = {"champion": "champion_count", "little_giant": "little_giant_count",
                    "specialized_sme": "specialized_sme_count", "innovative_sme": "innovative_sme_count",
                    "high_tech": "high_tech_count"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate_corpus(out, count=12, seed=0)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _valid_patent(number: str) -> bool:
    m = re.fullmatch(r"(\d{12}|\d{8})\.([0-9X])", number)
    return bool(m) and patent_check_char(m.group(1)) == m.group(2)


# --------------------------------------------------------------------------- truth format


def _check_truth_format(truth: dict) -> None:
    assert set(truth) >= {"packet_id", "variant", "defects", "cover", "sections", "indicators", "lists",
                          "expected_findings", "page_text"}
    assert truth["variant"] in VARIANTS
    assert set(truth["cover"]) == set(COVER_KEYS)
    assert [s["item"] for s in truth["sections"]] == list(range(1, 21))
    for s in truth["sections"]:
        assert set(s) == {"item", "present", "empty", "file", "first_page", "last_page", "toc_page"}
        if s["present"]:
            assert s["file"] and 1 <= s["first_page"] <= s["last_page"]
        else:
            assert s["file"] is None and s["first_page"] is None and not s["empty"]
    assert set(truth["indicators"]) == set(INDICATOR_KEYS)
    oby = truth["indicators"]["output_yi_by_year"]
    assert oby is None or set(oby) == {"2019", "2020", "2021"}
    lists = truth["lists"]
    assert set(lists) == {"key_enterprises", "standards", "patents", "overseas_branches", "service_platforms"}
    for e in lists["key_enterprises"]:
        assert set(e) == {"name", "uscc", "honors"} and set(e["honors"]) <= HONOR_KEYS
    for s in lists["standards"]:
        assert set(s) == {"number", "title", "role", "rank", "year"} and s["role"] in ("lead", "participate")
    for p in lists["patents"]:
        assert set(p) == {"number", "title", "holder", "kind", "grant_date"} and p["kind"] in PATENT_KINDS
        assert not p["number"].startswith(("ZL", "CN")) and " " not in p["number"]
    for f in truth["expected_findings"]:
        assert {"code", "item", "field"} <= set(f)
    assert json.loads(json.dumps(truth, ensure_ascii=False)) == truth


def test_corpus_covers_every_variant_and_defect(corpus):
    _, truths = corpus
    assert {t["variant"] for t in truths} == set(VARIANTS)
    assert set(DEFECTS) <= {d for t in truths for d in t["defects"]}
    for t in truths:
        _check_truth_format(t)
        codes = sorted(f["code"] for f in t["expected_findings"])
        assert codes == sorted(DEFECTS[d][0] for d in t["defects"]), t["packet_id"]


def test_corpus_plan_never_combines_defects_on_the_same_data():
    for variant, defects in corpus_plan(12, seed=3):
        resources = [r for d in defects for r in DEFECTS[d][1]]
        assert len(resources) == len(set(resources)), defects
        for d in defects:
            assert DEFECTS[d][2] is None or variant in DEFECTS[d][2]


def test_truth_files_on_disk_match_returned_truth(corpus):
    out, truths = corpus
    for t in truths:
        on_disk = json.loads((out / "truth" / f"{t['packet_id']}.json").read_text(encoding="utf-8"))
        assert on_disk == t
        names = {packet_id_for(p.name) for p in (out / "packets").iterdir()}
        assert t["packet_id"] in names


def test_packet_id_rule():
    assert packet_id_for("浚县 食品.zip") == "浚县_食品"
    assert packet_id_for("s0001_docx_浚县食品加工申报材料.docx") == "s0001_docx_浚县食品加工申报材料"


# --------------------------------------------------------------------------- compliant packets are consistent


def test_compliant_packets_meet_every_criterion_and_agree_with_their_lists(corpus):
    _, truths = corpus
    compliant = [t for t in truths if not t["defects"]]
    assert len(compliant) >= len(VARIANTS)
    for t in compliant:
        ind, lists = t["indicators"], t["lists"]
        assert all(ind[k] is not None for k in INDICATOR_KEYS)
        assert t["expected_findings"] == []
        assert all(s["present"] and not s["empty"] for s in t["sections"])
        assert all(s["toc_page"] == s["first_page"] for s in t["sections"])
        assert all(t["cover"][k] for k in ("cluster_name", "region", "leading_industry", "fill_date"))
        # thresholds (domain.md)
        assert ind["area_km2"] <= 100
        assert all(v >= 40 for v in ind["output_yi_by_year"].values())
        assert ind["sme_output_share_pct"] >= 70 and ind["leading_industry_share_pct"] > 70
        assert ind["output_growth_pct"] > 10 and ind["rd_growth_pct"] > 10
        assert ind["champion_count"] + ind["little_giant_count"] >= 1 or (
            ind["specialized_sme_count"] + ind["innovative_sme_count"] + ind["high_tech_count"] >= 10)
        assert ind["patent_growth_pct"] >= 15 and ind["patents_per_10k"] >= 15
        assert ind["industrial_internet_pct"] >= 15
        # consistency: growth, density, counts
        o = ind["output_yi_by_year"]
        cagr = ((o["2021"] / o["2019"]) ** 0.5 - 1) * 100
        mean_yoy = ((o["2020"] / o["2019"] - 1) + (o["2021"] / o["2020"] - 1)) * 50
        assert abs(cagr - ind["output_growth_pct"]) <= 1 and abs(mean_yoy - ind["output_growth_pct"]) <= 1
        density = ind["valid_invention_patents"] / ind["employees"] * 10000
        assert abs(density - ind["patents_per_10k"]) <= 0.02 * density
        numbers = [p["number"] for p in lists["patents"]]
        assert len(numbers) == len(set(numbers)) == ind["valid_invention_patents"]
        for honor, key in HONOR_COUNT_KEYS.items():
            assert sum(honor in e["honors"] for e in lists["key_enterprises"]) == ind[key]
        # identifiers
        assert all(_valid_patent(n) and n[4] in "18" for n in numbers)
        assert all(uscc.is_valid(e["uscc"]) for e in lists["key_enterprises"])
        assert len({e["name"] for e in lists["key_enterprises"]}) == len(lists["key_enterprises"])
        assert all(STANDARD_RE.match(s["number"]) and 2019 <= s["year"] <= 2021 for s in lists["standards"])
        assert all((s["role"] == "lead") == (s["rank"] <= 3) for s in lists["standards"])


def test_patent_check_char_agrees_with_real_numbers():
    rows = list(csv.DictReader(REAL_IDS.open(encoding="utf-8")))
    checked = 0
    for row in rows:
        if row["kind"] == "patent" and row["check"] == "ok":
            digits, check = row["normalized"].split(".")
            assert patent_check_char(digits) == check, row
            checked += 1
    assert checked >= 30
    assert patent_check_char("201710601862") == "3" and patent_check_char("95115608") == "X"


# --------------------------------------------------------------------------- each defect is where the truth says


def test_defects_show_in_the_data(corpus):
    _, truths = corpus
    for t in truths:
        ind, lists, d = t["indicators"], t["lists"], set(t["defects"])
        numbers = [p["number"] for p in lists["patents"]]
        bad_patents = [n for n in numbers if not _valid_patent(n)]
        assert (len(bad_patents) == 1) == ("patent_number_invalid" in d), t["packet_id"]
        assert (len(numbers) != len(set(numbers))) == ("patent_duplicate" in d)
        assert any(p["kind"] == "utility" for p in lists["patents"]) == ("patent_not_invention" in d)
        usccs = [e["uscc"] for e in lists["key_enterprises"]]
        assert (sum(not uscc.is_valid(u) for u in usccs) == 1) == ("uscc_invalid" in d)
        assert (len(usccs) != len(set(usccs))) == ("enterprise_duplicate" in d)
        bad_std = [s for s in lists["standards"] if not STANDARD_RE.match(s["number"])]
        assert (len(bad_std) == 1) == ("standard_number_invalid" in d)
        distinct = len(set(numbers))
        assert (ind["valid_invention_patents"] != distinct) == ("count_mismatch" in d)
        if "indicator_missing" in d:
            assert ind["rd_growth_pct"] is None
        if "area_over_limit" in d:
            assert ind["area_km2"] > 100
        if "patent_density_low" in d:
            assert ind["patents_per_10k"] < 15
        if "density_inconsistent" in d:
            real = ind["valid_invention_patents"] / ind["employees"] * 10000
            assert abs(ind["patents_per_10k"] - real) > 0.1 * real and ind["patents_per_10k"] >= 15
        o = ind["output_yi_by_year"]
        cagr = ((o["2021"] / o["2019"]) ** 0.5 - 1) * 100
        assert (abs(cagr - ind["output_growth_pct"]) > 2) == ("growth_inconsistent" in d)
        assert (min(o.values()) < 40) == ("output_below_threshold" in d)
        missing = [s["item"] for s in t["sections"] if not s["present"]]
        assert bool(missing) == ("section_missing" in d)
        assert any(s["empty"] for s in t["sections"]) == ("section_empty" in d)
        toc_pages = [s["toc_page"] for s in t["sections"] if s["present"]]
        assert all(p is None for p in toc_pages) == ("toc_missing" in d)
        wrong = [s for s in t["sections"] if s["toc_page"] not in (None, s["first_page"])]
        assert (len(wrong) == 1) == ("toc_page_mismatch" in d)
        assert (t["cover"]["fill_date"] is None) == ("cover_field_missing" in d)


# --------------------------------------------------------------------------- the files themselves


def test_text_pdf_has_cjk_text_and_headings_on_their_pages(tmp_path):
    truth = generate_packet("text_table", tmp_path, seed=11, defects=("toc_page_mismatch",))
    pdf_path = tmp_path / "packets" / truth["sections"][0]["file"]
    with pdfplumber.open(pdf_path) as pdf:
        texts = [_squash(p.extract_text() or "") for p in pdf.pages]
        assert "集群名称" in texts[0] and "目录" in texts[1].replace("目录", "目录")
        for s in truth["sections"]:
            page_text = texts[s["first_page"] - 1]
            assert _squash(CANONICAL_TITLES[s["item"]])[:6] in page_text or any(
                key in page_text for key in ("申报表", "符合性说明", "清单", "佐证", "证明", "图谱", "机制")), s
            assert s["last_page"] <= len(pdf.pages)
        # every listed identifier is printed somewhere (as written: with or without ZL/CN, spaces)
        cells = [_squash(c or "") for page in pdf.pages for t in page.extract_tables() for r in t for c in r]
        whole = "".join(texts) + "|" + "|".join(cells)
        for p in truth["lists"]["patents"]:
            assert p["number"][:12][5:] in whole and p["title"] in whole
        for e in truth["lists"]["key_enterprises"]:
            assert e["uscc"] in whole
        # the item 1 form is a real table with merged cells
        tables = pdf.pages[truth["sections"][0]["first_page"] - 1].extract_tables()
        assert tables and any("集群名称" in (cell or "") for row in tables[0] for cell in row)
        # footers carry the physical page number
        assert str(len(pdf.pages)) in (pdf.pages[-1].extract_text() or "").splitlines()[-1]


def test_docx_has_heading_styles_and_page_breaks_matching_truth(tmp_path):
    truth = generate_packet("docx", tmp_path, seed=12)
    document = docx.Document(tmp_path / "packets" / truth["sections"][0]["file"])
    page = 1
    heading_pages: list[int] = []
    for para in document.element.body.iter(qn("w:p")):
        style = para.pPr.pStyle.val if para.pPr is not None and para.pPr.pStyle is not None else ""
        if style.startswith("Heading"):
            heading_pages.append(page)
        page += sum(1 for br in para.iter(qn("w:br")) if br.get(qn("w:type")) == "page")
    assert heading_pages == [s["first_page"] for s in truth["sections"]]
    heading_texts = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert len(heading_texts) == 20
    assert document.tables, "lists and the item 1 form are Word tables"
    normal_fonts = document.styles["Normal"].element.rPr.rFonts
    assert normal_fonts.get(qn("w:eastAsia"))


def test_scanned_pdf_has_no_text_layer_and_records_drawn_text(tmp_path):
    truth = generate_packet("scanned", tmp_path, seed=13)
    name = truth["sections"][0]["file"]
    with pdfplumber.open(tmp_path / "packets" / name) as pdf:
        assert len(pdf.pages) <= 26
        assert all(not (p.extract_text() or "").strip() and not p.chars for p in pdf.pages)
        assert all(p.images for p in pdf.pages)
        drawn = truth["page_text"][name]
        assert set(drawn) == {str(k) for k in range(1, len(pdf.pages) + 1)}
    assert "集群名称" in drawn["1"] and any("有效发明专利" in t for t in drawn.values())


def test_zip_names_are_gbk_without_utf8_flag(tmp_path):
    truth = generate_packet("zip", tmp_path, seed=14, defects=("file_zero_bytes",))
    zip_path = next((tmp_path / "packets").glob("*.zip"))
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        assert all(not (i.flag_bits & 0x800) for i in infos)
        names = [i.filename.encode("cp437").decode("gbk") for i in infos]
    assert names == sorted(names) and "00 封面及目录.pdf" in names
    assert {s["file"] for s in truth["sections"]} <= set(names)
    assert truth["expected_findings"] == [{"code": "FILE_UNREADABLE", "item": None, "field": None,
                                           "file": "22 情况说明.docx"}]


def test_folder_broken_files_really_are_broken(tmp_path):
    defects = ("file_truncated", "file_zero_bytes", "file_encrypted", "file_unsupported")
    truth = generate_packet("folder", tmp_path, seed=15, defects=defects)
    folder = tmp_path / "packets" / truth["packet_id"]
    by_code = {f["file"]: f["code"] for f in truth["expected_findings"]}
    assert sorted(by_code.values()) == ["FILE_ENCRYPTED", "FILE_UNREADABLE", "FILE_UNREADABLE", "FILE_UNSUPPORTED"]
    for name, code in by_code.items():
        path = folder / name
        if name.endswith(".docx"):
            assert path.stat().st_size == 0
        elif code == "FILE_ENCRYPTED":
            with pytest.raises(pikepdf.PasswordError):
                pikepdf.open(path)
        elif code == "FILE_UNREADABLE":
            with pytest.raises(Exception):
                with pdfplumber.open(path) as pdf:
                    pdf.pages[0].extract_text()
        else:
            assert path.read_bytes()[4:8] == b"ftyp"
    kinds = {p.suffix for p in folder.iterdir()}
    assert {".pdf", ".xlsx"} <= kinds and kinds & {".jpg", ".png"}
    for s in truth["sections"]:
        assert (folder / s["file"]).exists()
    image = next(p for p in folder.iterdir() if p.suffix in (".jpg", ".png"))
    assert truth["page_text"][image.name]["1"]


def test_missing_fill_date_is_missing_everywhere(tmp_path):
    truth = generate_packet("text_table", tmp_path, seed=16, defects=("cover_field_missing",))
    with pdfplumber.open(tmp_path / "packets" / truth["sections"][0]["file"]) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "填报日期" not in text and truth["cover"]["fill_date"] is None
    assert truth["expected_findings"] == [{"code": "COVER_FIELD_MISSING", "item": None, "field": "fill_date"}]


def test_same_seed_same_packet(tmp_path):
    a = generate_packet("text_prose", tmp_path / "a", seed=21, defects=("growth_inconsistent",))
    b = generate_packet("text_prose", tmp_path / "b", seed=21, defects=("growth_inconsistent",))
    assert a == b
    pa = next((tmp_path / "a" / "packets").iterdir()).read_bytes()
    pb = next((tmp_path / "b" / "packets").iterdir()).read_bytes()
    assert pa == pb


def test_filler_pages_pad_the_packet(tmp_path):
    plain = generate_packet("text_table", tmp_path / "p", seed=22)
    padded = generate_packet("text_table", tmp_path / "f", seed=22, filler_pages=30)
    last = lambda t: max(s["last_page"] for s in t["sections"])  # noqa: E731
    assert last(padded) - last(plain) >= 30
    assert all(s["toc_page"] == s["first_page"] for s in padded["sections"])


def test_unknown_variant_or_misplaced_defect_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate_packet("fax", tmp_path, seed=1)
    with pytest.raises(ValueError):
        generate_packet("docx", tmp_path, seed=1, defects=("file_encrypted",))
