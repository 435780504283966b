"""The 认定标准 text shown beside each finding: which criterion it tests, and the threshold.

The seam is `rule_descriptions(ruleset)`: `pipeline.rounds.ruleset.rule_descriptions(name)`
(objects or dicts with `criterion` and `threshold`) and
`pipeline.rounds.ruleset.indicator_thresholds(name)` supply the text, so it always matches
the versioned rule file. For a code the rule file does not describe, or when the
rule file cannot be loaded, the 2022 text below (from 附件1/附件3) is shown.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from pipeline.core.errors import IntakeError
from pipeline.core.result import FindingCode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleDescription:
    criterion: str  # the criterion (or requirement) the check belongs to, in the notice's words
    threshold: str | None = None  # the quantitative test, when there is one


_C1 = "一、具有较强核心竞争力"
_C2 = "二、优质中小企业梯度培育成效显著"
_C4 = "四、具有较强协同创新能力"
_C5 = "五、数字化转型效果明显"
_MATERIALS = "附件3 申报材料：20 项材料按目录顺序齐全，目录增加页码"

FALLBACK_2022: dict[FindingCode, RuleDescription] = {
    FindingCode.SECTION_MISSING: RuleDescription(_MATERIALS, "20 项材料均须提供"),
    FindingCode.SECTION_EMPTY: RuleDescription(_MATERIALS, "每项材料须有实质内容"),
    FindingCode.SECTION_ORDER: RuleDescription("附件3：申报材料按顺序双面打印", "按目录 1～20 项顺序排列"),
    FindingCode.TOC_MISSING: RuleDescription("附件3：目录增加页码，装订成册", "须有目录"),
    FindingCode.TOC_PAGE_MISMATCH: RuleDescription("附件3：目录增加页码", "目录页码与材料实际起始页一致"),
    FindingCode.COVER_FIELD_MISSING: RuleDescription(
        "附件3 封面：集群名称、所在地区、主导产业、填报日期", "封面各项均须填写"
    ),
    FindingCode.INDICATOR_MISSING: RuleDescription("附件1 认定标准的量化指标须在申报表中填报", "指标须可在材料中找到"),
    FindingCode.AREA_OVER_LIMIT: RuleDescription(_C1, "占地面积一般不超过 100 平方公里"),
    FindingCode.OUTPUT_BELOW_THRESHOLD: RuleDescription(_C1, "近三年（2019—2021 年）产值均在 40 亿元以上（含 40 亿元）"),
    FindingCode.SME_SHARE_LOW: RuleDescription(_C1, "中小企业产值占集群总产值 70% 以上（含 70%）"),
    FindingCode.LEADING_SHARE_LOW: RuleDescription(_C1, "主导产业占集群总产值比例高于 70%（不含 70%）"),
    FindingCode.OUTPUT_GROWTH_LOW: RuleDescription(_C1, "产值年均增速高于 10%（不含 10%）"),
    FindingCode.ENTERPRISE_TIER_LOW: RuleDescription(
        _C2,
        "不少于 1 家主导产业的制造业单项冠军企业或专精特新“小巨人”企业，"
        "或者不少于 10 家专精特新中小企业、创新型中小企业和国家级高新技术企业",
    ),
    FindingCode.RD_GROWTH_LOW: RuleDescription(_C4, "近三年中小企业研发经费年均增长高于 10%（不含 10%）"),
    FindingCode.PATENT_GROWTH_LOW: RuleDescription(_C4, "有效发明专利年均增长率不低于 15%"),
    FindingCode.PATENT_DENSITY_LOW: RuleDescription(_C4, "每万人有效发明专利拥有量不低于 15 个"),
    FindingCode.INDUSTRIAL_INTERNET_LOW: RuleDescription(_C5, "工业互联网平台应用普及率不低于 15%"),
    FindingCode.PATENT_NUMBER_INVALID: RuleDescription(
        "附件3 第 8 项：集群内中小企业有效发明专利清单",
        "专利号须为 12 位数字加校验位（2003 年 10 月前为 8 位），校验位按 GB/T 规则计算正确",
    ),
    FindingCode.PATENT_DUPLICATE: RuleDescription("附件3 第 8 项：有效发明专利清单", "同一专利不得重复列出"),
    FindingCode.PATENT_NOT_INVENTION: RuleDescription(
        "附件3 第 8 项：有效发明专利清单（发明专利、国防专利、植物新品种等）",
        "实用新型、外观设计专利不属于有效发明专利",
    ),
    FindingCode.USCC_INVALID: RuleDescription(
        "附件3 第 3 项：集群内重点企业名单",
        "统一社会信用代码须符合 GB 32100-2015（部分早期试点代码合法但校验不通过，请人工核对）",
    ),
    FindingCode.STANDARD_NUMBER_INVALID: RuleDescription(
        "附件3 第 7 项：近三年主持或参与制修订标准清单", "标准号须为“代号 顺序号-年号”格式，如 GB/T 19001-2016"
    ),
    FindingCode.COUNT_MISMATCH: RuleDescription("申报表填报数量须与清单一致", "申报表所填数量与所附清单条目数相同"),
    FindingCode.GROWTH_INCONSISTENT: RuleDescription(
        _C1, "所填产值年均增速与近三年产值计算结果相差不超过 2 个百分点"
    ),
    FindingCode.DENSITY_INCONSISTENT: RuleDescription(
        _C4, "所填每万人有效发明专利拥有量与“有效发明专利数 ÷ 从业人员 × 10000”相差不超过 10%"
    ),
    FindingCode.ENTERPRISE_DUPLICATE: RuleDescription("附件3 第 3 项：集群内重点企业名单", "同一企业不得重复列出"),
    FindingCode.VERIFICATION_STATEMENT_INCOMPLETE: RuleDescription(
        "附件2 现场核查符合性说明",
        "须载明材料真实有效、符合申报要求；主导产业不属于禁止、限制和淘汰类；近三年无较大及以上安全、质量、"
        "环境污染事故及重大网络安全、数据安全事件；无偷税漏税、违法违规、严重失信行为；并加盖公章、注明日期",
    ),
    FindingCode.FILE_UNREADABLE: RuleDescription("申报材料须可读取", "文件可正常打开"),
    FindingCode.FILE_ENCRYPTED: RuleDescription("申报材料须可读取", "文件不得设置密码"),
    FindingCode.FILE_UNSUPPORTED: RuleDescription("申报材料须为可读取的格式", "PDF、Word、Excel 或图片"),
    FindingCode.OCR_LOW_CONFIDENCE: RuleDescription("扫描件须清晰可辨", "文字识别置信度不低于配置下限"),
}

# Threshold text per indicator for the indicator table (2022 round).
INDICATOR_THRESHOLDS_2022: dict[str, str] = {
    "area_km2": "一般不超过 100",
    "output_yi_by_year": "每年均不低于 40",
    "sme_output_share_pct": "不低于 70",
    "leading_industry_share_pct": "高于 70",
    "output_growth_pct": "高于 10",
    "champion_count": "单项冠军 + “小巨人” ≥ 1，或三类企业合计 ≥ 10",
    "little_giant_count": "单项冠军 + “小巨人” ≥ 1，或三类企业合计 ≥ 10",
    "specialized_sme_count": "单项冠军 + “小巨人” ≥ 1，或三类企业合计 ≥ 10",
    "innovative_sme_count": "单项冠军 + “小巨人” ≥ 1，或三类企业合计 ≥ 10",
    "high_tech_count": "单项冠军 + “小巨人” ≥ 1，或三类企业合计 ≥ 10",
    "rd_growth_pct": "高于 10",
    "patent_growth_pct": "不低于 15",
    "patents_per_10k": "不低于 15",
    "industrial_internet_pct": "不低于 15",
}


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _from_rules_module(ruleset: str) -> dict[str, RuleDescription]:
    """Descriptions from `pipeline.rounds.ruleset.rule_descriptions`, when that function exists."""
    try:
        rules_module = importlib.import_module("pipeline.rounds.ruleset")
    except ModuleNotFoundError as exc:  # the rules module is not there yet: the fallback text applies
        log.debug("pipeline.rounds.ruleset not importable (%s); using built-in rule text", exc)
        return {}
    describe = getattr(rules_module, "rule_descriptions", None)
    if describe is None:
        return {}
    try:
        described = dict(describe(ruleset))
    except IntakeError as exc:  # unknown or broken rule file: the report still renders, with the built-in text
        log.warning("rule descriptions for ruleset %r unavailable (%s); using built-in rule text", ruleset, exc)
        return {}
    out: dict[str, RuleDescription] = {}
    for code, desc in described.items():
        criterion = _field(desc, "criterion")
        if criterion:
            out[str(getattr(code, "value", code))] = RuleDescription(str(criterion), _field(desc, "threshold"))
    return out


def rule_descriptions(ruleset: str) -> dict[str, RuleDescription]:
    """Code → description for `ruleset`: the rule file's own text first, the 2022 text as fallback."""
    merged = {code.value: desc for code, desc in FALLBACK_2022.items()}
    merged.update(_from_rules_module(ruleset))
    return merged


def indicator_thresholds(ruleset: str) -> dict[str, str]:
    """Indicator key → threshold text; the rules module's `indicator_thresholds` when it has one."""
    merged = dict(INDICATOR_THRESHOLDS_2022)
    try:
        rules_module = importlib.import_module("pipeline.rounds.ruleset")
    except ModuleNotFoundError as exc:
        log.debug("pipeline.rounds.ruleset not importable (%s); using built-in thresholds", exc)
        return merged
    describe = getattr(rules_module, "indicator_thresholds", None)
    if describe is None:
        return merged
    try:
        described = dict(describe(ruleset))
    except IntakeError as exc:
        log.warning("indicator thresholds for ruleset %r unavailable (%s); using built-in text", ruleset, exc)
        return merged
    merged.update({str(k): str(v) for k, v in described.items() if v})
    return merged
