"""The lists' columns and field parsers: header synonyms per item, honours, patent kinds,
ranks, platform levels, countries.

Column synonyms of every list live in `COLUMNS`; a header row is matched against them
by meaning (`extractors.analysis.tables.match_header`).
"""

from __future__ import annotations

import re

import cn2an

from extractors.analysis import nlp

HONOR_ORDER = ("champion", "little_giant", "specialized_sme", "innovative_sme", "high_tech")

COLUMNS: dict[int, dict[str, tuple[str, ...]]] = {
    3: {
        "name": ("企业名称", "单位名称", "名称", "企业", "公司名称"),
        "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "组织机构代码"),
        "honors": ("荣誉", "企业荣誉", "荣誉称号", "称号", "企业类型", "类别", "类型", "资质", "认定类型", "认定情况", "企业类别"),
    },
    7: {
        "number": ("标准号", "标准编号", "编号", "标准代号"),
        "title": ("标准名称", "名称"),
        "role": ("主持或参与", "主持/参与", "角色", "参与方式", "主持参与", "参与类型", "类型", "性质"),
        "rank": ("排名", "起草单位排名", "排序", "位次", "起草排名", "单位排名"),
        "year": ("年份", "发布年份", "发布时间", "发布日期", "实施日期", "发布年度"),
    },
    8: {
        "number": ("专利号", "申请号", "授权号", "专利申请号", "专利号申请号", "证书号", "登记号", "品种权号"),
        "title": ("专利名称", "名称", "发明名称", "发明创造名称", "成果名称"),
        "holder": ("专利权人", "权利人", "申请人", "企业名称", "所属企业", "单位名称", "专利权人名称"),
        "kind": ("专利类型", "类型", "类别", "种类", "知识产权类型"),
        "grant_date": ("授权日", "授权日期", "授权公告日", "公告日", "授权时间", "发证日期"),
    },
    17: {
        # the branch's own name before the parent enterprise's, when a table has both
        "name": ("境外机构名称", "分支机构名称", "境外分支机构名称", "机构名称", "境外分支机构", "名称", "企业名称"),
        "country": ("国家", "所在国家", "国家地区", "国别", "所在国家地区", "所在地", "地区"),
    },
    18: {
        "name": ("平台名称", "名称", "服务平台名称", "公共服务平台名称"),
        "level": ("级别", "平台级别", "认定级别", "层级", "等级", "认定层级"),
    },
}
KEY_FIELD = {3: "name", 7: "number", 8: "number", 17: "name", 18: "name"}

NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.、．)），,。](?!\d)|[（(]\s*\d{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}\s*、|第\s*\d+\s*[项条])\s*")
TOTAL_ROW = re.compile(r"^(?:合\s*计|总\s*计|小\s*计|共\s*计|以下空白|此页无正文)")
_LEVELS = (("国家级", "国家级"), ("国家", "国家级"), ("省级", "省级"), ("省", "省级"), ("市级", "市级"), ("市", "市级"), ("县级", "县级"), ("县", "县级"), ("区级", "县级"))
COUNTRIES = (
    "越南", "泰国", "马来西亚", "新加坡", "印度尼西亚", "印尼", "菲律宾", "柬埔寨", "老挝", "缅甸", "印度", "巴基斯坦",
    "孟加拉国", "斯里兰卡", "日本", "韩国", "蒙古", "哈萨克斯坦", "乌兹别克斯坦", "吉尔吉斯斯坦", "塔吉克斯坦",
    "俄罗斯", "白俄罗斯", "乌克兰", "土耳其", "阿联酋", "沙特阿拉伯", "沙特", "卡塔尔", "伊朗", "以色列", "埃及",
    "德国", "法国", "英国", "意大利", "西班牙", "葡萄牙", "荷兰", "比利时", "瑞士", "瑞典", "挪威", "丹麦", "芬兰",
    "波兰", "捷克", "匈牙利", "塞尔维亚", "希腊", "奥地利", "爱尔兰", "美国", "加拿大", "墨西哥", "巴西", "阿根廷",
    "智利", "秘鲁", "哥伦比亚", "澳大利亚", "新西兰", "南非", "尼日利亚", "肯尼亚", "埃塞俄比亚", "坦桑尼亚",
    "阿尔及利亚", "摩洛哥", "中国香港", "香港", "中国澳门", "澳门", "中国台湾",
)
PATENT_KIND_WORDS = (
    ("国防", "defense"),
    ("植物新品种", "plant_variety"),
    ("农作物", "crop_variety"),
    ("新药", "new_drug"),
    ("中药", "tcm_protected"),
    ("集成电路", "ic_layout"),
    ("布图", "ic_layout"),
    ("实用新型", "utility"),
    ("外观", "design"),
    ("发明", "invention"),
)
SPECIAL_PATENT_KINDS = {"defense", "plant_variety", "crop_variety", "new_drug", "tcm_protected", "ic_layout"}




def parse_honors(text: str) -> list[str]:
    """Honour keys named in `text`, in contract order: 小巨人 is not also 专精特新中小企业."""
    found: set[str] = set()
    for fragment in re.split(r"[、，,；;/\n|]|和|及", nlp.fold_width(text)):
        squashed = re.sub(r"[\s“”\"'‘’]", "", fragment)
        if "单项冠军" in squashed:
            found.add("champion")
        if "小巨人" in squashed:
            found.add("little_giant")
        elif "专精特新" in squashed:
            found.add("specialized_sme")
        if "创新型" in squashed:
            found.add("innovative_sme")
        if "高新技术企业" in squashed or "高企" in squashed or squashed.endswith("高新技术"):
            found.add("high_tech")
    return [h for h in HONOR_ORDER if h in found]


def patent_kind(number: str | None, type_text: str | None) -> str:
    """Special kinds from the type column; else digit 5 (or 3 of the old form); else the type column."""
    written_kind = None
    if type_text:
        squashed = re.sub(r"\s", "", type_text)
        written_kind = next((kind for word, kind in PATENT_KIND_WORDS if word in squashed), None)
    if written_kind in SPECIAL_PATENT_KINDS:
        return written_kind
    if number:
        match = re.fullmatch(r"(\d{12})(?:\.[0-9X])?|(\d{8})(?:\.?[0-9X])?", number)
        if match:
            digit = match.group(1)[4] if match.group(1) else match.group(2)[2]
            by_digit = {"1": "invention", "8": "invention", "2": "utility", "9": "utility", "3": "design"}.get(digit)
            if by_digit:
                return by_digit
    return written_kind or "invention"


def parse_rank(text: str | None) -> int | None:
    if not text:
        return None
    folded = nlp.fold_width(text)
    match = re.search(r"\d+", folded)
    if match:
        return int(match.group())
    match = re.search(r"[一二三四五六七八九十]+", folded)
    if match:
        try:
            return int(cn2an.cn2an(match.group(), "normal"))
        except ValueError:
            return None
    return None


def parse_level(text: str | None) -> str | None:
    if not text:
        return None
    squashed = re.sub(r"\s", "", text)
    for word, level in _LEVELS[::2]:  # explicit 级 first
        if word in squashed:
            return level
    for word, level in _LEVELS[1::2]:
        if squashed.startswith(word) or squashed.endswith(word):
            return level
    return None


def find_country(text: str) -> str | None:
    folded = nlp.fold_width(text)
    labelled = re.search(r"(?:国家|国别|所在国)(?:（地区）|\(地区\)|/地区|和地区)?[:：]\s*([\u4e00-\u9fff]{2,8})", folded)
    if labelled:
        return labelled.group(1)
    positions = [(folded.find(c), -len(c), c) for c in COUNTRIES if c in folded]
    return min(positions)[2] if positions else None


def clean_field(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = re.sub(r"\s+", " ", text).strip().strip("《》")
    return cleaned or None


def quoted_title(text: str) -> str | None:
    quoted = re.search(r"《([^》]+)》", text)
    return quoted.group(1).strip() if quoted else None
