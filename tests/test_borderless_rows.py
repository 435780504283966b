"""A borderless roster on a scan: rows from the words' geometry, one record per credit code.

The page is drawn here (its own layout, not a copy of any packet): a table without
rules whose narrow name column wraps long names onto a second line ("…有限责任" /
"公司") while the other cells of the row stay on one line, centred between the two.
Read by the default engine, every row must come back as one record holding the whole
name in writing order and its own credit code — a wrapped name's last line does not
jump ahead of its first, and a row that reaches the right margin does not swallow the
next row.
"""

from __future__ import annotations

import random
import unicodedata

import pytest
from PIL import Image, ImageDraw, ImageFont
from stdnum.cn import uscc

from extractors.analysis.list_records import line_records
from extractors.analysis.lists import enterprise_from
from extractors.ocr.page import ocr_image
from pipeline.core.settings import Settings

DPI = 200
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
ITEM_KEY_ENTERPRISES = 3

ROWS = [
    (["平阳宏达机械制造有限公司"], "创新型中小企业", "数控机床整机及关键功能部件"),
    (["平阳瑞祥精密铸造有限责任", "公司"], "国家级高新技术企业", "精密铸件"),
    (["鹤壁东方新材料科技股份有", "限公司"], "省级专精特新中小企业", "特种合金与表面处理材料"),
    (["平阳鑫源电机有限公司"], "创新型中小企业", "伺服电机"),
    (["恒信（平阳）液压件有限公", "司"], "国家级专精特新“小巨人”企业", "液压阀组及成套液压系统"),
]


def _folded(text: str) -> str:
    """Widths folded, as the reviewer compares names ("（" and "(" are one bracket)."""
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def _code(rng: random.Random) -> str:
    body = "914" + "".join(rng.choice("0123456789") for _ in range(5)) + "MA" + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return body + uscc.calc_check_digit(body)


def _roster() -> tuple[Image.Image, list[tuple[str, str]]]:
    rng = random.Random(41)
    size = 30
    font = ImageFont.truetype(FONT, size)
    page = Image.new("L", (1654, 1200), 246)  # paper tone, as a scan
    draw = ImageDraw.Draw(page)
    columns = [120, 200, 580, 960, 1290]  # 序号, 名称 (narrow: names wrap), 代码, 称号, 主营产品
    header = ["序号", "企业名称", "统一社会信用代码", "企业称号", "主营产品"]
    for x, text in zip(columns, header):
        draw.text((x, 140), text, font=font, fill=20)
    truth = []
    y = 220
    for number, (name_lines, honour, product) in enumerate(ROWS, start=1):
        code = _code(rng)
        height = size * 1.45 * len(name_lines)
        middle = y + height / 2 - size / 2
        draw.text((columns[0], middle), str(number), font=font, fill=20)
        for i, part in enumerate(name_lines):
            draw.text((columns[1], y + i * size * 1.45), part, font=font, fill=20)
        draw.text((columns[2], middle), code, font=font, fill=20)
        draw.text((columns[3], middle), honour, font=ImageFont.truetype(FONT, 22), fill=20)
        draw.text((columns[4], middle), product, font=ImageFont.truetype(FONT, 22), fill=20)
        truth.append(("".join(name_lines), code))
        y += height + size
    return page, truth


@pytest.fixture(scope="module")
def roster_lines():
    image, truth = _roster()
    page, findings = ocr_image(image, "重点企业名单.pdf", 1, Settings(use_cache=False), dpi=DPI)
    assert findings == []
    return [b for b in page.blocks if b.kind == "line"], truth


def test_a_wrapped_name_is_read_in_writing_order(roster_lines) -> None:
    lines, truth = roster_lines
    text = _folded("\n".join(line.text for line in lines))
    for name, _ in truth:
        assert _folded(name) in text, text


def test_every_row_is_one_enterprise_with_its_own_code(roster_lines) -> None:
    lines, truth = roster_lines
    records = [r for r in line_records(lines, ITEM_KEY_ENTERPRISES)]
    enterprises = [e for e in (enterprise_from(r) for r in records) if e is not None]
    assert [(_folded(e.name), e.uscc) for e in enterprises] == [(_folded(n), c) for n, c in truth], \
        [r.text for r in records]
