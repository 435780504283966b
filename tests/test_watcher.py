"""Acceptance test of the drop folder: a real watcher subprocess, SIGKILLed midway and restarted.

Twenty small packets arrive (some while others are processed, one written slowly
in chunks, one a copy of another under a new name, three while the watcher is
down). Afterwards every packet must sit in done/, each distinct packet must have
exactly one run in the results store, and every one must have its outputs.

The crash-window test kills the real process at the two points that matter
(right after the claim, and between recording a run and the rename to done/)
through the watcher's test-only crash hook, and changes a source file while it is
down, as a colleague's edit or an upgrade would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

from pipeline.app.watcher import CRASH_AT_ENV, StabilityTracker, StateDirs, free_name, signature
from pipeline.app.batch import packet_hash
from pipeline.app.store import ResultStore

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUIET_SECONDS = 2.0  # the slow writer pauses 0.3 s: a wide margin even on a loaded machine


def tiny_docx(path: Path, n: int, extra_pages: int = 0) -> Path:
    """A one-page 申报表 fragment; `n` makes every packet's bytes different."""
    doc = Document()
    doc.add_heading(f"第{n}号测试特色产业集群申报材料", level=0)
    doc.add_paragraph(f"集群名称：测试县第{n}特色食品产业集群")
    doc.add_paragraph("所在地区：河南省鹤壁市浚县")
    doc.add_paragraph("主导产业：食品加工")
    doc.add_paragraph("填报日期：2022年8月15日")
    doc.add_heading("一、中小企业特色产业集群申报表", level=1)
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "集群从业人员（人）", str(10000 + n)
    table.cell(1, 0).text, table.cell(1, 1).text = "集群占地面积（平方公里）", "12.5"
    for page in range(extra_pages):
        doc.add_page_break()
        doc.add_paragraph(f"附件材料第{page + 1}页：" + "集群协同创新工作佐证材料。" * 40)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def write_slowly(target: Path, data: bytes, chunks: int = 6, pause: float = 0.3) -> None:
    """Append in chunks, each pause shorter than the quiet period: it must not be taken early."""
    step = len(data) // chunks + 1
    with target.open("wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            os.fsync(fh.fileno())
            time.sleep(pause)


def start_watcher(
    inbox: Path, out: Path, data_dir: Path, log: Path, *, source_root: Path = PROJECT_ROOT, crash_at: str | None = None,
) -> subprocess.Popen:
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop(CRASH_AT_ENV, None)
    if crash_at:
        env[CRASH_AT_ENV] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "watch", str(inbox), "--out", str(out), "--quiet-seconds", str(QUIET_SECONDS), "--direct"],
        cwd=source_root, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"watcher exited ({proc.returncode}) while waiting for {what}:\n{log.read_text() if log else ''}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text() if log else ''}")


def stored_runs(data_dir: Path) -> dict[str, int]:
    db = data_dir / "results.sqlite"
    if not db.exists():
        return {}
    store = ResultStore(f"sqlite:///{db}")
    try:
        return store.run_counts_by_hash()
    finally:
        store.close()


def test_watcher_survives_sigkill_and_processes_each_packet_once(tmp_path: Path):
    inbox, out, data_dir, log = tmp_path / "inbox", tmp_path / "out", tmp_path / "data", tmp_path / "watch.log"
    inbox.mkdir()
    dirs = StateDirs.for_inbox(inbox)
    sources = copy_sources(tmp_path / "src")  # a fixed code version for the whole test, whatever else is edited
    staging = tmp_path / "staging"  # packets are built here, then dropped (copied or renamed) into the inbox

    expected: dict[str, str] = {}  # inbox name → packet hash

    # expected hashes come from the staged bytes: the watcher may claim a packet the moment it is quiet
    def drop_file(n: int, **kw) -> None:
        built = tiny_docx(staging / f"集群{n:02d}.docx", n, **kw)
        expected[built.name] = packet_hash(built)
        (inbox / built.name).write_bytes(built.read_bytes())  # written in place, not renamed: the watcher must wait

    def drop_folder(n: int) -> None:
        folder = staging / f"集群{n:02d} 文件夹"
        tiny_docx(folder / "01 申报表.docx", n)
        tiny_docx(folder / "02 佐证材料.docx", n + 1000, extra_pages=1)
        expected[folder.name] = packet_hash(folder)  # member names are relative: same hash in the inbox
        os.rename(folder, inbox / folder.name)

    proc = start_watcher(inbox, out, data_dir, log, source_root=sources)
    try:
        for n in range(1, 7):
            drop_file(n)
        drop_folder(7)
        # more arrive while the first ones are being processed
        wait_for(lambda: sum(stored_runs(data_dir).values()) >= 2, 120, "the first runs", proc, log)
        for n in range(8, 12):
            drop_file(n, extra_pages=n % 3)
        slow = tiny_docx(staging / "集群12 慢速上传.docx", 12, extra_pages=3)
        expected[slow.name] = packet_hash(slow)
        write_slowly(inbox / slow.name, slow.read_bytes())
        for n in range(13, 16):
            drop_file(n)
        # kill it hard while a packet is in flight
        wait_for(
            lambda: any(dirs.processing.iterdir()) or len(list(dirs.done.iterdir())) >= 15,
            120, "a packet in processing/", proc, log,
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        in_flight = [p.name for p in dirs.processing.iterdir()]

        # packets dropped while it is down, including a copy of packet 1 under another name
        for n in range(16, 19):
            drop_file(n)
        copy = inbox / "集群01 副本.docx"
        expected[copy.name] = packet_hash(staging / "集群01.docx")
        copy.write_bytes((staging / "集群01.docx").read_bytes())
        drop_folder(20)
        assert len(expected) == 20

        proc = start_watcher(inbox, out, data_dir, log, source_root=sources)

        def all_done() -> bool:
            return not any(inbox.iterdir()) and not any(dirs.processing.iterdir()) and (
                len(list(dirs.done.iterdir())) + len(list(dirs.failed.iterdir())) == 20
            )

        wait_for(all_done, 240, "all 20 packets to reach done/", proc, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130, log.read_text()  # SIGTERM: interrupted (contract exit codes)

    # none lost: every packet sits in done/ under its own name
    assert sorted(p.name for p in dirs.done.iterdir()) == sorted(expected)
    assert not any(dirs.failed.iterdir())
    # each distinct packet processed exactly once, across the kill and the restart
    runs = stored_runs(data_dir)
    distinct = set(expected.values())
    assert len(distinct) == 19  # the copy shares packet 1's hash
    # the copy is another packet id: processed again for its own outputs (one more run of that hash)
    copy_hash = expected[copy.name]
    assert runs == {h: (2 if h == copy_hash else 1) for h in distinct}
    # every packet taken has its outputs, the copy included (the contract's `watch` row)
    for name, digest in expected.items():
        packet_id = Path(name).stem if (dirs.done / name).is_file() else name
        packet_id = packet_id.replace(" ", "_")
        assert (out / packet_id / "result.json").is_file(), f"no result for {name}"
    text = log.read_text()
    assert "重新处理 集群01 副本.docx：内容与已处理的“集群01”相同" in text  # recognised, with one log line
    assert "Traceback" not in text
    if in_flight:
        assert f"恢复上次中断的申报材料：{in_flight[0]}" in text


def copy_sources(target: Path) -> Path:
    """The code the watcher runs, in a tree this test may edit (CODE_VERSION fingerprints it)."""
    for package in ("pipeline", "extractors", "validators", "flows"):
        shutil.copytree(PROJECT_ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_crash_after_claim_and_after_record_then_code_change(tmp_path: Path):
    inbox, out, data_dir, log = tmp_path / "inbox", tmp_path / "out", tmp_path / "data", tmp_path / "watch.log"
    inbox.mkdir()
    dirs = StateDirs.for_inbox(inbox)
    sources = copy_sources(tmp_path / "src")
    packet = tiny_docx(tmp_path / "staging" / "集群31.docx", 31)
    digest = packet_hash(packet)

    def run_until_crash(crash_at: str) -> None:
        proc = start_watcher(inbox, out, data_dir, log, source_root=sources, crash_at=crash_at)
        try:
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL, log.read_text()
        assert [p.name for p in dirs.processing.iterdir()] == [packet.name], log.read_text()

    # 1) killed right after the claim: in processing/, nothing recorded yet
    (inbox / packet.name).write_bytes(packet.read_bytes())
    run_until_crash("claimed")
    assert stored_runs(data_dir) == {}
    # 2) the restart processes it, records the run, and is killed before the rename to done/
    run_until_crash("recorded")
    assert stored_runs(data_dir) == {digest: 1}
    # 3) the sources change while it is down (a new code version), and the same bytes arrive again
    (sources / "pipeline" / "zz_edited_while_down.py").write_text('"""An edit made while the watcher was down."""\n')
    (inbox / "集群31 副本.docx").write_bytes(packet.read_bytes())
    proc = start_watcher(inbox, out, data_dir, log, source_root=sources)
    try:
        wait_for(
            lambda: not any(inbox.iterdir()) and not any(dirs.processing.iterdir()) and len(list(dirs.done.iterdir())) == 2,
            120, "both packets to reach done/", proc, log,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    text = log.read_text()
    assert proc.returncode == 130, text  # SIGTERM: interrupted (contract exit codes)
    assert sorted(p.name for p in dirs.done.iterdir()) == ["集群31 副本.docx", "集群31.docx"]
    # the resume did not re-process the recorded packet, whatever the code version; the copy dropped
    # anew under the new code version is processed again (the contract: unless the code changed)
    assert stored_runs(data_dir) == {digest: 2}
    assert (out / "集群31" / "result.json").is_file()
    assert (out / "集群31_副本" / "result.json").is_file()
    assert text.count("恢复上次中断的申报材料：集群31.docx") == 2
    assert "跳过 集群31.docx" in text and "跳过 集群31 副本.docx" not in text
    assert "重新处理 集群31 副本.docx：相同内容此前由程序版本" in text
    assert "Traceback" not in text


def test_stability_waits_for_the_quiet_period(tmp_path: Path):
    now = [0.0]
    tracker = StabilityTracker(quiet_seconds=2.0, clock=lambda: now[0])
    packet = tmp_path / "p.docx"
    packet.write_bytes(b"one")
    assert tracker.ready(tmp_path) == []  # first sight starts the clock
    now[0] = 1.0
    assert tracker.ready(tmp_path) == []
    with packet.open("ab") as fh:  # it grows: the clock restarts
        fh.write(b" two")
    now[0] = 2.5
    assert tracker.ready(tmp_path) == []
    now[0] = 4.0
    assert tracker.ready(tmp_path) == []
    now[0] = 4.6
    assert tracker.ready(tmp_path) == ["p.docx"]
    tracker.touch("p.docx")  # an event counts as a change even when size and mtime look the same
    now[0] = 5.0
    assert tracker.ready(tmp_path) == []


def test_folder_is_stable_only_when_no_file_in_it_changes(tmp_path: Path):
    folder = tmp_path / "集群 A"
    (folder / "sub").mkdir(parents=True)
    first = signature(folder)
    (folder / "sub" / "a.pdf").write_bytes(b"x")
    second = signature(folder)
    assert first != second
    (folder / "sub" / "a.pdf").write_bytes(b"xy")
    assert signature(folder) != second
    now = [0.0]
    tracker = StabilityTracker(quiet_seconds=1.0, clock=lambda: now[0])
    (tmp_path / "空文件夹").mkdir()
    tracker.ready(tmp_path)
    now[0] = 5.0
    assert tracker.ready(tmp_path) == ["集群 A"]  # the empty folder waits for files


def test_free_name_never_overwrites(tmp_path: Path):
    (tmp_path / "a.pdf").write_bytes(b"")
    (tmp_path / "a~2.pdf").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    assert free_name("a.pdf", tmp_path) == "a~3.pdf"
    assert free_name("folder", tmp_path) == "folder~2"
    assert free_name("new.docx", tmp_path) == "new.docx"
