"""The workbench's JSON interface, request by request, over a real store (FastAPI's TestClient).

Every test runs twice: on a SQLite file, and on a PostgreSQL server the tests start.
"""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from pipeline.app.reviews import ReviewStore
from pipeline.app.store import ResultStore
from pipeline.app.web.security import SESSION_COOKIE, secret_key
from pipeline.app.web.server import create_app
from pipeline.app.workbench import Workbench
from tests.pg_server import fresh_database, postgres_server  # noqa: F401  (the fixture)
from tests.workbench_data import SCRIPT, finding_of, make_result, record

PASSWORD = "正确的密码-1"


def build(url: str, tmp_path: Path):
    store = ResultStore(url)
    ReviewStore(store).add_user("li", "reviewer", PASSWORD)
    record(store, make_result("浚县_食品", "浚县食品产业集群", "浚县", intro_text=SCRIPT), tmp_path / "out", "a" * 64)
    record(store, make_result("清河_羊绒", "清河县羊绒制品产业集群", "清河县", sme_share=80, missing_item=None),
           tmp_path / "out", "b" * 64)
    bench = Workbench(store)
    return bench, TestClient(create_app(bench, tmp_path / "data"), base_url="http://127.0.0.1")


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request, tmp_path: Path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'results.sqlite'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_server"))
    bench, client = build(url, tmp_path)
    yield client
    bench.close()


def login(client: TestClient, password: str = PASSWORD):
    return client.post("/api/login", json={"username": "li", "password": password})


def decide(client: TestClient, finding_id: str, body: dict, token: str | None, packet: str = "浚县_食品"):
    headers = {"X-CSRF-Token": token} if token else {}
    return client.post(f"/api/packets/{packet}/findings/{finding_id}/decision", json=body, headers=headers)


def test_without_a_session_api_is_401_and_pages_redirect_to_login(client: TestClient):
    assert client.get("/api/packets").status_code == 401
    assert client.get("/api/packets/浚县_食品").status_code == 401
    assert decide(client, "x" * 16, {"decision": "confirm"}, "t").status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert client.get("/packets/浚县_食品", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/login").status_code == 200


def test_login_gives_a_strict_http_only_8_hour_cookie_and_a_csrf_token(client: TestClient):
    assert login(client, "wrong").status_code == 401
    answer = login(client)
    assert answer.status_code == 200 and answer.json()["csrf_token"]
    cookie = answer.headers["set-cookie"].lower()
    assert f"{SESSION_COOKIE}=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "max-age=28800" in cookie
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_packets_list_and_one_packet_with_decisions(client: TestClient):
    login(client)
    rows = {r["packet_id"]: r for r in client.get("/api/packets").json()}
    assert set(rows) == {"浚县_食品", "清河_羊绒"}
    assert rows["浚县_食品"]["status"] == "fail" and rows["浚县_食品"]["effective_status"] == "fail"
    assert rows["浚县_食品"]["decisions"] == 0 and rows["浚县_食品"]["errors"] == 2
    packet = client.get("/api/packets/浚县_食品").json()
    assert packet["effective_status"] == "fail" and len(packet["sections"]) == 20
    assert all(f["decision"] is None and len(f["id"]) >= 8 for f in packet["findings"])
    assert client.get("/api/packets/没有").status_code == 404


def test_state_changes_need_the_csrf_token(client: TestClient):
    token = login(client).json()["csrf_token"]
    fid = finding_of(client.get("/api/packets/浚县_食品").json(), "TOC_MISSING")["id"]
    assert decide(client, fid, {"decision": "confirm"}, None).status_code == 403
    assert decide(client, fid, {"decision": "confirm"}, "not-the-token").status_code == 403
    assert decide(client, fid, {"decision": "confirm"}, token).status_code == 200


def test_dismissal_needs_a_reason_and_unknown_findings_are_404(client: TestClient):
    token = login(client).json()["csrf_token"]
    fid = finding_of(client.get("/api/packets/浚县_食品").json(), "SECTION_MISSING")["id"]
    assert decide(client, fid, {"decision": "dismiss"}, token).status_code == 400
    assert decide(client, fid, {"decision": "dismiss", "reason": "   "}, token).status_code == 400
    assert decide(client, fid, {"decision": "maybe"}, token).status_code == 400
    assert decide(client, "0" * 16, {"decision": "confirm"}, token).status_code == 404
    assert decide(client, fid, {"decision": "confirm"}, token, packet="没有").status_code == 404


def test_a_dismissal_changes_the_effective_status_and_sticks_on_a_later_run(client: TestClient, tmp_path: Path):
    token = login(client).json()["csrf_token"]
    packet = client.get("/api/packets/浚县_食品").json()
    missing = finding_of(packet, "SECTION_MISSING")["id"]
    answer = decide(client, missing, {"decision": "dismiss", "reason": "第12项在附件二中"}, token)
    assert answer.status_code == 200 and answer.json()["effective_status"] == "fail"  # SME_SHARE_LOW remains
    sme = finding_of(packet, "SME_SHARE_LOW")["id"]
    assert decide(client, sme, {"decision": "dismiss", "reason": "口径为规上企业"}, token).json()["effective_status"] == "review"
    # the nightly re-check: a new run of the same packet raises the same findings
    store = client.app.state.workbench.store
    record(store, make_result("浚县_食品", "浚县食品产业集群", "浚县", intro_text=SCRIPT), tmp_path / "out2", "a" * 64,
           origin="nightly")
    again = client.get("/api/packets/浚县_食品").json()
    assert again["run"]["origin"] == "nightly"
    shown = finding_of(again, "SECTION_MISSING")["decision"]
    assert shown["decision"] == "dismiss" and shown["reason"] == "第12项在附件二中" and shown["user"] == "li"
    assert again["effective_status"] == "review"
    rows = {r["packet_id"]: r for r in client.get("/api/packets").json()}
    assert rows["浚县_食品"]["decisions"] == 2 and rows["浚县_食品"]["effective_status"] == "review"


def test_a_corrected_value_reruns_the_checks(client: TestClient):
    token = login(client).json()["csrf_token"]
    packet = client.get("/api/packets/浚县_食品").json()
    sme = finding_of(packet, "SME_SHARE_LOW")["id"]
    missing = finding_of(packet, "SECTION_MISSING")["id"]
    assert decide(client, sme, {"decision": "correct", "value": "abc"}, token).status_code == 400
    assert decide(client, sme, {"decision": "correct", "value": "75"}, token).status_code == 200
    view = client.get("/api/packets/浚县_食品").json()
    assert finding_of(view, "SME_SHARE_LOW").get("superseded") is True
    assert view["indicators"]["sme_output_share_pct"]["corrected_value"] == 75
    decide(client, missing, {"decision": "dismiss", "reason": "已另行报送"}, token)
    assert client.get("/api/packets/浚县_食品").json()["effective_status"] == "review"


def test_audit_log_is_append_only(client: TestClient):
    token = login(client).json()["csrf_token"]
    fid = finding_of(client.get("/api/packets/浚县_食品").json(), "TOC_MISSING")["id"]
    decide(client, fid, {"decision": "dismiss", "reason": "目录在第2页"}, token)
    reviews = client.app.state.workbench.reviews
    actions = [a["action"] for a in reviews.audit_log()]
    assert actions[0] == "user_add" and "login" in actions and actions[-1] == "decision_dismiss"
    engine = client.app.state.workbench.store.engine
    for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "UPDATE decisions SET reason = 'x'"):
        with pytest.raises(DatabaseError):
            with engine.begin() as conn:
                conn.execute(text(sql))


def test_login_attempts_are_rate_limited(client: TestClient):
    for _ in range(5):
        assert login(client, "wrong").status_code == 401
    assert login(client).status_code == 429  # even the right password, for a while


def test_an_expired_session_is_refused(client: TestClient, tmp_path: Path):
    token = login(client).json()["csrf_token"]
    assert client.get("/api/packets").status_code == 200
    old = {"user": "li", "role": "reviewer", "csrf": token, "login_at": time.time() - 8 * 3600 - 5}
    signed = TimestampSigner(secret_key(tmp_path / "data")).sign(base64.b64encode(json.dumps(old).encode()))
    client.cookies.set(SESSION_COOKIE, signed.decode())
    assert client.get("/api/packets").status_code == 401


def test_packet_text_is_escaped_under_a_strict_csp(client: TestClient):
    login(client)
    page = client.get("/packets/浚县_食品")
    assert page.status_code == 200
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "script-src 'none'" in page.headers["content-security-policy"]
    found = client.get("/packets/浚县_食品/text", params={"q": "script"})
    assert found.status_code == 200 and "<script>" not in found.text and "&lt;script&gt;" in found.text


def test_notice_lists_undecided_errors_and_confirmed_warnings_only(client: TestClient):
    token = login(client).json()["csrf_token"]
    packet = client.get("/api/packets/清河_羊绒").json()  # passes the criteria: one warning only
    toc = finding_of(packet, "TOC_MISSING")["id"]
    empty = Document(io.BytesIO(client.get("/packets/清河_羊绒/notice.docx").content))
    assert "未找到目录" not in "\n".join(p.text for p in empty.paragraphs)  # an undecided warning is not listed
    decide(client, toc, {"decision": "confirm"}, token, packet="清河_羊绒")
    answer = client.get("/packets/清河_羊绒/notice.docx")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    body = "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    assert "清河县工业和信息化主管部门" in body and "1. 未找到目录。（申报书.pdf 第1页）" in body
    # the failing packet: its two errors; a dismissed one drops out
    view = client.get("/api/packets/浚县_食品").json()
    decide(client, finding_of(view, "SECTION_MISSING")["id"], {"decision": "dismiss", "reason": "已补"}, token)
    body = "\n".join(p.text for p in Document(io.BytesIO(client.get("/packets/浚县_食品/notice.docx").content)).paragraphs)
    assert "中小企业产值占集群总产值比例为65%" in body and "缺少第12项" not in body and "未找到目录" not in body


def test_rank_orders_the_signed_summary_made_from_effective_results(client: TestClient):
    token = login(client).json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    assert client.post("/api/packets/清河_羊绒/rank", json={"rank": 1}).status_code == 403
    assert client.post("/api/packets/清河_羊绒/rank", json={"rank": "x"}, headers=headers).status_code == 400
    assert client.post("/api/packets/没有/rank", json={"rank": 1}, headers=headers).status_code == 404
    assert client.post("/api/packets/清河_羊绒/rank", json={"rank": 1}, headers=headers).json()["rank"] == 1
    client.post("/api/packets/浚县_食品/rank", json={"rank": 2}, headers=headers)
    client.post("/api/packets/清河_羊绒/rank", json={"rank": 3}, headers=headers)  # the newest setting wins
    rows = {r["packet_id"]: r["rank"] for r in client.get("/api/packets").json()}
    assert rows == {"浚县_食品": 2, "清河_羊绒": 3}
    packet = client.get("/api/packets/浚县_食品").json()
    for code in ("SME_SHARE_LOW", "SECTION_MISSING"):
        decide(client, finding_of(packet, code)["id"], {"decision": "dismiss", "reason": "核实无误"}, token)
    answer = client.get("/summary.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    names = [c.value for c in book.worksheets[0]["B"] if c.value]
    assert names.index("浚县食品产业集群") < names.index("清河县羊绒制品产业集群")  # 推荐排序 2 before 3
    verdicts = {row[0].value: row[2].value for row in book["问题汇总"].iter_rows(min_row=2) if row[0].value}
    assert verdicts["浚县_食品"] == "需人工复核"  # the effective verdict: both errors dismissed
    dashboard = client.get("/?sort=rank").text
    assert dashboard.index("浚县_食品") < dashboard.index("清河_羊绒")


def test_the_audit_log_page_is_for_administrators(client: TestClient):
    reviews = client.app.state.workbench.reviews
    reviews.add_user("admin1", "admin", "admin-pw")
    login(client)
    assert client.get("/audit").status_code == 403
    client.cookies.clear()
    client.post("/api/login", json={"username": "admin1", "password": "admin-pw"})
    page = client.get("/audit")
    assert page.status_code == 200 and "新建用户" in page.text and "登录" in page.text
