"""The workbench in a real browser: Playwright for Python driving Debian's Chromium (nothing downloaded).

On SQLite and on a PostgreSQL server the tests start, real packets (generated
DOCX) go through a real `batch`, a real `users add` and a
real `cluster-intake web` server; the reviewer logs in, dismisses a false alarm
with a reason, reloads, re-runs the batch, corrects a misread value and downloads
the notice. Screenshots are checked to be non-blank.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from PIL import Image, ImageStat

from pipeline.app.store import ResultStore
from sample_docs.generate import generate_packet
from tests.pg_server import fresh_database, postgres_server  # noqa: F401  (the fixture)
from tests.workbench_data import SCRIPT, make_result, record

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "s3cret-审查"

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (Makefile installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict, *args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "pipeline.cli.main", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    return done


def assert_not_blank(path: Path) -> None:
    image = Image.open(path).convert("L")
    assert image.size[0] > 300 and image.size[1] > 200
    assert ImageStat.Stat(image).stddev[0] > 10, "screenshot is blank"
    assert len(image.getcolors(1 << 16) or []) > 20


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def workbench_server(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("workbench")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLUSTER_INTAKE_DATA_DIR": str(root / "data"),
           "OMP_THREAD_LIMIT": "1"}
    if request.param == "sqlite":
        env.pop("CLUSTER_INTAKE_DB_URL", None)
        db_url = f"sqlite:///{root / 'data' / 'results.sqlite'}"
    else:
        db_url = env["CLUSTER_INTAKE_DB_URL"] = fresh_database(request.getfixturevalue("postgres_server"))
    generate_packet("docx", root / "gen", seed=41, defects=("sme_share_low", "toc_missing"))
    inbox = root / "gen" / "packets"
    _cli(env, "batch", str(inbox), "--out", str(root / "out"), "--direct")
    _cli(env, "users", "add", "li", "--role", "reviewer", stdin=PASSWORD + "\n")
    store = ResultStore(db_url)  # a packet whose text carries <script>
    record(store, make_result("脚本_测试", "脚本测试产业集群", "某县", intro_text=SCRIPT), root / "out", "e" * 64)
    store.close()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli.main", "web", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, server.stderr.read()
            time.sleep(0.3)
    packet_id = next(inbox.iterdir()).stem
    yield {"url": f"http://127.0.0.1:{port}", "env": env, "db_url": db_url, "inbox": inbox, "out": root / "out", "root": root,
           "packet_id": packet_id}
    server.terminate()
    try:
        server.wait(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()


@pytest.fixture
def page(workbench_server):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        yield page
        browser.close()


def log_in(page, url: str) -> None:
    page.goto(url + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "li")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def finding(page, code: str):
    return page.locator("article.finding", has=page.locator("small.code", has_text=code)).first


def test_review_a_packet_end_to_end(workbench_server, page, tmp_path: Path):
    url, packet_id = workbench_server["url"], workbench_server["packet_id"]
    log_in(page, url)
    assert page.locator("#packets tbody tr").count() == 2
    page.click(f"text={packet_id}")
    page.wait_for_selector("#effective-status")
    assert page.inner_text("#effective-status") == "不通过"
    shot = tmp_path / "packet.png"
    page.screenshot(path=str(shot), full_page=True)
    assert_not_blank(shot)

    # dismiss the TOC warning as a false alarm, with a reason; reload: still dismissed
    toc = finding(page, "TOC_MISSING")
    toc.locator("input[name=reason]").fill("目录在封面后一页")
    toc.locator("button.dismiss").click()
    page.wait_for_load_state()
    page.reload()
    toc = finding(page, "TOC_MISSING")
    assert "已驳回" in toc.inner_text() and "目录在封面后一页" in toc.inner_text()

    # the batch re-run (no cache: a new run of every packet); the decision is still shown
    env = {**workbench_server["env"], "CLUSTER_INTAKE_USE_CACHE": "false"}
    _cli(env, "batch", str(workbench_server["inbox"]), "--out", str(workbench_server["out"]), "--direct")
    store = ResultStore(workbench_server["db_url"])
    assert len(store.history(packet_id)) == 2
    store.close()
    page.reload()
    assert "目录在封面后一页" in finding(page, "TOC_MISSING").inner_text()

    # correct the misread share: the checks run again and the verdict changes
    sme = finding(page, "SME_SHARE_LOW")
    sme.locator("input[name=value]").fill("82")
    sme.locator("button.correct").click()
    page.wait_for_load_state()
    assert page.inner_text("#effective-status") != "不通过"
    assert "不再成立" in finding(page, "SME_SHARE_LOW").inner_text()
    shot = tmp_path / "corrected.png"
    page.screenshot(path=str(shot), full_page=True)
    assert_not_blank(shot)

    # the notice
    with page.expect_download() as download:
        page.click("#notice-link")
    saved = tmp_path / "notice.docx"
    download.value.save_as(saved)
    text = "\n".join(p.text for p in Document(saved).paragraphs)
    assert "补正通知" in text and "目录" not in text.split("如下")[-1]  # the dismissed warning is not listed


def test_script_in_packet_text_never_runs(workbench_server, page):
    url = workbench_server["url"]
    log_in(page, url)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url + "/packets/脚本_测试")
    assert "<script>" in finding(page, "TOC_MISSING").inner_text()  # shown as text
    page.goto(url + "/packets/脚本_测试/text?q=script")
    assert page.title() != "pwned" and not dialogs
    assert "document.title" in page.inner_text("pre")


def test_api_refuses_without_session_and_pages_redirect(workbench_server, page):
    url = workbench_server["url"]
    answer = page.request.get(url + "/api/packets")
    assert answer.status == 401
    page.goto(url + "/issues")
    assert page.url.endswith("/login")
