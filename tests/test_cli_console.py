"""The console contract, through the real command: exit codes, one Chinese line, help and version.

- a `.txt` or an empty folder is not a packet: exit 2, one line; in a batch it is listed
  in batch.json with its reason and kept out of 附件4;
- an output that cannot be written: exit 3, one line naming the path;
- help without typer's `{packet}` / `<bool>`, in Chinese; `--version`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from tests.test_watcher import PROJECT_ROOT, tiny_docx

CJK = re.compile(r"[\u4e00-\u9fff]")


def cli(*args: str, data_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(data_dir), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "pipeline.cli.main", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def one_chinese_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert CJK.search(lines[0]) and "Traceback" not in stderr and "error:" not in lines[0], stderr
    return lines[0]


def test_a_text_file_or_an_empty_folder_is_a_usage_error(tmp_path: Path):
    note = tmp_path / "说明.txt"
    note.write_text("这不是申报材料。\n", encoding="utf-8")
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    for target in (note, empty):
        run = cli("process", str(target), "--out", str(tmp_path / "out"), data_dir=tmp_path / "data")
        assert run.returncode == 2, run.stderr
        assert "不是申报材料" in one_chinese_line(run.stderr)
    assert not (tmp_path / "out" / "说明").exists()


def test_a_batch_lists_non_packets_with_their_reason_and_keeps_them_out_of_the_summary(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    tiny_docx(inbox / "集群51.docx", 51)
    (inbox / "说明.txt").write_text("请查收。\n", encoding="utf-8")
    (inbox / "空文件夹").mkdir()
    run = cli("batch", str(inbox), "--out", str(out), "--direct", data_dir=tmp_path / "data")
    assert run.returncode == 0, run.stderr
    records = {r["packet_id"]: r for r in json.loads((out / "batch.json").read_text(encoding="utf-8"))}
    assert set(records) == {"集群51", "说明", "空文件夹"}
    for packet_id in ("说明", "空文件夹"):
        assert records[packet_id]["reason"].startswith("不是申报材料"), records[packet_id]
        assert not (out / packet_id).exists()
    assert records["集群51"]["status"] in ("pass", "review", "fail")
    book = load_workbook(out / "summary.xlsx")
    # the real packet is one numbered row: in the 附件4 table when it passed, else among those not recommended
    numbered = [row for name in ("推荐汇总表", "未推荐材料包") for row in book[name].iter_rows(values_only=True)
                if isinstance(row[0], int)]
    assert len(numbered) == 1, numbered
    assert "集群51" in numbered[0] or "测试县第51特色食品产业集群" in numbered[0], numbered
    in_table = [row for row in book["推荐汇总表"].iter_rows(values_only=True) if isinstance(row[0], int)]
    assert len(in_table) == (records["集群51"]["status"] == "pass"), in_table
    assert CJK.search(run.stderr.splitlines()[-1]), run.stderr  # the closing line is Chinese


def test_outputs_that_cannot_be_written_exit_3_naming_the_path(tmp_path: Path):
    packet = tiny_docx(tmp_path / "in" / "集群52.docx", 52)
    blocker = tmp_path / "一个文件"
    blocker.write_text("x", encoding="utf-8")
    run = cli("process", str(packet), "--out", str(blocker), data_dir=tmp_path / "data")
    assert run.returncode == 3, run.stderr
    assert str(blocker) in one_chinese_line(run.stderr)
    # the folder is writable but the packet's own output folder is taken by a file: found mid-run
    out = tmp_path / "out"
    out.mkdir()
    (out / "集群52").write_text("x", encoding="utf-8")
    run = cli("process", str(packet), "--out", str(out), data_dir=tmp_path / "data")
    assert run.returncode == 3, run.stderr
    assert str(out / "集群52") in one_chinese_line(run.stderr)
    run = cli("batch", str(packet.parent), "--out", str(blocker), "--direct", data_dir=tmp_path / "data")
    assert run.returncode == 3, run.stderr
    assert str(blocker) in one_chinese_line(run.stderr)


def test_help_and_version_are_for_the_person_at_the_console(tmp_path: Path):
    for args in (("--help",), ("process", "--help"), ("batch", "--help"), ("watch", "--help"), ()):
        run = cli(*args, data_dir=tmp_path / "data")
        assert run.returncode == 0, run.stderr
        text = run.stdout
        assert "用法：cluster-intake" in text, text
        assert "{" not in text and "<bool>" not in text and "Show this message" not in text, text
        assert "Usage" not in text and "Options" not in text and "Arguments" not in text, text
    assert "不经 Prefect" in cli("batch", "--help", data_dir=tmp_path / "data").stdout
    run = cli("--version", data_dir=tmp_path / "data")
    assert run.returncode == 0 and re.match(r"cluster-intake \d+\.\d+\.\d+（代码版本 ", run.stdout), run.stdout
    run = cli("process", "--out", str(tmp_path), data_dir=tmp_path / "data")
    assert run.returncode == 2 and "缺少必需的参数 材料" in one_chinese_line(run.stderr)
    run = cli("batch", str(tmp_path), "--frob", data_dir=tmp_path / "data")
    assert run.returncode == 2 and "未知选项 --frob" in one_chinese_line(run.stderr)


def test_a_prefect_batch_prints_each_packet_once_without_the_info_flood(tmp_path: Path):
    """What `make demo` shows: the batch through Prefect (its temporary server), each result once."""
    inbox = tmp_path / "inbox"
    for n in (61, 62):
        tiny_docx(inbox / f"集群{n}.docx", n)
    env_level = os.environ.pop("PREFECT_LOGGING_LEVEL", None)
    try:
        run = cli("batch", str(inbox), "--out", str(tmp_path / "out"), data_dir=tmp_path / "data", timeout=600)
    finally:
        if env_level is not None:
            os.environ["PREFECT_LOGGING_LEVEL"] = env_level
    assert run.returncode == 0, run.stderr
    log = run.stdout + run.stderr
    assert "| INFO" not in log and "Starting temporary server" not in log, log
    for n in (61, 62):
        assert len(re.findall(rf"集群{n}(?:\.docx)?：不通过", log)) == 1, log
    assert "共 2 份" in log
