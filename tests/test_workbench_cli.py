"""The workbench's commands as a user runs them: `users add`, `notice`, and `web` stopped by a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

from pipeline.app.reviews import ReviewStore
from pipeline.app.store import ResultStore
from tests.workbench_data import make_result, record

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "pipeline.cli.main"]


def environment(tmp_path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLUSTER_INTAKE_DATA_DIR": str(tmp_path / "data")}
    env.pop("CLUSTER_INTAKE_DB_URL", None)
    return env


def run(env, *args, stdin=None):
    return subprocess.run([*CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_users_add_reads_the_password_from_stdin_and_refuses_a_taken_name(tmp_path: Path):
    env = environment(tmp_path)
    done = run(env, "users", "add", "wang", "--role", "admin", stdin="长密码 with space\n")
    assert done.returncode == 0, done.stderr
    again = run(env, "users", "add", "wang", "--role", "reviewer", stdin="x\n")
    assert again.returncode == 2 and "已存在" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert run(env, "users", "add", "zhao", "--role", "boss", stdin="x\n").returncode == 2
    assert run(env, "users", "add", "zhao", "--role", "reviewer", stdin="").returncode == 2  # no password
    store = ResultStore(f"sqlite:///{tmp_path / 'data' / 'results.sqlite'}")
    try:
        reviews = ReviewStore(store)
        assert reviews.authenticate("wang", "长密码 with space") == ("wang", "admin")
        assert reviews.authenticate("wang", "长密码") is None
    finally:
        store.close()


def test_notice_command_writes_the_docx(tmp_path: Path):
    env = environment(tmp_path)
    store = ResultStore(f"sqlite:///{tmp_path / 'data' / 'results.sqlite'}")
    record(store, make_result("浚县_食品", "浚县食品产业集群", "浚县"), tmp_path / "out", "a" * 64)
    store.close()
    target = tmp_path / "通知.docx"
    done = run(env, "notice", "浚县_食品", "--out", str(target))
    assert done.returncode == 0, done.stderr
    text = "\n".join(p.text for p in Document(target).paragraphs)
    assert text.startswith("中小企业特色产业集群申报材料补正通知") and "浚县工业和信息化主管部门：" in text
    assert "第12项 集群碳排放监测机制" in text and "1. " in text and "2. " in text and "3. " not in text
    assert "______年____月____日前" in text
    assert run(env, "notice", "没有", "--out", str(target)).returncode == 2
    blocked = run(env, "notice", "浚县_食品", "--out", str(tmp_path / "no" / "such" / "dir" / "x.docx"))
    assert blocked.returncode in (0, 3)  # a missing parent folder is created; an unwritable one is exit 3


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_web_binds_localhost_and_stops_on_one_signal(tmp_path: Path, sig: signal.Signals):
    """SIGTERM to the command, or Ctrl-C (SIGINT to the whole foreground process group)."""
    env = environment(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([*CLI, "web", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.3)
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert listening.split()[3] == f"127.0.0.1:{port}"  # the local address: not 0.0.0.0
        started = time.monotonic()
        if sig == signal.SIGINT:
            os.killpg(server.pid, signal.SIGINT)
        else:
            server.send_signal(sig)
        code = server.wait(timeout=15)
        assert time.monotonic() - started < 10
        err = server.stderr.read()
        assert code == 130 and err.strip().splitlines()[-1] == "已中断" and "Traceback" not in err
    finally:
        if server.poll() is None:
            server.kill()


def test_web_on_a_taken_port_is_one_line_and_exit_2(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run(environment(tmp_path), "web", "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "无法" in done.stderr
