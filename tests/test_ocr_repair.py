"""Repairing lone misread characters in OCR'd names from the packet's own words."""

from __future__ import annotations

import pytest

from extractors.analysis.ocr_corrections import PacketLexicon, glyph_similarity
from sample_docs.generate import generate_packet

# Lines as a packet would have them: the correct words read elsewhere in it.
PACKET_LINES = [
    "醴陵市日用陶瓷中小企业特色产业集群申报材料",
    "集群以日用陶瓷为主导产业，陶瓷企业四百余家。",
    "河北恒信绒业股份有限公司 河北明泰绒业有限公司 清河县绒业协会",
    "羊绒制品产值八十亿元，绒业企业集中在清河县。",
    "在阿联酋设立分支机构；建成工业互联网平台。",
    "河北万润绒业有限公司位于河北省，产品销往北方各省。",
    "湖南天润陶瓷马来西亚有限公司、马来西亚有限公司",
]


@pytest.fixture(scope="module")
def lexicon() -> PacketLexicon:
    return PacketLexicon.of_texts(PACKET_LINES * 2)


@pytest.mark.parametrize(
    "read, repaired",
    [
        ("株洲华泰陶资实业有限公司", "株洲华泰陶瓷实业有限公司"),  # a dictionary word the packet uses
        ("河北恒信绕业股份有限公司", "河北恒信绒业股份有限公司"),  # a word only the packet knows, often
        ("清河县半绒制品产业检验检测中心", "清河县羊绒制品产业检验检测中心"),
        ("河北明泰绒业阳联酋有限公司", "河北明泰绒业阿联酋有限公司"),  # a three-character word
        ("邢台市羊绒制品工业5联网平台", "邢台市羊绒制品工业互联网平台"),  # a stray digit inside Chinese
        ("湖南天润陶瓷马来凸亚有限公司", "湖南天润陶瓷马来西亚有限公司"),  # "亚" stays, "凸" is the misread
    ],
)
def test_a_lone_misread_character_is_repaired(lexicon, read, repaired):
    assert lexicon.repair(read) == repaired


@pytest.mark.parametrize(
    "name",
    [
        "河北万润绒业有限公司",  # "北" belongs to "河北": "北方" is no reason to read "万" as "方"
        "湖南天润陶瓷马来西亚有限公司",  # "亚有" is frequent ("…亚有限公司"), "业有" too: no matter
        "醴陵市日用陶资产业检验检测中心",  # "资产" is a word: the misread is left, not guessed
        "河北A1绒业有限公司",  # Latin next to Latin is a code, not a misread
        "湖南天润陶瓷科技股份有限公司",
    ],
)
def test_names_without_a_lone_misread_stay_as_read(lexicon, name):
    assert lexicon.repair(name) == name


def test_lookalike_characters_score_above_unrelated_ones():
    assert glyph_similarity("资", "瓷") > 0.4 and glyph_similarity("半", "羊") > 0.4
    assert glyph_similarity("资", "山") < 0.4 and glyph_similarity("万", "万") == pytest.approx(1.0)


def test_correct_names_of_generated_packets_are_never_changed(tmp_path):
    """Every true name of a dozen generated packets, against the packet's own text: no change."""
    names = 0
    for seed in range(300, 312):
        truth = generate_packet("text_prose" if seed % 2 else "text_table", tmp_path, seed=seed)
        lexicon = PacketLexicon.of_texts(text for pages in truth["page_text"].values() for text in pages.values())
        for key in ("key_enterprises", "overseas_branches", "service_platforms"):
            for entry in truth["lists"].get(key, []):
                names += 1
                assert lexicon.repair(entry["name"]) == entry["name"], (seed, key)
    assert names > 200


def _document(method_by_page: dict[int, "ReadMethod"], lines: list[str]):
    from pipeline.core.document import FileKind, Line, Page, Provenance, SourceDocument

    pages = [
        Page(number=number, method=method,
             blocks=[Line(text=text, prov=Provenance(file="申报材料.pdf", page=number, method=method)) for text in lines])
        for number, method in method_by_page.items()
    ]
    return SourceDocument(name="申报材料.pdf", sha256="0" * 64, kind=FileKind.PDF, pages=pages)


def test_cover_names_read_by_ocr_are_repaired_and_text_layer_names_are_not():
    from extractors.analysis.ocr_corrections import repair_ocr_cover
    from pipeline.core.document import ReadMethod
    from pipeline.core.result import Cover, Evidence

    document = _document({1: ReadMethod.OCR, 2: ReadMethod.TEXT}, PACKET_LINES)

    def cover_read_on(page: int) -> Cover:
        cover = Cover(leading_industry="半绒制品", management_body="清河县绕业协会")
        cover.evidence = {key: Evidence(file="申报材料.pdf", page=page, text=value)
                          for key, value in (("leading_industry", "半绒制品"), ("management_body", "清河县绕业协会"))}
        return cover

    repaired = repair_ocr_cover(cover_read_on(1), [document])
    assert (repaired.leading_industry, repaired.management_body) == ("羊绒制品", "清河县绒业协会")
    assert repaired.evidence["leading_industry"].text == "半绒制品"  # the evidence keeps what was read
    untouched = repair_ocr_cover(cover_read_on(2), [document])  # a text layer is not second-guessed
    assert (untouched.leading_industry, untouched.management_body) == ("半绒制品", "清河县绕业协会")


def test_a_character_read_the_same_way_in_several_names_is_not_a_misread() -> None:
    """"触控" is no dictionary word and "触摸" is frequent ("触摸屏"), but the packet reads "触控科技"
    in several names and never "触摸科技": the names stay as read."""
    lines = [
        "长汀星河触控科技有限公司 电容触摸屏", "连城云翔触控科技有限公司 触摸屏模组",
        "上杭万通触控科技有限公司 触摸屏", "集群主导产品为触摸屏、液晶显示模组。",
    ]
    lexicon = PacketLexicon.of_texts(lines)
    assert lexicon.repair("连城云翔触控科技有限公司") == "连城云翔触控科技有限公司"
