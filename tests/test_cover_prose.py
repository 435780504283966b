"""Cover fields stated only in prose: the body a sentence founds and makes run the cluster is
its 运营管理机构, the date before the founding verb its 成立时间."""

from __future__ import annotations

from extractors.analysis.cover import extract_cover
from pipeline.core.document import Line, Provenance, ReadMethod


def _lines(texts: list[str]) -> list[Line]:
    return [Line(text=t, prov=Provenance(file="申报.pdf", page=3, bbox=(60.0, 100.0 + 16 * i, 540.0, 112.0 + 16 * i), method=ReadMethod.TEXT))
            for i, t in enumerate(texts)]


def test_management_body_and_founding_date_from_a_wrapped_sentence() -> None:
    front = _lines(["集群名称：汝州市机绣纺织产业集群", "所在地区：河南省平顶山市汝州市"])
    form = _lines([
        "一、集群概况",
        "集群位于汝州市产业集聚区，二〇一六年三月由市人民政府批准组建汝州市机绣纺织产业集群",
        "发展服务中心，作为集群的运营管理机构，统筹集群规划建设。集群现有企业212家。",
    ])
    cover = extract_cover(front, form)
    assert cover.management_body == "汝州市机绣纺织产业集群发展服务中心"
    assert cover.established == "2016-03"


def test_a_founded_body_that_does_not_run_the_cluster_is_not_the_management_body() -> None:
    form = _lines(["2019年6月，集群龙头企业联合设立省级纺织检测中心，为企业提供检测服务。"])
    cover = extract_cover([], form)
    assert cover.management_body is None and cover.established is None


def test_region_named_in_prose_when_the_cover_lacks_it() -> None:
    form = _lines(["集群位于河北省邢台市清河县，以羊绒制品为主导产业。"])
    assert extract_cover([], form).region == "河北省邢台市清河县"
    labelled = extract_cover(_lines(["所在地区：河北省邢台市清河县"]), _lines(["企业多位于河北省石家庄市桥西区。"]))
    assert labelled.region == "河北省邢台市清河县"  # the label wins


def test_a_semicolon_or_comma_after_a_label_stands_for_its_colon() -> None:
    front = _lines(["填报日期;\t2022 年 10 月 10 日"])
    form = _lines(["集群成立时间，\t2017 年 6 月"])
    cover = extract_cover(front, form)
    assert (cover.fill_date, cover.established) == ("2022-10-10", "2017-06")
