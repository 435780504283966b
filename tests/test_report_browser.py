"""report.html in a real browser: headless Chromium driven over the DevTools protocol.

Checks what a reviewer sees: the findings and the evidence images are laid out and
decoded, the packet's script payload shows as text and never runs, and a screenshot
of the page is saved in the test's tmp dir.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from pipeline.reports import write_batch_outputs, write_packet_outputs

from test_reports import SCRIPT_PAYLOAD, build_sample_packet

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (Makefile installs it)"),
]

_PROBE = """
(() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const findings = [...document.querySelectorAll('.finding')];
  const crops = [...document.querySelectorAll('img[data-evidence-crop]')];
  return JSON.stringify({
    findings: findings.length,
    visibleFindings: findings.filter(visible).length,
    codes: findings.map(f => f.dataset.code),
    crops: crops.length,
    decodedCrops: crops.filter(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0).length,
    visibleCrops: crops.filter(visible).length,
    scripts: document.scripts.length,
    pwned: typeof window.__pwned !== 'undefined',
    text: document.body.innerText,
    verdict: (document.getElementById('verdict') || {}).innerText || null,
    imgsWithoutData: [...document.images].filter(i => !i.src.startsWith('data:')).length,
  });
})()
"""


class DevTools:
    """A minimal DevTools-protocol client: commands with ids, events collected while waiting."""

    def __init__(self, ws_url: str) -> None:
        self._ws = connect(ws_url, max_size=None, open_timeout=20)
        self._ids = itertools.count(1)
        self.events: list[dict] = []

    def close(self) -> None:
        self._ws.close()

    def call(self, method: str, timeout: float = 30.0, **params) -> dict:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == msg_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, since: int = 0, timeout: float = 30.0) -> dict:
        """The first `event` at or after position `since` in the event log."""
        for seen in self.events[since:]:
            if seen.get("method") == event:
                return seen
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)
            if message.get("method") == event:
                return message


@pytest.fixture()
def browser(tmp_path: Path):
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    process = subprocess.Popen(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
            "--remote-allow-origins=*", "--window-size=1200,3000", "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        try:
            yield client
        finally:
            client.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _load(client: DevTools, path: Path) -> dict:
    client.call("Page.enable")
    client.call("Runtime.enable")
    client.call("Emulation.setDeviceMetricsOverride", width=1200, height=3000, deviceScaleFactor=1, mobile=False)
    since = len(client.events)
    client.call("Page.navigate", url=path.as_uri())
    client.wait_for("Page.loadEventFired", since=since)
    evaluated = client.call("Runtime.evaluate", expression=_PROBE, returnByValue=True)
    return json.loads(evaluated["result"]["value"])


def test_packet_report_renders_findings_and_crops_without_running_packet_script(browser: DevTools, tmp_path: Path) -> None:
    sample = build_sample_packet(tmp_path / "in")
    out = tmp_path / "out" / sample.result.packet_id
    write_packet_outputs(sample.result, sample.packet, sample.docs, out)

    state = _load(browser, out / "report.html")

    assert state["findings"] == len(sample.result.findings)
    assert state["visibleFindings"] == state["findings"]
    assert state["codes"][0] == "SME_SHARE_LOW"
    assert state["crops"] >= 4
    assert state["decodedCrops"] == state["crops"]
    assert state["visibleCrops"] == state["crops"]
    assert state["imgsWithoutData"] == 0  # the payload's <img src=x> never became an element
    assert state["scripts"] == 0
    assert state["pwned"] is False
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]
    assert SCRIPT_PAYLOAD in state["text"]  # shown as text
    assert state["verdict"] == "不通过"

    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
    png = base64.b64decode(shot["data"])
    (tmp_path / "report.png").write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_batch_report_links_to_packet_reports(browser: DevTools, tmp_path: Path) -> None:
    sample = build_sample_packet(tmp_path / "in", "浚县 食品#1")
    out = tmp_path / "out"
    write_packet_outputs(sample.result, sample.packet, sample.docs, out / sample.result.packet_id)
    write_batch_outputs([sample.result], out)

    _load(browser, out / "report.html")
    links = browser.call(
        "Runtime.evaluate",
        expression="JSON.stringify([...document.querySelectorAll('#packets a')].map(a => a.href))",
        returnByValue=True,
    )
    hrefs = json.loads(links["result"]["value"])
    assert len(hrefs) == 1
    target = Path(urllib.request.url2pathname(hrefs[0].removeprefix("file://")))
    assert target == out / sample.result.packet_id / "report.html" and target.exists()
