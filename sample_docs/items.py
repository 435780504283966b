"""The text of the 20 items: headings, item 1 numbers, lists and evidence prose."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sample_docs.content import (
    Break,
    Enterprise,
    Grid,
    Indicators,
    Industry,
    ItemDoc,
    Para,
    Patent,
    Region,
    Standard,
    Style,
    _fmt_num,
    _pct,
    employees_text,
    money_text,
    numbering_prefix,
)


@dataclass
class Context:
    rng: random.Random
    region: Region
    industry: Industry
    style: Style
    ind: Indicators
    enterprises: list[Enterprise]
    standards: list[Standard]
    patents: list[Patent]
    branches: list[tuple[str, str]]
    platforms: list[tuple[str, str]]
    cluster_name: str
    management_body: str
    established: str
    fill_date: str
    defects: tuple[str, ...]
    compact: bool
    filler_pages: int

    @property
    def short(self) -> str:
        return f"{self.region.county}{self.region.industry}产业集群"

    def ent(self) -> str:
        return self.rng.choice(self.enterprises).name if self.enterprises else f"{self.region.county}某企业"


def heading_lines(ctx: Context, item: int) -> tuple[str, list[str]]:
    """(numbering prefix, title lines); the title may be split over two lines."""
    title = ctx.style.title_choice[item]
    prefix = numbering_prefix(ctx.style.numbering, item)
    if ctx.style.split_heading_item == item:
        for mark in ("（包括", "（省级", "相关宣传、", "情况"):
            k = title.find(mark)
            if 0 < k < len(title) - 2:
                cut = k + (len(mark) if mark.endswith("、") else 0)
                return prefix, [title[:cut], title[cut:]]
    return prefix, [title]


def build_item(ctx: Context, item: int) -> ItemDoc:
    prefix, lines = heading_lines(ctx, item)
    builder = BUILDERS.get(item, _evidence_item)
    blocks = builder(ctx, item)
    if item in FILLER_ITEMS and ctx.filler_pages:
        blocks += _filler_for(ctx, item)
    return ItemDoc(item, [prefix + lines[0], *lines[1:]], blocks, prefix=prefix, title_lines=lines)


# --------------------------------------------------------------------------- item 1


def _label(ctx: Context, options: tuple[str, ...]) -> str:
    return options[ctx.style.wording % len(options)] if ctx.rng.random() < 0.7 else ctx.rng.choice(options)


def _area_text(ctx: Context) -> str:
    return f"{ctx.style.qualifier_area}{_fmt_num(ctx.ind.area_km2)}{ctx.rng.choice(['平方公里', '平方公里', 'km²', '平方千米'])}"


def _item1_table(ctx: Context, item: int) -> list:
    ind, st, r = ctx.ind, ctx.style, ctx.rng
    unit = "亿元" if st.money_unit == "yi" else "万元"
    out = {y: money_text(v, st, allow_flourish=(y == "2019")) for y, v in ind.outputs.items()}
    if r.random() < 0.5:  # unit in the header, bare numbers in the cells
        out = {y: t.replace(unit, "") for y, t in out.items()}
        output_label = f"{_label(ctx, ('近三年集群总产值', '集群总产值', '近三年产值'))}（{unit}）"
    else:
        output_label = _label(ctx, ("近三年集群总产值", "集群总产值", "近三年产值"))
    rows: list[list[str]] = []
    spans: list[tuple[int, int, int, int]] = []

    def full(label: str, value: str) -> None:
        rows.append([label, value, "", ""])
        spans.append((len(rows) - 1, 1, 1, 3))

    def pair(l1: str, v1: str, l2: str, v2: str) -> None:
        rows.append([l1, v1, l2, v2])

    rows.append(["中小企业特色产业集群申报表", "", "", ""])
    spans.append((0, 0, 1, 4))
    full("集群名称", ctx.cluster_name)
    pair("所在地区", f"{ctx.region.province}{ctx.region.city}{ctx.region.county}", "主导产业", ctx.region.industry)
    full(_label(ctx, ("集群运营管理机构", "运营管理机构")), ctx.management_body)
    pair("集群成立时间", f"{ctx.established[:4]}年{int(ctx.established[5:])}月",
         _label(ctx, ("集群占地面积", "占地面积", "规划面积")), _area_text(ctx))
    rows.append([output_label, "2019年", "2020年", "2021年"])
    rows.append(["", out["2019"], out["2020"], out["2021"]])
    spans.append((len(rows) - 2, 0, 2, 1))
    pair(_label(ctx, ("产值年均增速", "总产值年均增长率", "近三年产值年均增速")), _pct(ind.output_growth_pct, st),
         _label(ctx, ("集群从业人员", "从业人员数", "从业人员总数")), employees_text(ind.employees, st))
    pair(_label(ctx, ("中小企业产值占集群总产值比例", "中小企业产值占比", "中小企业产值占集群总产值比重")),
         _pct(ind.sme_output_share_pct, st),
         _label(ctx, ("主导产业产值占集群总产值比例", "主导产业占比", "主导产业产值占比")),
         _pct(ind.leading_industry_share_pct, st))
    tier_start = len(rows)
    rows.append(["优质企业梯度培育情况（家）", "制造业单项冠军企业", str(ind.champion_count), ""])
    rows.append(["", "专精特新“小巨人”企业", str(ind.little_giant_count), ""])
    rows.append(["", _label(ctx, ("省级专精特新中小企业", "专精特新中小企业")), str(ind.specialized_sme_count), ""])
    rows.append(["", "创新型中小企业", str(ind.innovative_sme_count), ""])
    rows.append(["", _label(ctx, ("国家级高新技术企业", "高新技术企业")), str(ind.high_tech_count), ""])
    spans.append((tier_start, 0, 5, 1))
    for k in range(tier_start, tier_start + 5):
        spans.append((k, 2, 1, 2))
    rd_label = _label(ctx, ("中小企业研发经费年均增长", "研发经费年均增速", "中小企业研发投入年均增长率"))
    ii_label = _label(ctx, ("工业互联网平台应用普及率", "工业互联网平台普及率"))
    if ind.rd_growth_pct is None:
        full(ii_label, _pct(ind.industrial_internet_pct, st))
    else:
        pair(rd_label, _pct(ind.rd_growth_pct, st), ii_label, _pct(ind.industrial_internet_pct, st))
    pair(_label(ctx, ("有效发明专利数（件）", "有效发明专利（件）", "拥有有效发明专利（件）")), str(ind.valid_invention_patents),
         _label(ctx, ("有效发明专利年均增长率", "发明专利年均增速")), _pct(ind.patent_growth_pct, st))
    full(_label(ctx, ("每万人有效发明专利拥有量（件）", "万人发明专利拥有量（件）")), _fmt_num(ind.patents_per_10k, 2))
    full("集群简介", _intro(ctx))
    grid = Grid(rows, header_rows=1, spans=spans, widths=[2.6, 2.4, 2.4, 2.4], sheet="申报表")
    signature = f"填报单位（盖章）：{ctx.region.county}工业和信息化局"
    if "cover_field_missing" not in ctx.defects:  # the defect leaves 填报日期 out everywhere
        signature += f"        填报日期：{_date_cn(ctx.fill_date)}"
    return [grid, Para(signature, indent=False)]


def _date_cn(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def _intro(ctx: Context) -> str:
    p = ctx.industry.products
    return (f"集群以{p[0]}、{p[1]}为主导产品，形成了{ctx.industry.upstream[0]}—{ctx.industry.midstream[0]}—"
            f"{ctx.industry.downstream[0]}的完整产业链，产品销往全国并出口多个国家和地区，是{ctx.region.county}的支柱产业。")


def _item1_prose(ctx: Context, item: int) -> list:
    ind, st, r = ctx.ind, ctx.style, ctx.rng
    w = st.wording
    outs = [money_text(ind.outputs[y], st, allow_flourish=(y == "2019")) for y in ("2019", "2020", "2021")]
    paras = [Para("一、集群基本情况", indent=False, bold=True)]
    paras.append(Para(f"集群名称：{ctx.cluster_name}。所在地区：{ctx.region.province}{ctx.region.city}{ctx.region.county}。"
                      f"主导产业：{ctx.region.industry}。集群运营管理机构为{ctx.management_body}，"
                      f"成立于{ctx.established[:4]}年{int(ctx.established[5:])}月。"))
    area = _area_text(ctx)
    paras.append(Para([f"集群占地面积{area}，现有从业人员{employees_text(ind.employees, st)}。",
                       f"集群规划面积{area}，集群从业人员{employees_text(ind.employees, st)}。",
                       f"集群总占地面积为{area}；从业人员共{employees_text(ind.employees, st)}。"][w]))
    paras.append(Para("二、核心竞争力", indent=False, bold=True))
    growth = _pct(ind.output_growth_pct, st)
    paras.append(Para([
        f"2019—2021年集群产值分别为{outs[0]}、{outs[1]}和{outs[2]}，年均增长{growth}。",
        f"近三年集群总产值分别为{outs[0]}（2019年）、{outs[1]}（2020年）、{outs[2]}（2021年），产值年均增速{growth}。",
        f"2019年集群实现总产值{outs[0]}，2020年{outs[1]}，2021年达到{outs[2]}，近三年产值年均增速为{growth}。"][w]))
    paras.append(Para(f"2021年中小企业产值占集群总产值的{_pct(ind.sme_output_share_pct, st)}，"
                      f"主导产业产值占集群总产值比例为{_pct(ind.leading_industry_share_pct, st)}。"))
    paras.append(Para("三、梯度培育情况", indent=False, bold=True))
    tiers = [("制造业单项冠军企业", ind.champion_count), ("国家级专精特新“小巨人”企业", ind.little_giant_count),
             ("省级专精特新中小企业", ind.specialized_sme_count), ("创新型中小企业", ind.innovative_sme_count),
             ("国家级高新技术企业", ind.high_tech_count)]
    parts = [f"{name}{n}家" for name, n in tiers]
    paras.append(Para(f"集群内现有{'、'.join(parts)}。"))
    paras.append(Para("四、协同创新与数字化", indent=False, bold=True))
    sentences = []
    if ind.rd_growth_pct is not None:
        sentences.append(f"近三年中小企业研发经费年均增长{_pct(ind.rd_growth_pct, st)}。")
    sentences.append([
        f"集群内中小企业拥有有效发明专利{ind.valid_invention_patents}件，有效发明专利年均增长率{_pct(ind.patent_growth_pct, st)}，"
        f"每万人有效发明专利拥有量{_fmt_num(ind.patents_per_10k, 2)}件。",
        f"截至2021年底，集群中小企业共有有效发明专利{ind.valid_invention_patents}件，年均增长{_pct(ind.patent_growth_pct, st)}，"
        f"每万人有效发明专利拥有量达到{_fmt_num(ind.patents_per_10k, 2)}件。",
        f"有效发明专利{ind.valid_invention_patents}件，有效发明专利年均增长率为{_pct(ind.patent_growth_pct, st)}；"
        f"每万人有效发明专利拥有量为{_fmt_num(ind.patents_per_10k, 2)}件。"][w])
    sentences.append(f"工业互联网平台应用普及率达到{_pct(ind.industrial_internet_pct, st)}。")
    paras.append(Para("".join(sentences)))
    paras.append(Para("五、集群简介", indent=False, bold=True))
    paras.append(Para(_intro(ctx)))
    if r.random() < 0.5:
        paras.append(Para(f"填报单位（盖章）：{ctx.region.county}工业和信息化局", indent=False))
    return paras


def _item1(ctx: Context, item: int) -> list:
    return _item1_table(ctx, item) if ctx.style.item1_layout == "table" else _item1_prose(ctx, item)


# --------------------------------------------------------------------------- item 2

def _item2(ctx: Context, item: int) -> list:
    w = ctx.style.wording
    county = ctx.region.county
    s_true = [f"经现场核查，{county}的申报材料真实有效，符合申报要求。",
              f"经现场核查，{ctx.cluster_name}申报材料真实有效，符合申报要求。",
              f"经我局现场核查，{county}报送的申报材料真实有效，符合申报要求。"][w]
    s_ban = "集群主导产业不属于国家规定的禁止、限制和淘汰类产业；"
    s_acc = "集群近三年未发生较大及以上安全、质量、环境污染等事故，"
    s_net = "重大及以上网络安全事件和数据安全事件；"
    s_tax = "不存在偷税漏税、违法违规、严重失信和其他重大问题的行为。"
    if "verification_statement_incomplete" in ctx.defects:
        s_acc = s_acc.rstrip("，") + "；"
        body = s_true + s_ban + s_acc + s_tax
    else:
        body = s_true + s_ban + s_acc + s_net + s_tax
    return [Para(body),
            Para(f"（{ctx.region.city_bureau}盖章）", align="right", indent=False),
            Para(_date_cn(f"2022-{ctx.fill_date[5:7]}-{max(1, int(ctx.fill_date[8:]) - 1):02d}"), align="right", indent=False)]


# --------------------------------------------------------------------------- lists


def _columns(ctx: Context, cols: list[str], fixed_first: int = 1) -> list[int]:
    """A packet-specific column order: the first columns stay, the rest may be shuffled."""
    order = list(range(len(cols)))
    rest = order[fixed_first:]
    random.Random(ctx.style.column_order_seed + len(cols)).shuffle(rest)
    return order[:fixed_first] + rest


def _table(ctx: Context, header: list[str], body: list[list[str]], sheet: str, widths: list[float]) -> Grid:
    order = _columns(ctx, header, fixed_first=2)
    return Grid([[header[i] for i in order]] + [[row[i] for i in order] for row in body], header_rows=1,
                widths=[widths[i] for i in order], sheet=sheet)


def _item3(ctx: Context, item: int) -> list:
    intro = Para(f"{ctx.short}现有重点企业{len(ctx.enterprises)}家，名单如下：")
    if ctx.style.list_layout["3"] == "table":
        header = ["序号", "企业名称", "统一社会信用代码", ctx.rng.choice(["荣誉称号", "企业资质", "认定称号"])]
        body = [[str(k), e.name, e.uscc, e.honor_text] for k, e in enumerate(ctx.enterprises, 1)]
        return [intro, _table(ctx, header, body, "重点企业名单", [0.6, 3.2, 2.6, 3.0])]
    lines = [Para(f"{k}. {e.name}（统一社会信用代码：{e.uscc}），{e.honor_text}", indent=False)
             for k, e in enumerate(ctx.enterprises, 1)]
    return [intro, *lines]


def _item7(ctx: Context, item: int) -> list:
    intro = Para("集群内中小企业近三年（2019—2021年）主持或参与制修订标准情况如下：")
    if ctx.style.list_layout["7"] == "table":
        header = ["序号", ctx.rng.choice(["标准编号", "标准号"]), "标准名称", ctx.rng.choice(["主持/参与", "参与方式"]),
                  ctx.rng.choice(["起草单位排名", "排名"]), "起草单位", ctx.rng.choice(["发布年份", "发布时间"])]
        body = [[str(k), s.written, s.title, s.role_cn, str(s.rank), s.unit, f"{s.year}年"]
                for k, s in enumerate(ctx.standards, 1)]
        return [intro, _table(ctx, header, body, "标准清单", [0.5, 2.2, 2.6, 1.0, 0.9, 2.6, 1.0])]
    lines = [Para(f"{k}. {s.written}《{s.title}》，{s.unit}{s.role_cn}（排名第{s.rank}），{s.year}年发布。", indent=False)
             for k, s in enumerate(ctx.standards, 1)]
    return [intro, *lines]


def _item8(ctx: Context, item: int) -> list:
    intro = Para(ctx.rng.choice(["截至2021年底，集群内中小企业有效发明专利清单如下：", "集群内中小企业有效发明专利清单如下："]))
    number_label = ctx.rng.choice(["专利号", "申请号", "授权号", "专利号/申请号"])
    holder_label = ctx.rng.choice(["专利权人", "权利人", "专利权人（企业）"])
    if ctx.style.list_layout["8"] == "table":
        header = ["序号", number_label, "专利名称", holder_label, ctx.rng.choice(["授权日期", "授权公告日"])]
        body = [[str(k), p.written, p.title, p.holder, p.grant_date] for k, p in enumerate(ctx.patents, 1)]
        if ctx.rng.random() < 0.4:
            header.append("专利类型")
            for row in body:
                row.append("发明专利")
        return [intro, _table(ctx, header, body, "发明专利清单", [0.5, 2.6, 3.2, 2.4, 1.3, 1.0][:len(header)])]
    lines = [Para(f"{k}. {p.title}，{number_label}：{p.written}，{holder_label}：{p.holder}，授权日期：{p.grant_date}",
                  indent=False) for k, p in enumerate(ctx.patents, 1)]
    return [intro, *lines]


def _item17(ctx: Context, item: int) -> list:
    intro = Para(f"集群内企业积极开拓国际市场，已在境外设立分支机构{len(ctx.branches)}家：")
    body = [[str(k), name, country, f"{ctx.rng.randint(2016, 2021)}年"] for k, (name, country) in enumerate(ctx.branches, 1)]
    if ctx.style.list_layout["17"] == "table":
        block: list = [_table(ctx, ["序号", "分支机构名称", ctx.rng.choice(["所在国家", "国家（地区）"]), "设立时间"], body,
                              "境外分支机构", [0.6, 4.0, 1.6, 1.4])]
    else:
        block = [Para(f"{k}. {name}（{country}），设立于{y}。", indent=False) for k, name, country, y in body]
    return [intro, *block, Para("各境外分支机构营业执照（注册证书）复印件附后，均在有效期内。")]


def _item18(ctx: Context, item: int) -> list:
    intro = Para(f"集群已建设中小企业公共服务平台{len(ctx.platforms)}个，具体如下：")
    body = [[str(k), name, level, f"{ctx.region.province if level == '省级' else ctx.region.city}工业和信息化主管部门"
             if level != "国家级" else "工业和信息化部"] for k, (name, level) in enumerate(ctx.platforms, 1)]
    if ctx.style.list_layout["18"] == "table":
        block: list = [_table(ctx, ["序号", "平台名称", ctx.rng.choice(["级别", "认定级别", "平台级别"]), "认定部门"], body,
                              "服务平台", [0.6, 4.0, 1.2, 2.6])]
    else:
        block = [Para(f"{k}. {name}（{level}，{dept}认定）", indent=False) for k, name, level, dept in body]
    return [intro, *block, Para("平台认定文件复印件附后。")]


# --------------------------------------------------------------------------- evidence prose

EVIDENCE: dict[int, tuple[str, ...]] = {
    4: ("集群围绕{ind}形成了上游{up}、中游{mid}、下游{down}的产业链条，本地配套率达到{pct}%以上。",
        "龙头企业{ent}带动上下游配套企业{n}家，形成了“龙头带动、配套协同”的发展格局。",
        "产业链关键环节包括{proc}、{dev}研发制造等，集群已基本实现关键零部件本地化供应。"),
    5: ("集群依托{ent}建设共享制造中心，向集群内中小企业开放{dev}等通用生产设备{n}台（套）。",
        "建成公共仓储物流中心，仓储面积{n}万平方米，年服务中小企业{n2}家次。",
        "组织开展设计、检验检测、人力资源共享服务，累计降低企业生产成本约{n}%。"),
    6: ("集群注册“{county}{ind}”区域公用品牌，{n}家企业获得省级以上名牌产品称号。",
        "{ent}通过ISO 9001质量管理体系认证，主导产品抽检合格率连续三年保持100%。",
        "集群组织开展质量提升行动，举办质量管理培训{n}场，培训企业管理人员{n2}人次。"),
    9: ("集群与{uni}共建{ind}产业研究院，联合开展{proc}等关键技术攻关{n}项。",
        "{ent}牵头组建产业技术创新联盟，成员单位{n}家，实现大中小企业融通创新。",
        "近三年集群企业承担省级以上科技项目{n}项，建成省级工程技术研究中心{n2}家。"),
    10: ("集群引入数字化服务商{n}家，为中小企业提供数字化诊断评估服务{n2}次。",
         "{ent}上线工业互联网平台，接入设备{n2}台，实现生产数据实时采集与联通。",
         "开展“上云用数赋智”行动，累计推动{n}家企业上云上平台。"),
    11: ("集群推广网络化协同、个性化定制、服务化延伸等新模式，{ent}建成个性化定制生产线。",
         "组织直播电商培训{n}场，带动集群企业线上销售额增长{pct}%。",
         "推广共享工厂、云上展会等新业态，参与企业{n2}家。"),
    12: ("集群建立碳排放监测机制，对年综合能耗{n}吨标准煤以上企业实施能耗在线监测。",
         "依托{county}能源管理中心，实现重点用能企业电、气、热数据按月采集、统计和分析。",
         "制定《{short}碳排放监测管理办法》，明确监测范围、核算方法和报送流程。"),
    13: ("集群组织开展碳达峰碳中和政策宣传{n}场，覆盖企业{n2}家。",
         "印发《{short}碳达峰工作方案》，对重点企业碳排放情况开展季度监测。",
         "组织企业参加节能宣传周和全国低碳日活动，发放宣传资料{n2}份。"),
    14: ("集群推进能源和资源综合利用，{ent}建成余热回收系统，年节约标准煤{n}吨。",
         "推广{proc}等节能技术，集群单位产值能耗较2019年下降{pct}%。",
         "建设工业固废综合利用项目，工业固体废物综合利用率达到{pct2}%。"),
    15: ("集群引入第三方节能服务机构{n}家，为中小企业提供能源审计、碳核算等绿色低碳服务。",
         "建成绿色低碳公共服务平台，累计服务企业{n2}家次。",
         "{n}家企业获评省级以上绿色工厂，集群绿色低碳公共服务能力不断增强。"),
    16: ("集群组织企业参加中国国际中小企业博览会、广交会等国际展会{n}次。",
         "{ent}与{country}企业签订技术合作协议，开展技术、管理和人才交流。",
         "举办{ind}产业国际合作对接会，邀请境外采购商{n2}家参会。"),
    19: ("集群公共服务平台近三年为中小企业提供政策咨询、融资对接、人才培训等服务{n2}次。",
         "与{n}家专业服务机构签订服务合同，为集群企业提供检验检测、知识产权等服务。",
         "开展“专精特新”企业培育辅导，服务企业{n}家。"),
    20: ("{mgmt}负责集群日常运营管理，设综合办公室、产业发展部、企业服务部等内设机构。",
         "集群建立了联席会议制度，每季度召开一次集群发展协调会，实现惠企政策宣贯全覆盖。",
         "制定《{short}三年发展规划（2022—2024年）》，明确产值、创新、数字化和绿色化发展目标及保障措施。"),
}

UNIVERSITIES = ("郑州大学", "河南工业大学", "江南大学", "浙江大学", "山东农业大学", "湖南大学", "华侨大学", "河北工业大学",
                "合肥工业大学", "河南农业大学")


def _fill(ctx: Context, template: str) -> str:
    r = ctx.rng
    return template.format(
        ind=ctx.region.industry, up=r.choice(ctx.industry.upstream), mid=r.choice(ctx.industry.midstream),
        down=r.choice(ctx.industry.downstream), pct=r.randint(10, 60), pct2=r.randint(80, 97), ent=ctx.ent(),
        n=r.randint(3, 60), n2=r.randint(100, 2000), proc=r.choice(ctx.industry.processes),
        dev=r.choice(ctx.industry.devices), county=ctx.region.county, uni=r.choice(UNIVERSITIES),
        country=r.choice(("德国", "日本", "韩国", "意大利", "越南")), short=ctx.short, mgmt=ctx.management_body)


def _evidence_item(ctx: Context, item: int) -> list:
    templates = list(EVIDENCE[item])
    ctx.rng.shuffle(templates)
    keep = 2 if ctx.compact else len(templates)
    blocks: list = [Para(_fill(ctx, t)) for t in templates[:keep]]
    if item in (5, 13, 16, 19) and not ctx.compact:
        header = {5: ["序号", "共享设备/服务", "提供单位", "年服务次数"],
                  13: ["序号", "活动名称", "时间", "参加企业（家）"],
                  16: ["序号", "活动名称", "时间", "地点"],
                  19: ["序号", "服务内容", "服务对象", "合同编号"]}[item]
        rows = []
        for k in range(1, ctx.rng.randint(3, 5) + 1):
            r = ctx.rng
            rows.append({
                5: [str(k), r.choice(ctx.industry.devices), ctx.ent(), str(r.randint(20, 400))],
                13: [str(k), r.choice(["碳达峰政策宣讲会", "节能诊断培训", "低碳日主题活动", "能耗在线监测培训"]),
                     f"202{r.randint(0, 2)}年{r.randint(1, 12)}月", str(r.randint(10, 80))],
                16: [str(k), r.choice(["中国国际中小企业博览会", "广交会", "中德中小企业合作交流会", "东盟博览会"]),
                     f"20{r.randint(19, 22)}年{r.randint(1, 12)}月", r.choice(["广州", "南宁", "德国汉诺威", "郑州"])],
                19: [str(k), r.choice(["政策咨询", "融资对接", "人才培训", "检验检测", "知识产权代理"]), ctx.ent(),
                     f"HT-20{r.randint(19, 22)}-{r.randint(1, 999):03d}"],
            }[item])
        blocks.append(Grid([header] + rows, header_rows=1, widths=[0.6, 3.0, 3.0, 1.6]))
    if item == 4:
        blocks.append(Grid([["上游", "中游", "下游"],
                            ["、".join(ctx.industry.upstream), "、".join(ctx.industry.midstream),
                             "、".join(ctx.industry.downstream)]], header_rows=1, widths=[1, 1, 1]))
    return blocks


FILLER_ITEMS = (5, 6, 9, 10, 11, 13, 14, 15, 16, 19, 20)


def _filler_for(ctx: Context, item: int) -> list:
    """This item's share of the extra pages: each page starts with an explicit break."""
    share = ctx.filler_pages // len(FILLER_ITEMS) + (1 if FILLER_ITEMS.index(item) < ctx.filler_pages % len(FILLER_ITEMS) else 0)
    blocks: list = []
    for k in range(1, share + 1):
        blocks.append(Break())
        blocks.append(Para(f"附件{item}-{k}：{ctx.rng.choice(['工作会议纪要', '合作协议（摘要）', '活动开展情况报告', '服务记录'])}",
                           bold=True, indent=False, align="center"))
        for _ in range(6):
            blocks.append(Para(_fill(ctx, ctx.rng.choice(EVIDENCE[item])) + _fill(ctx, ctx.rng.choice(EVIDENCE[item]))))
    return blocks


BUILDERS = {1: _item1, 2: _item2, 3: _item3, 7: _item7, 8: _item8, 17: _item17, 18: _item18}
