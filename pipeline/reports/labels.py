"""Chinese labels for everything a reviewer reads in the reports.

Keys are contract values (severities, statuses, indicator keys, list kinds);
the labels are display text only and never feed back into checks.
"""

from __future__ import annotations

from pipeline.core.result import STATUS_LABELS, FindingCode, Severity

VERDICT_LABELS = STATUS_LABELS

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.ERROR: "错误",
    Severity.WARNING: "警告",
    Severity.INFO: "提示",
}

SEVERITY_ORDER: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.INFO)

COVER_LABELS: dict[str, str] = {
    "cluster_name": "集群名称",
    "region": "所在地区",
    "leading_industry": "主导产业",
    "management_body": "集群运营管理机构",
    "established": "集群成立时间",
    "fill_date": "填报日期",
}

FILE_KIND_LABELS: dict[str, str] = {
    "pdf": "PDF",
    "docx": "Word 文档",
    "image": "图片",
    "xlsx": "Excel 表格",
    "other": "其他",
}

INDICATOR_LABELS: dict[str, str] = {
    "area_km2": "集群占地面积",
    "output_yi_by_year": "近三年集群总产值",
    "sme_output_share_pct": "中小企业产值占集群总产值比例",
    "leading_industry_share_pct": "主导产业产值占集群总产值比例",
    "output_growth_pct": "产值年均增速",
    "champion_count": "制造业单项冠军企业数",
    "little_giant_count": "专精特新“小巨人”企业数",
    "specialized_sme_count": "专精特新中小企业数",
    "innovative_sme_count": "创新型中小企业数",
    "high_tech_count": "国家级高新技术企业数",
    "rd_growth_pct": "中小企业研发经费年均增长",
    "valid_invention_patents": "有效发明专利数",
    "patent_growth_pct": "有效发明专利年均增长率",
    "employees": "集群从业人员",
    "patents_per_10k": "每万人有效发明专利拥有量",
    "industrial_internet_pct": "工业互联网平台应用普及率",
}

INDICATOR_UNITS: dict[str, str] = {
    "area_km2": "平方公里",
    "output_yi_by_year": "亿元",
    "sme_output_share_pct": "%",
    "leading_industry_share_pct": "%",
    "output_growth_pct": "%",
    "champion_count": "家",
    "little_giant_count": "家",
    "specialized_sme_count": "家",
    "innovative_sme_count": "家",
    "high_tech_count": "家",
    "rd_growth_pct": "%",
    "valid_invention_patents": "件",
    "patent_growth_pct": "%",
    "employees": "人",
    "patents_per_10k": "件/万人",
    "industrial_internet_pct": "%",
}

# Which threshold finding says an indicator falls short: the checks own the
# thresholds, the report only reads their verdict.
THRESHOLD_CODES_BY_INDICATOR: dict[str, tuple[FindingCode, ...]] = {
    "area_km2": (FindingCode.AREA_OVER_LIMIT,),
    "output_yi_by_year": (FindingCode.OUTPUT_BELOW_THRESHOLD,),
    "sme_output_share_pct": (FindingCode.SME_SHARE_LOW,),
    "leading_industry_share_pct": (FindingCode.LEADING_SHARE_LOW,),
    "output_growth_pct": (FindingCode.OUTPUT_GROWTH_LOW,),
    "champion_count": (FindingCode.ENTERPRISE_TIER_LOW,),
    "little_giant_count": (FindingCode.ENTERPRISE_TIER_LOW,),
    "specialized_sme_count": (FindingCode.ENTERPRISE_TIER_LOW,),
    "innovative_sme_count": (FindingCode.ENTERPRISE_TIER_LOW,),
    "high_tech_count": (FindingCode.ENTERPRISE_TIER_LOW,),
    "rd_growth_pct": (FindingCode.RD_GROWTH_LOW,),
    "patent_growth_pct": (FindingCode.PATENT_GROWTH_LOW,),
    "patents_per_10k": (FindingCode.PATENT_DENSITY_LOW,),
    "industrial_internet_pct": (FindingCode.INDUSTRIAL_INTERNET_LOW,),
}

LIST_LABELS: dict[str, str] = {
    "key_enterprises": "重点企业",
    "standards": "标准",
    "patents": "专利",
    "overseas_branches": "境外分支机构",
    "service_platforms": "公共服务平台",
}

# Which list a per-entry finding is about.
LIST_BY_CODE: dict[FindingCode, str] = {
    FindingCode.USCC_INVALID: "key_enterprises",
    FindingCode.ENTERPRISE_DUPLICATE: "key_enterprises",
    FindingCode.STANDARD_NUMBER_INVALID: "standards",
    FindingCode.PATENT_NUMBER_INVALID: "patents",
    FindingCode.PATENT_DUPLICATE: "patents",
    FindingCode.PATENT_NOT_INVENTION: "patents",
}

HONOR_LABELS: dict[str, str] = {
    "champion": "制造业单项冠军",
    "little_giant": "专精特新“小巨人”",
    "specialized_sme": "专精特新中小企业",
    "innovative_sme": "创新型中小企业",
    "high_tech": "国家级高新技术企业",
}

ROLE_LABELS: dict[str, str] = {"lead": "主持", "participate": "参与"}

PATENT_KIND_LABELS: dict[str, str] = {
    "invention": "发明专利",
    "utility": "实用新型",
    "design": "外观设计",
    "defense": "国防专利",
    "plant_variety": "植物新品种",
    "crop_variety": "国家级农作物品种",
    "new_drug": "国家新药",
    "tcm_protected": "国家一级中药保护品种",
    "ic_layout": "集成电路布图设计专有权",
}

CODE_LABELS: dict[FindingCode, str] = {
    FindingCode.SECTION_MISSING: "材料缺失",
    FindingCode.SECTION_EMPTY: "材料内容为空",
    FindingCode.SECTION_ORDER: "材料顺序不符",
    FindingCode.TOC_MISSING: "缺少目录",
    FindingCode.TOC_PAGE_MISMATCH: "目录页码不符",
    FindingCode.COVER_FIELD_MISSING: "封面信息缺失",
    FindingCode.INDICATOR_MISSING: "指标缺失",
    FindingCode.AREA_OVER_LIMIT: "占地面积超限",
    FindingCode.OUTPUT_BELOW_THRESHOLD: "产值未达标",
    FindingCode.SME_SHARE_LOW: "中小企业产值占比不足",
    FindingCode.LEADING_SHARE_LOW: "主导产业占比不足",
    FindingCode.OUTPUT_GROWTH_LOW: "产值增速不足",
    FindingCode.ENTERPRISE_TIER_LOW: "优质企业数量不足",
    FindingCode.RD_GROWTH_LOW: "研发经费增长不足",
    FindingCode.PATENT_GROWTH_LOW: "发明专利增长不足",
    FindingCode.PATENT_DENSITY_LOW: "每万人发明专利不足",
    FindingCode.INDUSTRIAL_INTERNET_LOW: "工业互联网普及率不足",
    FindingCode.PATENT_NUMBER_INVALID: "专利号有误",
    FindingCode.PATENT_DUPLICATE: "专利重复",
    FindingCode.PATENT_NOT_INVENTION: "非发明专利",
    FindingCode.USCC_INVALID: "统一社会信用代码校验未通过",
    FindingCode.STANDARD_NUMBER_INVALID: "标准号格式有误",
    FindingCode.COUNT_MISMATCH: "数量不一致",
    FindingCode.GROWTH_INCONSISTENT: "增速与产值不一致",
    FindingCode.DENSITY_INCONSISTENT: "专利密度计算不一致",
    FindingCode.ENTERPRISE_DUPLICATE: "企业重复",
    FindingCode.VERIFICATION_STATEMENT_INCOMPLETE: "核查说明不完整",
    FindingCode.FILE_UNREADABLE: "文件无法读取",
    FindingCode.FILE_ENCRYPTED: "文件加密",
    FindingCode.FILE_UNSUPPORTED: "文件类型不支持",
    FindingCode.OCR_LOW_CONFIDENCE: "识别置信度低",
    FindingCode.CROSS_PACKET_DUPLICATE: "与其他集群重复申报",
    FindingCode.VALUE_UNCERTAIN: "数值识别存疑",
}


def item_label(item: int | None, title: str = "") -> str:
    """"第 3 项 集群内重点企业名单" for an item number, "整体" for packet-wide findings."""
    if item is None:
        return "整体（不属于某一项材料）"
    return f"第 {item} 项　{title}".rstrip()


def finding_title(code: FindingCode | str) -> str:
    """The Chinese title of a finding code; a code without one is named generically, never shown raw."""
    try:
        return CODE_LABELS.get(FindingCode(code), "其他问题")
    except ValueError:
        return "其他问题"


def field_label(field: str | None) -> str:
    """The Chinese name of an indicator or cover key named by a finding ("" for none)."""
    if not field:
        return ""
    return INDICATOR_LABELS.get(field) or COVER_LABELS.get(field) or LIST_LABELS.get(field) or "其他字段"
