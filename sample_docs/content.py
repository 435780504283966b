"""What a generated packet says: cover, 目录, the 20 items, and the truth behind them.

Everything here is renderer-neutral (paragraphs, grids, page breaks); the
renderers in `render_pdf.py`, `render_docx.py` and `render_files.py` turn it into
files. All randomness flows from one `random.Random`, so a seed fixes a packet.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Union

import cn2an

from sample_docs import identifiers as ids

# --------------------------------------------------------------------------- blocks


@dataclass
class Para:
    text: str
    align: str = "justify"  # left | center | right | justify
    bold: bool = False
    scale: float = 1.0  # relative to the body font size
    indent: bool = True  # first-line indent of two characters


@dataclass
class Grid:
    rows: list[list[str]]
    header_rows: int = 1
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row, col, n_rows, n_cols)
    widths: list[float] | None = None  # relative column widths
    sheet: str | None = None  # sheet name when written to XLSX


@dataclass
class Break:
    """An explicit page break inside an item (filler pages, long lists in DOCX)."""


Block = Union[Para, Grid, Break]


@dataclass
class ItemDoc:
    item: int
    heading: list[str]  # as printed: numbering prefix + title, one line or two when split
    blocks: list[Block]
    empty: bool = False
    prefix: str = ""  # the numbering ("一、", "3.", ...), for DOCX automatic numbering
    title_lines: list[str] = field(default_factory=list)  # the heading without its prefix


@dataclass
class CoverDoc:
    title_lines: list[str]
    fields: list[tuple[str, str]]  # (label, value) as printed
    issuer: str | None = None


@dataclass
class TocDoc:
    title: str
    entries: list[tuple[int, str]]  # (item, text) in document order
    layout: str  # "dots" | "table"


# --------------------------------------------------------------------------- regions and industries


@dataclass(frozen=True)
class Region:
    province: str
    city: str
    county: str
    division: str  # 6-digit administrative division code
    industry: str
    local_std: str  # DB code of the province
    city_bureau: str


REGIONS: tuple[Region, ...] = (
    Region("河南省", "鹤壁市", "浚县", "410621", "食品加工", "DB41", "鹤壁市工业和信息化局"),
    Region("河南省", "新乡市", "长垣市", "410783", "起重装备", "DB41", "新乡市工业和信息化局"),
    Region("河南省", "许昌市", "长葛市", "411082", "再生金属", "DB41", "许昌市工业和信息化局"),
    Region("河南省", "鹤壁市", "淇滨区", "410611", "镁基新材料", "DB41", "鹤壁市工业和信息化局"),
    Region("浙江省", "宁波市", "慈溪市", "330282", "智能家电", "DB33", "宁波市经济和信息化局"),
    Region("山东省", "潍坊市", "寿光市", "370783", "蔬菜种业", "DB37", "潍坊市工业和信息化局"),
    Region("湖南省", "株洲市", "醴陵市", "430281", "日用陶瓷", "DB43", "株洲市工业和信息化局"),
    Region("福建省", "泉州市", "晋江市", "350582", "运动鞋服", "DB35", "泉州市工业和信息化局"),
    Region("河北省", "邢台市", "清河县", "130534", "羊绒制品", "DB13", "邢台市工业和信息化局"),
    Region("安徽省", "宣城市", "宁国市", "341881", "汽车零部件", "DB34", "宣城市经济和信息化局"),
)


@dataclass(frozen=True)
class Industry:
    word: str  # in enterprise names
    products: tuple[str, ...]
    processes: tuple[str, ...]
    devices: tuple[str, ...]
    upstream: tuple[str, ...]
    midstream: tuple[str, ...]
    downstream: tuple[str, ...]
    std_codes: tuple[str, ...]
    group_std: str


INDUSTRIES: dict[str, Industry] = {
    "食品加工": Industry("食品", ("速冻水饺", "挂面", "休闲食品", "调味品", "鲜湿面条", "肉制品"),
                     ("低温速冻", "连续熟化", "真空和面", "微波杀菌", "非油炸膨化"),
                     ("和面机", "速冻隧道", "自动包装机", "杀菌釜"),
                     ("小麦种植", "面粉加工", "生猪养殖", "包装材料"), ("面制品加工", "肉制品加工", "调味品生产"),
                     ("商超连锁", "餐饮供应链", "电商直播", "出口贸易"), ("GB/T", "QB/T", "SB/T", "NY/T"), "T/CNFIA"),
    "起重装备": Industry("起重", ("桥式起重机", "电动葫芦", "门式起重机", "起重机减速器", "防爆起重机"),
                     ("激光切割", "机器人焊接", "变频调速", "远程运维"),
                     ("主梁焊接机器人", "端梁加工中心", "试验台架", "智能控制柜"),
                     ("钢材", "电机", "减速器", "钢丝绳"), ("整机制造", "核心部件", "电气控制"),
                     ("港口物流", "冶金", "电力", "轨道交通"), ("GB/T", "JB/T"), "T/CMIF"),
    "再生金属": Industry("再生资源", ("再生铝锭", "再生铜杆", "不锈钢废料", "铝合金压铸件"),
                     ("智能分选", "熔炼除杂", "连铸连轧", "烟气净化"),
                     ("破碎分选线", "双室熔炼炉", "光谱分析仪", "除尘装置"),
                     ("废旧金属回收", "拆解", "物流仓储"), ("分选加工", "熔炼铸造", "精深加工"),
                     ("汽车", "建筑", "电线电缆", "五金制品"), ("GB/T", "YS/T", "YB/T"), "T/CNIA"),
    "镁基新材料": Industry("镁业", ("镁合金锭", "镁合金压铸件", "镁粉", "镁合金型材"),
                      ("半连续铸造", "真空压铸", "挤压成型", "表面微弧氧化"),
                      ("压铸单元", "熔炼炉", "挤压机", "检测平台"),
                      ("白云石", "原镁冶炼", "合金添加剂"), ("镁合金熔铸", "压铸加工", "型材挤压"),
                      ("汽车轻量化", "3C电子", "航空航天"), ("GB/T", "YS/T"), "T/CNIA"),
    "智能家电": Industry("电器", ("小家电", "空气炸锅", "净水器", "电热水壶", "除湿机"),
                     ("注塑成型", "智能控制", "整机检测", "柔性装配"),
                     ("注塑机", "自动装配线", "老化测试台", "视觉检测系统"),
                     ("塑料粒子", "电机", "控制芯片", "模具"), ("整机制造", "零部件配套", "模具加工"),
                     ("跨境电商", "品牌代工", "国内零售"), ("GB/T", "QB/T", "SJ/T"), "T/CEEIA"),
    "蔬菜种业": Industry("种业", ("番茄种子", "黄瓜种子", "辣椒种子", "育苗基质"),
                     ("分子标记育种", "工厂化育苗", "种子包衣", "基因组选择"),
                     ("育苗播种流水线", "种子精选机", "智能温室", "检测仪"),
                     ("种质资源", "育种研发", "基质肥料"), ("种子生产", "集约化育苗", "种子加工"),
                     ("设施蔬菜种植", "农资流通", "出口"), ("GB/T", "NY/T"), "T/CSAA"),
    "日用陶瓷": Industry("陶瓷", ("日用细瓷", "釉下五彩瓷", "骨质瓷", "酒店用瓷"),
                     ("高温烧成", "等静压成型", "釉下彩绘", "窑炉余热回收"),
                     ("梭式窑", "等静压成型机", "自动施釉线", "辊道窑"),
                     ("高岭土", "长石", "釉料", "包装"), ("坯体成型", "烧成", "装饰加工"),
                     ("酒店餐饮", "礼品", "出口贸易"), ("GB/T", "QB/T", "JC/T"), "T/CCIA"),
    "运动鞋服": Industry("体育用品", ("运动鞋", "运动服装", "鞋底材料", "功能面料"),
                     ("飞织鞋面", "3D打样", "智能裁剪", "无胶粘合"),
                     ("飞织机", "自动裁床", "注塑成型机", "智能吊挂线"),
                     ("化纤面料", "橡胶", "EVA材料", "辅料"), ("鞋服制造", "鞋材生产", "设计研发"),
                     ("品牌零售", "跨境电商", "体育赛事"), ("GB/T", "QB/T", "FZ/T"), "T/CNTAC"),
    "羊绒制品": Industry("绒业", ("无毛绒", "羊绒纱线", "羊绒衫", "羊绒面料"),
                     ("绒毛分梳", "精纺", "无缝织造", "低温染色"),
                     ("分梳机", "电脑横机", "染色机", "检测仪"),
                     ("原绒收购", "洗绒", "分梳"), ("纺纱", "织造", "染整"),
                     ("品牌服装", "外贸出口", "电商"), ("GB/T", "FZ/T"), "T/CNTAC"),
    "汽车零部件": Industry("汽车部件", ("橡胶密封件", "减震器", "轴承", "汽车线束", "制动钳"),
                       ("精密锻造", "硫化成型", "数控加工", "自动化装配"),
                       ("硫化机", "数控车床", "检测线", "装配机器人"),
                       ("橡胶", "钢材", "铝材", "电子元件"), ("零部件制造", "模具", "总成装配"),
                       ("整车企业", "售后市场", "出口"), ("GB/T", "QC/T", "JB/T"), "T/CSAE"),
}

BRANDS = ("永达", "华英", "金丰", "瑞祥", "宏图", "鑫源", "汇通", "天成", "德力", "恒信", "众鑫", "博远",
          "嘉禾", "明泰", "凯瑞", "正阳", "兴隆", "新宇", "泰和", "万润", "海诚", "联创", "华锐", "腾飞",
          "康达", "盛世", "润丰", "佳美", "远航", "中天", "金诺", "广源", "祥和", "同力", "创佳", "顺达",
          "思源", "利民", "卓信", "宏达", "三和", "银河", "东方", "安泰", "富源", "嘉信", "鼎盛", "长青",
          "聚力", "丰华", "天润", "恒通", "蓝天", "华泰", "金鹏", "立新", "盛达", "百川", "方正", "九州")
ORG_FORMS = ("有限公司", "股份有限公司", "科技有限公司", "实业有限公司", "科技股份有限公司")
COUNTRIES = ("越南", "泰国", "马来西亚", "德国", "美国", "俄罗斯", "哈萨克斯坦", "印度尼西亚", "阿联酋", "墨西哥")

HONOR_KEYS = ("champion", "little_giant", "specialized_sme", "innovative_sme", "high_tech")
HONOR_WORDING: dict[str, tuple[str, ...]] = {
    "champion": ("制造业单项冠军示范企业", "制造业单项冠军企业", "国家级制造业单项冠军"),
    "little_giant": ("国家级专精特新“小巨人”企业", "专精特新“小巨人”企业", "国家级专精特新\"小巨人\""),
    "specialized_sme": ("省级专精特新中小企业", "专精特新中小企业", "{province}专精特新中小企业"),
    "innovative_sme": ("创新型中小企业", "省级创新型中小企业"),
    "high_tech": ("国家级高新技术企业", "国家高新技术企业", "高新技术企业"),
}

# --------------------------------------------------------------------------- item titles

TEMPLATE_TITLES: dict[int, tuple[str, ...]] = {
    1: ("中小企业特色产业集群申报表",),
    2: ("省辖市级工业和信息化主管部门现场核查符合性说明", "市级工业和信息化主管部门现场核查符合性说明",
        "现场核查符合性说明"),
    3: ("集群内重点企业名单（省级以上“专精特新”中小企业、制造业单项冠军、国家级高新技术企业等）",
        "集群内重点企业名单"),
    4: ("产业链图谱", "集群产业链图谱"),
    5: ("集群已开展的制造资源共享工作佐证材料", "集群已开展的制造资源共享工作证明材料",
        "集群开展制造资源共享工作佐证材料"),
    6: ("集群已开展的质量品牌建设工作佐证材料", "集群已开展的质量品牌建设工作证明材料"),
    7: ("集群内中小企业近三年主持（起草单位排名前三位）或参与制修订标准清单",
        "集群内中小企业近三年主持或参与制修订标准清单", "集群中小企业近三年主持或参与制修订的标准清单"),
    8: ("集群内中小企业有效发明专利清单（包括发明专利、国防专利、植物新品种、国家级农作物品种、国家新药、"
        "国家一级中药保护品种、集成电路布图设计专有权等）", "集群内中小企业有效发明专利清单"),
    9: ("集群已开展的协同创新工作佐证材料", "集群已开展的协同创新工作证明材料"),
    10: ("集群开展的数字化服务工作佐证材料", "集群开展数字化服务工作证明材料"),
    11: ("集群开展数字化新模式新业态推广工作佐证材料", "集群开展数字化新模式、新业态推广工作证明材料"),
    12: ("集群碳排放监测机制", "集群碳排放监测机制建设情况"),
    13: ("集群开展碳达峰碳中和相关宣传、监测等工作情况佐证材料", "集群开展碳达峰、碳中和相关宣传和监测工作证明材料"),
    14: ("集群开展的能源和资源综合利用工作佐证材料", "集群开展能源和资源综合利用工作证明材料"),
    15: ("集群已具备绿色低碳公共服务能力佐证材料", "集群已具备绿色低碳公共服务能力证明材料"),
    16: ("集群开展的国际合作交流活动佐证材料", "集群开展国际合作交流活动证明材料"),
    17: ("集群或集群内企业在境外设立分支机构清单、营业执照等", "集群内企业在境外设立分支机构清单及营业执照"),
    18: ("集群已建设的中小企业公共服务平台清单及认定文件", "集群已建设的中小企业公共服务平台清单"),
    19: ("集群已提供的中小企业公共服务清单、合同等", "集群已提供的中小企业公共服务清单及合同"),
    20: ("集群治理情况佐证材料", "集群治理情况证明材料"),
}

def cn_number(n: int) -> str:
    """1..99 as Chinese numerals (一, 十二, 二十)."""
    return cn2an.an2cn(n)


def numbering_prefix(style: str, n: int) -> str:
    if style == "cn":
        return f"{cn_number(n)}、"
    if style == "dot":
        return f"{n}."
    if style == "dun":
        return f"{n}、"
    if style == "paren":
        return f"（{cn_number(n)}）"
    if style == "di":
        return f"第{cn_number(n)}项 "
    if style == "none":
        return ""
    raise ValueError(f"unknown numbering style {style!r}")


# --------------------------------------------------------------------------- defects

# name -> (finding code, resources it touches, variants it needs or None for any)
DEFECTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...] | None]] = {
    "section_missing": ("SECTION_MISSING", ("items_missing",), None),
    "section_empty": ("SECTION_EMPTY", ("items_empty",), None),
    "section_order": ("SECTION_ORDER", ("items_order",), None),
    "toc_missing": ("TOC_MISSING", ("toc",), None),
    "toc_page_mismatch": ("TOC_PAGE_MISMATCH", ("toc",), None),
    "cover_field_missing": ("COVER_FIELD_MISSING", ("cover",), None),
    "area_over_limit": ("AREA_OVER_LIMIT", ("area",), None),
    "output_below_threshold": ("OUTPUT_BELOW_THRESHOLD", ("outputs",), None),
    "sme_share_low": ("SME_SHARE_LOW", ("sme",), None),
    "leading_share_low": ("LEADING_SHARE_LOW", ("leading",), None),
    "output_growth_low": ("OUTPUT_GROWTH_LOW", ("outputs",), None),
    "enterprise_tier_low": ("ENTERPRISE_TIER_LOW", ("tiers",), None),
    "rd_growth_low": ("RD_GROWTH_LOW", ("rd",), None),
    "patent_growth_low": ("PATENT_GROWTH_LOW", ("patent_growth",), None),
    "patent_density_low": ("PATENT_DENSITY_LOW", ("density",), None),
    "industrial_internet_low": ("INDUSTRIAL_INTERNET_LOW", ("ii",), None),
    "indicator_missing": ("INDICATOR_MISSING", ("rd",), None),
    "patent_number_invalid": ("PATENT_NUMBER_INVALID", ("patent_check",), None),
    "patent_duplicate": ("PATENT_DUPLICATE", ("patent_count",), None),
    "patent_not_invention": ("PATENT_NOT_INVENTION", ("patent_count",), None),
    "uscc_invalid": ("USCC_INVALID", ("uscc",), None),
    "standard_number_invalid": ("STANDARD_NUMBER_INVALID", ("standards",), None),
    "count_mismatch": ("COUNT_MISMATCH", ("patent_count",), None),
    "growth_inconsistent": ("GROWTH_INCONSISTENT", ("outputs",), None),
    "density_inconsistent": ("DENSITY_INCONSISTENT", ("density",), None),
    "enterprise_duplicate": ("ENTERPRISE_DUPLICATE", ("ent_dup",), None),
    "verification_statement_incomplete": ("VERIFICATION_STATEMENT_INCOMPLETE", ("verification",), None),
    "file_truncated": ("FILE_UNREADABLE", ("file_truncated",), ("folder", "zip")),
    "file_zero_bytes": ("FILE_UNREADABLE", ("file_zero",), ("folder", "zip")),
    "file_encrypted": ("FILE_ENCRYPTED", ("file_encrypted",), ("folder", "zip")),
    "file_unsupported": ("FILE_UNSUPPORTED", ("file_unsupported",), ("folder", "zip")),
}

MISSING_POOL = (4, 12, 16, 19, 20)
EMPTY_POOL = (11, 13)
ORDER_POOL = ((5, 6), (9, 10), (14, 15))
TOC_WRONG_POOL = (3, 7, 17, 18)
INDICATOR_MISSING_FIELD = "rd_growth_pct"


# --------------------------------------------------------------------------- the packet model


@dataclass
class Style:
    """Every presentation choice, drawn once per packet."""

    numbering: str
    numbering_docx_auto: bool
    item1_layout: str  # "table" | "prose"
    money_unit: str  # "yi" | "wan"
    money_flourish: str  # "" | "cn" | "fullwidth" | "thousands"
    pct_fullwidth: bool
    qualifier_area: str  # "" | "约" | "近"
    employees_style: str  # "plain" | "thousands" | "wan"
    patent_style: str
    list_layout: dict[str, str]  # item -> "table" | "lines"
    split_heading_item: int | None
    toc_layout: str
    footer: str  # "第 N 页" style key: "di" | "dash" | "plain"
    font_key: str
    body_size: float
    heading_size: float
    margin_cm: float
    items_new_page: bool
    cover_optional: bool  # include 集群运营管理机构 / 集群成立时间
    title_choice: dict[int, str]
    column_order_seed: int
    wording: int  # 0..2, picks phrasing variants
    scan_dpi: int = 200


@dataclass
class Enterprise:
    name: str
    uscc: str
    honors: list[str]
    honor_text: str


@dataclass
class Patent:
    written: str
    number: str  # normalised
    title: str
    holder: str
    kind: str
    grant_date: str


@dataclass
class Standard:
    number: str  # normalised
    written: str
    title: str
    role_cn: str  # 主持 | 参与
    rank: int
    year: int
    unit: str


@dataclass
class Indicators:
    area_km2: float
    outputs: dict[str, float]
    output_growth_pct: float
    sme_output_share_pct: float
    leading_industry_share_pct: float
    champion_count: int
    little_giant_count: int
    specialized_sme_count: int
    innovative_sme_count: int
    high_tech_count: int
    rd_growth_pct: float | None
    valid_invention_patents: int
    patent_growth_pct: float
    employees: int
    patents_per_10k: float
    industrial_internet_pct: float

    def truth(self) -> dict:
        return {
            "area_km2": self.area_km2,
            "output_yi_by_year": dict(self.outputs),
            "sme_output_share_pct": self.sme_output_share_pct,
            "leading_industry_share_pct": self.leading_industry_share_pct,
            "output_growth_pct": self.output_growth_pct,
            "champion_count": self.champion_count,
            "little_giant_count": self.little_giant_count,
            "specialized_sme_count": self.specialized_sme_count,
            "innovative_sme_count": self.innovative_sme_count,
            "high_tech_count": self.high_tech_count,
            "rd_growth_pct": self.rd_growth_pct,
            "valid_invention_patents": self.valid_invention_patents,
            "patent_growth_pct": self.patent_growth_pct,
            "employees": self.employees,
            "patents_per_10k": self.patents_per_10k,
            "industrial_internet_pct": self.industrial_internet_pct,
        }


@dataclass
class PacketModel:
    region: Region
    industry: Industry
    cluster_name: str
    management_body: str
    established: str  # "YYYY-MM"
    fill_date: str  # "YYYY-MM-DD"
    style: Style
    indicators: Indicators
    enterprises: list[Enterprise]
    standards: list[Standard]
    patents: list[Patent]
    branches: list[tuple[str, str]]
    platforms: list[tuple[str, str]]
    cover: CoverDoc
    toc: TocDoc | None
    items: list[ItemDoc]  # document order; missing items absent
    missing_items: list[int]
    expected_findings: list[dict]
    cover_truth: dict


# --------------------------------------------------------------------------- helpers


def _fw(text: str) -> str:
    """Full-width digits (and the decimal point) as some applicants type them."""
    return text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))


def _fmt_num(value: float, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pct(value: float, style: Style) -> str:
    text = _fmt_num(value, 2) + "%"
    return _fw(text[:-1]) + "％" if style.pct_fullwidth else text


def money_text(value_yi: float, style: Style, allow_flourish: bool) -> str:
    """An output value written the way this packet writes money."""
    flourish = style.money_flourish if allow_flourish else ""
    if style.money_unit == "wan":
        wan = round(value_yi * 10000)
        if flourish == "thousands":
            return f"{wan:,}万元"
        if flourish == "fullwidth":
            return _fw(str(wan)) + "万元"
        return f"{wan}万元"
    if flourish == "cn":
        return cn2an.an2cn(_fmt_num(value_yi)) + "亿元"
    if flourish == "fullwidth":
        return _fw(_fmt_num(value_yi)) + "亿元"
    return f"{_fmt_num(value_yi)}亿元"


def employees_text(n: int, style: Style) -> str:
    if style.employees_style == "wan" and n % 100 == 0 and style.qualifier_area:
        return f"{'超' if style.wording == 0 else '近'}{_fmt_num(n / 10000, 4)}万人"  # a rounded figure
    if style.employees_style == "thousands":
        return f"{n:,}人"
    if style.employees_style == "wan":
        return f"{_fmt_num(n / 10000, 4)}万人"
    return f"{n}人"


# --------------------------------------------------------------------------- building


def draw_style(rng: random.Random, variant: str) -> Style:
    layout_default = "table" if variant in ("text_table", "docx", "folder", "zip") else "prose"
    if variant == "scanned":
        layout_default = rng.choice(["table", "prose"])
    titles = {i: rng.choice(opts) for i, opts in TEMPLATE_TITLES.items()}
    money_unit = rng.choice(["yi", "yi", "wan"])
    flourishes = ["", "thousands", "fullwidth"] if money_unit == "wan" else ["", "", "cn", "fullwidth"]
    if variant == "scanned":
        flourishes = [""]
    return Style(
        numbering=rng.choice(["cn", "dot", "dun", "paren", "di", "none"]),
        numbering_docx_auto=rng.random() < 0.5,
        item1_layout=layout_default,
        money_unit=money_unit,
        money_flourish=rng.choice(flourishes),
        pct_fullwidth=variant != "scanned" and rng.random() < 0.2,
        qualifier_area=rng.choice(["", "", "约", "近"]),
        employees_style=rng.choice(["plain", "thousands", "wan"]),
        patent_style=rng.choice(["zl_spaced", "zl_compact", "zl_space", "plain", "cn", "nodot"]),
        list_layout={k: ("table" if rng.random() < 0.7 else "lines") for k in ("3", "7", "8", "17", "18")},
        split_heading_item=rng.choice([None, 8, 13, 3]),
        toc_layout=rng.choice(["dots", "table"]),
        footer=rng.choice(["di", "dash", "plain"]),
        font_key=rng.choice(["zenhei", "microhei", "uming"]),
        body_size=rng.choice([12.0, 12.5]) if variant == "scanned" else rng.choice([10.5, 11.0, 12.0]),
        heading_size=rng.choice([14.0, 15.0, 16.0]),
        margin_cm=rng.choice([2.0, 2.5, 3.0]),
        items_new_page=variant != "scanned",
        cover_optional=rng.random() < 0.6,
        title_choice=titles,
        column_order_seed=rng.randint(0, 1000),
        wording=rng.randint(0, 2),
        scan_dpi=rng.choice([200, 200, 250]),
    )


def _unique_names(rng: random.Random, region: Region, industry: Industry, n: int) -> list[str]:
    prefixes = (region.county.rstrip("县市区"), region.city.rstrip("市"), region.province.rstrip("省"), "")
    names: list[str] = []
    brands = list(BRANDS)
    rng.shuffle(brands)
    for brand in brands:
        if len(names) == n:
            break
        prefix = rng.choice(prefixes)
        names.append(f"{prefix}{brand}{industry.word}{rng.choice(ORG_FORMS)}")
    while len(names) < n:  # more than the brand list: number them
        names.append(f"{region.county}{industry.word}第{len(names)}分公司")
    return names


def build_indicators(rng: random.Random, defects: tuple[str, ...], compact: bool) -> tuple[Indicators, int]:
    """Item 1 numbers; returns them and the number of distinct invention patents to list."""
    d = set(defects)
    if "output_below_threshold" in d:
        o19 = round(rng.uniform(30, 34), 1)
        g1, g2 = rng.uniform(0.11, 0.14), rng.uniform(0.11, 0.14)
    elif "output_growth_low" in d:
        o19 = round(rng.uniform(46, 70), 1)
        g1, g2 = rng.uniform(0.04, 0.07), rng.uniform(0.04, 0.07)
    else:
        o19 = round(rng.uniform(42, 90), 1)
        g1 = rng.uniform(0.115, 0.17)
        g2 = min(0.18, max(0.115, g1 + rng.uniform(-0.02, 0.02)))
    o20 = round(o19 * (1 + g1), 1)
    o21 = round(o20 * (1 + g2), 1)
    growth = round(((o21 / o19) ** 0.5 - 1) * 100, 1)
    if "growth_inconsistent" in d:
        growth = round(growth + rng.uniform(5.5, 8.0), 1)

    if "patent_density_low" in d:
        n_patents = rng.randint(12, 18) if compact else rng.randint(18, 30)
        employees = int(math.ceil(n_patents * 10000 / rng.uniform(9.0, 12.5) / 10) * 10)
    else:
        employees = rng.randint(50, 70) * 100 if compact else rng.randint(60, 140) * 100 + rng.choice([0, 0, rng.randint(1, 99)])
        target = rng.uniform(17.5, 24) if compact else rng.uniform(17.5, 32)
        n_patents = int(math.ceil(target * employees / 10000))
    stated_patents = n_patents
    if "patent_not_invention" in d:
        stated_patents = n_patents + 1  # the applicant counts the utility model too
    if "count_mismatch" in d:
        stated_patents = n_patents + rng.randint(4, 9)
    density = round(stated_patents / employees * 10000, 1)
    if "density_inconsistent" in d:
        density = round(density * rng.uniform(1.35, 1.6), 1)

    if "enterprise_tier_low" in d:
        tiers = (0, 0, rng.randint(2, 4), rng.randint(1, 2), rng.randint(1, 3))
    elif compact:
        tiers = (rng.randint(0, 1), rng.randint(1, 2), rng.randint(2, 4), rng.randint(1, 2), rng.randint(1, 3))
    else:
        tiers = (rng.randint(0, 1), rng.randint(1, 3), rng.randint(4, 10), rng.randint(2, 6), rng.randint(3, 8))

    def boundary_or(lo: float, hi: float, boundary: float) -> float:
        return boundary if rng.random() < 0.15 else round(rng.uniform(lo, hi), 1)

    ind = Indicators(
        area_km2=round(rng.uniform(105, 180), 1) if "area_over_limit" in d else round(rng.uniform(8, 95), 1),
        outputs={"2019": o19, "2020": o20, "2021": o21},
        output_growth_pct=growth,
        sme_output_share_pct=round(rng.uniform(55, 66), 1) if "sme_share_low" in d else boundary_or(72, 93, 70.0),
        leading_industry_share_pct=(rng.choice([70.0, round(rng.uniform(58, 68), 1)]) if "leading_share_low" in d
                                    else round(rng.uniform(72, 92), 1)),
        champion_count=tiers[0],
        little_giant_count=tiers[1],
        specialized_sme_count=tiers[2],
        innovative_sme_count=tiers[3],
        high_tech_count=tiers[4],
        rd_growth_pct=(None if "indicator_missing" in d else
                       round(rng.uniform(4, 9.5), 1) if "rd_growth_low" in d else round(rng.uniform(11.5, 25), 1)),
        valid_invention_patents=stated_patents,
        patent_growth_pct=round(rng.uniform(8, 14.5), 1) if "patent_growth_low" in d else boundary_or(15.5, 30, 15.0),
        employees=employees,
        patents_per_10k=density,
        industrial_internet_pct=(round(rng.uniform(8, 14), 1) if "industrial_internet_low" in d
                                 else boundary_or(16, 45, 15.0)),
    )
    return ind, n_patents


def build_enterprises(rng: random.Random, region: Region, industry: Industry, ind: Indicators,
                      defects: tuple[str, ...]) -> list[Enterprise]:
    """One row per honour holder; a few carry a second honour, so counts are by honour, not rows."""
    honor_sets: list[list[str]] = []
    honor_sets += [["champion"] for _ in range(ind.champion_count)]
    honor_sets += [["little_giant"] for _ in range(ind.little_giant_count)]
    honor_sets += [["specialized_sme"] for _ in range(ind.specialized_sme_count)]
    honor_sets += [["innovative_sme"] for _ in range(ind.innovative_sme_count)]
    high_tech_left = ind.high_tech_count
    for hs in honor_sets:  # some holders are also high-tech enterprises
        if high_tech_left and rng.random() < 0.35:
            hs.append("high_tech")
            high_tech_left -= 1
    honor_sets += [["high_tech"] for _ in range(high_tech_left)]
    if rng.random() < 0.5:
        honor_sets.append([])  # a key enterprise with no listed honour (龙头企业)
    rng.shuffle(honor_sets)
    names = _unique_names(rng, region, industry, len(honor_sets))
    out: list[Enterprise] = []
    for name, hs in zip(names, honor_sets):
        text = "、".join(rng.choice(HONOR_WORDING[h]) for h in hs) if hs else rng.choice(
            ["县级龙头企业", "市级重点企业", "规模以上工业企业"])
        text = text.replace("{province}", region.province)
        out.append(Enterprise(name, ids.make_uscc(rng, region.division), hs, text))
    if "uscc_invalid" in defects:
        victim = out[rng.randrange(len(out))]
        victim.uscc = ids.break_uscc(victim.uscc)
    if "enterprise_duplicate" in defects:
        src = out[rng.randrange(len(out))]
        out.insert(rng.randrange(len(out) + 1), Enterprise(src.name, src.uscc, list(src.honors), src.honor_text))
    return out


def build_patents(rng: random.Random, style: Style, industry: Industry, enterprises: list[Enterprise],
                  n: int, defects: tuple[str, ...]) -> list[Patent]:
    holders = [e.name for e in enterprises] or ["集群企业"]
    seen: set[str] = set()
    out: list[Patent] = []

    def make(kind_digit: int, kind: str) -> Patent:
        while True:
            year = rng.randint(2014, 2020)
            digits = ids.make_patent_digits(rng, year, kind_digit)
            if digits not in seen:
                seen.add(digits)
                break
        check = ids.patent_check_char(digits)
        product, process, device = rng.choice(industry.products), rng.choice(industry.processes), rng.choice(industry.devices)
        title = rng.choice([
            f"一种{product}的{process}方法", f"一种{product}及其制备方法", f"一种用于{product}生产的{device}",
            f"一种基于{process}的{product}生产工艺", f"{product}{process}装置及控制方法"])
        grant_year = min(2022, year + rng.randint(1, 3))
        return Patent(ids.write_patent(rng, digits, check, style.patent_style), ids.normalized_patent(digits, check),
                      title, rng.choice(holders), kind, f"{grant_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")

    for _ in range(n):
        out.append(make(rng.choice([1, 1, 1, 1, 8]), "invention"))
    if "patent_number_invalid" in defects:
        victim = out[rng.randrange(len(out))]
        digits = victim.number[:12]
        bad = ids.wrong_patent_check_char(digits)
        victim.written = ids.write_patent(rng, digits, bad, style.patent_style)
        victim.number = ids.normalized_patent(digits, bad)
    if "patent_not_invention" in defects:
        out.insert(rng.randrange(len(out) + 1), make(2, "utility"))
    if "patent_duplicate" in defects:
        src = out[rng.randrange(len(out))]
        out.insert(rng.randrange(len(out) + 1), Patent(**vars(src)))
    return out


def build_standards(rng: random.Random, region: Region, industry: Industry, enterprises: list[Enterprise],
                    compact: bool, defects: tuple[str, ...]) -> list[Standard]:
    out: list[Standard] = []
    used: set[str] = set()
    count = rng.randint(3, 5) if compact else rng.randint(5, 10)
    initials = ("JX", "HB", "CY", "ZD", "HX", "YT")
    while len(out) < count:
        year = rng.randint(2019, 2021)
        family = rng.random()
        if family < 0.45:
            code = rng.choice(industry.std_codes)
            num = f"{rng.randint(1000, 42000)}" if code == "GB/T" else f"{rng.randint(1000, 5999)}"
        elif family < 0.65:
            code = f"{region.local_std}/T"
            num = f"{rng.randint(1000, 2300)}"
        elif family < 0.85:
            code = industry.group_std
            num = f"{rng.randint(1, 299):03d}"
        else:
            code = f"Q/{rng.choice(initials)}"
            num = f"{rng.randint(1, 30):03d}"
        number = f"{code} {num}-{year}"
        if number in used:
            continue
        used.add(number)
        lead = rng.random() < 0.5
        rank = rng.randint(1, 3) if lead else rng.randint(4, 15)
        product = rng.choice(industry.products)
        title = rng.choice([f"{product}", f"{product}生产技术规范", f"{product}质量分级", f"{product}检验方法",
                            f"{product}{rng.choice(industry.processes)}技术规程"])
        written = number if rng.random() < 0.7 else number.replace(" ", "")
        out.append(Standard(number, written, title, "主持" if lead else "参与", rank, year,
                            rng.choice(enterprises).name if enterprises else "集群企业"))
    if "standard_number_invalid" in defects:
        victim = out[rng.randrange(len(out))]
        code, rest = victim.number.split(" ", 1)
        num, year = rest.split("-")
        victim.number = f"{code} {num}-{year}{rng.randint(1, 9)}"  # a five-digit year: typo
        victim.written = victim.number
    return out


def cluster_name_for(region: Region) -> str:
    return f"{region.county}{region.industry}中小企业特色产业集群"


def build_model(variant: str, rng: random.Random, defects: tuple[str, ...], filler_pages: int) -> PacketModel:
    region = rng.choice(REGIONS)
    industry = INDUSTRIES[region.industry]
    style = draw_style(rng, variant)
    compact = variant == "scanned"
    ind, n_patents = build_indicators(rng, defects, compact)
    enterprises = build_enterprises(rng, region, industry, ind, defects)
    patents = build_patents(rng, style, industry, enterprises, n_patents, defects)
    standards = build_standards(rng, region, industry, enterprises, compact, defects)
    brand_pool = [e.name for e in enterprises]
    branches = []
    for country in rng.sample(COUNTRIES, rng.randint(2, 3 if compact else 4)):
        parent = rng.choice(brand_pool)
        short = parent[:4] if len(parent) > 4 else parent
        branches.append((f"{short}{industry.word}（{country}）有限公司", country))
    platforms = [
        (f"{region.county}中小企业公共服务平台", rng.choice(["省级", "市级"])),
        (f"{region.county}{region.industry}产业检验检测中心", rng.choice(["省级", "国家级"])),
        (f"{region.city}{region.industry}工业互联网平台", "市级"),
    ]
    if not compact:
        platforms.append((f"{region.county}{industry.word}产业创新服务综合体", rng.choice(["省级", "市级"])))
    established = f"{rng.randint(2008, 2017)}-{rng.randint(1, 12):02d}"
    fill_date = f"2022-{rng.choice(['09', '10'])}-{rng.randint(1, 28):02d}"
    management_body = rng.choice([f"{region.county}{region.industry}产业集群发展服务中心",
                                  f"{region.county}产业集聚区管理委员会",
                                  f"{region.county}{industry.word}产业园区管委会"])
    cluster_name = cluster_name_for(region)

    from sample_docs import items as item_texts  # the prose lives there

    ctx = item_texts.Context(rng, region, industry, style, ind, enterprises, standards, patents, branches,
                             platforms, cluster_name, management_body, established, fill_date, defects, compact,
                             filler_pages)
    items = [item_texts.build_item(ctx, i) for i in range(1, 21)]

    expected: list[dict] = []
    d = set(defects)
    missing: list[int] = []
    pick = random.Random(rng.random())
    if "section_missing" in d:
        gone = pick.choice(MISSING_POOL)
        missing.append(gone)
        items = [it for it in items if it.item != gone]
        expected.append({"code": "SECTION_MISSING", "item": gone, "field": None})
    if "section_empty" in d:
        hollow = pick.choice(EMPTY_POOL)
        for it in items:
            if it.item == hollow:
                it.blocks, it.empty = [], True
        expected.append({"code": "SECTION_EMPTY", "item": hollow, "field": None})
    if "section_order" in d:
        a, b = pick.choice(ORDER_POOL)
        ia = next(k for k, it in enumerate(items) if it.item == a)
        ib = next(k for k, it in enumerate(items) if it.item == b)
        items[ia], items[ib] = items[ib], items[ia]
        expected.append({"code": "SECTION_ORDER", "item": None, "field": None})

    cover_fields: list[tuple[str, str]] = [("集群名称", cluster_name),
                                           ("所在地区", f"{region.province}{region.city}{region.county}"),
                                           ("主导产业", region.industry)]
    # The packet's values: item 1 always states 运营管理机构 and 成立时间, the cover only sometimes.
    cover_truth = {"cluster_name": cluster_name, "region": f"{region.province}{region.city}{region.county}",
                   "leading_industry": region.industry, "management_body": management_body,
                   "established": established, "fill_date": fill_date}
    if style.cover_optional:
        cover_fields.append(("集群运营管理机构", management_body))
        cover_fields.append(("集群成立时间", f"{established[:4]}年{int(established[5:])}月"))
    y, m, dd = fill_date.split("-")
    cover_fields.append(("填报日期", f"{y}年{int(m)}月{int(dd)}日"))
    if "cover_field_missing" in d:
        cover_fields = [f for f in cover_fields if f[0] != "填报日期"]
        cover_truth["fill_date"] = None
        expected.append({"code": "COVER_FIELD_MISSING", "item": None, "field": "fill_date"})
    cover = CoverDoc(title_lines=["中小企业特色产业集群", "申报材料"] if rng.random() < 0.5 else ["中小企业特色产业集群申报材料"],
                     fields=cover_fields, issuer=rng.choice([None, f"{region.county}工业和信息化局（盖章）"]))

    toc: TocDoc | None = None
    if "toc_missing" not in d:
        entries = []
        keep_paren = rng.random() < 0.6
        for it in items:
            title = TEMPLATE_TITLES[it.item][0] if keep_paren else style.title_choice[it.item]
            entries.append((it.item, f"{it.item}.{title}"))
        toc = TocDoc(rng.choice(["目录", "目  录", "目 录"]), entries, style.toc_layout)
    else:
        expected.append({"code": "TOC_MISSING", "item": None, "field": None})

    for code_defect, (code, _, needs) in DEFECTS.items():
        if code_defect not in d or needs is not None or code_defect in ("section_missing", "section_empty", "section_order",
                                                   "toc_missing", "cover_field_missing", "toc_page_mismatch"):
            continue
        expected.append(_finding_for(code_defect, code))
    if "toc_page_mismatch" in d:
        expected.append({"code": "TOC_PAGE_MISMATCH", "item": pick.choice(TOC_WRONG_POOL), "field": None})

    return PacketModel(region, industry, cluster_name, management_body, established, fill_date, style, ind,
                       enterprises, standards, patents, branches, platforms, cover, toc, items, missing, expected,
                       cover_truth)


def _finding_for(defect: str, code: str) -> dict:
    """Item and field of the one finding a content defect must raise."""
    item1_fields = {
        "area_over_limit": "area_km2", "output_below_threshold": "output_yi_by_year",
        "sme_share_low": "sme_output_share_pct", "leading_share_low": "leading_industry_share_pct",
        "output_growth_low": "output_growth_pct", "enterprise_tier_low": None, "rd_growth_low": "rd_growth_pct",
        "patent_growth_low": "patent_growth_pct", "patent_density_low": "patents_per_10k",
        "industrial_internet_low": "industrial_internet_pct", "indicator_missing": INDICATOR_MISSING_FIELD,
        "count_mismatch": "valid_invention_patents", "growth_inconsistent": "output_growth_pct",
        "density_inconsistent": "patents_per_10k",
    }
    list_items = {"patent_number_invalid": 8, "patent_duplicate": 8, "patent_not_invention": 8, "uscc_invalid": 3,
                  "enterprise_duplicate": 3, "standard_number_invalid": 7, "verification_statement_incomplete": 2}
    if defect in item1_fields:
        return {"code": code, "item": 1, "field": item1_fields[defect]}
    if defect in list_items:
        return {"code": code, "item": list_items[defect], "field": None}
    return {"code": code, "item": None, "field": None}  # file defects: the file is added by the renderer
