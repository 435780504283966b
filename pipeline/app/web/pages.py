"""The workbench's pages: login, the round dashboard, the 问题清单, a packet, its text and its notice."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.app.effective import in_force
from pipeline.app.notice import notice_docx
from pipeline.app.web.api import login_user, workbench
from pipeline.app.web.security import anonymous_csrf, check_csrf, current_user, start_session
from pipeline.app.workbench import BadDecision, NotFound
from pipeline.reports import write_batch_outputs

router = APIRouter()

SORT_KEYS = ("rank", "packet_id", "cluster_name", "region", "status", "effective_status", "errors", "warnings", "undecided")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(request: Request, name: str, status_code: int = 200, **context):
    context.setdefault("me", current_user(request))
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


def _packet_or_404(request: Request, packet_id: str, **kwargs) -> dict:
    try:
        return workbench(request).packet(packet_id, **kwargs)
    except NotFound:
        raise HTTPException(status_code=404, detail="unknown packet") from None


@router.get("/login")
def login_page(request: Request):
    if current_user(request):
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html.j2", csrf=anonymous_csrf(request), error=None)


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    try:
        found = login_user(request, username, password)
    except HTTPException as exc:
        return render(request, "login.html.j2", status_code=exc.status_code, csrf=anonymous_csrf(request),
                      error="登录失败次数过多，请稍后再试。")
    if found is None:
        return render(request, "login.html.j2", status_code=401, csrf=anonymous_csrf(request),
                      error="用户名或密码错误。")
    start_session(request, *found)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def dashboard(request: Request, sort: str = "packet_id", order: str = "asc", status: str = "", q: str = ""):
    rows = workbench(request).packets()
    if status:
        rows = [r for r in rows if r["effective_status"] == status]
    if q:
        rows = [r for r in rows if any(q in (r.get(k) or "") for k in ("packet_id", "cluster_name", "region"))]
    key = sort if sort in SORT_KEYS else "packet_id"
    numeric = key in ("rank", "errors", "warnings", "undecided")
    if key == "rank":  # ranked packets first, in order; the others after
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["packet_id"]), reverse=order == "desc")
    else:
        rows.sort(key=lambda r: (r.get(key) or 0) if numeric else str(r.get(key) or ""), reverse=order == "desc")
    return render(request, "dashboard.html.j2", rows=rows, sort=key, order=order, status=status, q=q,
                  sort_keys=SORT_KEYS, csrf=current_user(request)["csrf"])


@router.post("/packets/{packet_id}/rank")
def rank_form(request: Request, packet_id: str, rank: str = Form(""), csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    try:
        workbench(request).set_rank(packet_id, rank, current_user(request)["user"])
    except NotFound:
        raise HTTPException(status_code=404, detail="unknown packet") from None
    except BadDecision:
        return render(request, "error.html.j2", status_code=400, message="推荐排序须为从 1 开始的整数。", back="/")
    return RedirectResponse("/?sort=rank", status_code=303)


@router.get("/summary.xlsx")
def summary(request: Request):
    """The 推荐汇总表 from the effective results: the packets the reviewers ranked, in 推荐排序 order."""
    bench = workbench(request)
    with tempfile.TemporaryDirectory(prefix="cluster-intake-summary-") as tmp:
        write_batch_outputs(bench.effective_results(), Path(tmp), chosen=set(bench.reviews.ranks()) or None)
        data = (Path(tmp) / "summary.xlsx").read_bytes()
    name = quote("推荐汇总表.xlsx")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


ACTION_LABELS = {"login": "登录", "login_failed": "登录失败", "user_add": "新建用户", "rank": "设置推荐排序",
                 "decision_confirm": "确认问题", "decision_dismiss": "驳回问题", "decision_correct": "更正数值"}


@router.get("/audit")
def audit(request: Request):
    """The audit log, newest first: administrators only."""
    if current_user(request)["role"] != "admin":
        return render(request, "error.html.j2", status_code=403, message="只有管理员可以查看操作记录。", back="/")
    entries = list(reversed(workbench(request).reviews.audit_log()))
    return render(request, "audit.html.j2", entries=entries, labels=ACTION_LABELS)


@router.get("/issues")
def issues(request: Request):
    bench = workbench(request)
    lines = []
    for row in bench.packets():
        view = bench.packet(row["packet_id"])
        for f in view["findings"]:
            if in_force(f) and f["severity"] in ("error", "warning"):
                first = (f.get("evidence") or [{}])[0]
                lines.append({"packet_id": row["packet_id"], "cluster_name": row["cluster_name"], "finding": f,
                              "file": first.get("file"), "page": first.get("page")})
    return render(request, "issues.html.j2", lines=lines)


@router.get("/packets/{packet_id}")
def packet_page(request: Request, packet_id: str):
    view = _packet_or_404(request, packet_id, with_changes=True)
    by_item: dict = {}
    for f in view["findings"]:
        by_item.setdefault(f.get("item"), []).append(f)
    groups = sorted(by_item.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    files = view.get("files") or []
    pages = request.app.state.pages
    run = _run_of(request, view)
    imaged = {f["name"] for f in files if f.get("kind") in ("pdf", "image") and pages.has_pages(run, f["name"])}
    return render(request, "packet.html.j2", view=view, groups=groups, csrf=current_user(request)["csrf"],
                  file_index={f["name"]: i for i, f in enumerate(files)}, imaged=imaged,
                  item_titles={s["item"]: s["title"] for s in view.get("sections") or []})


@router.post("/packets/{packet_id}/findings/{finding_id}/decision")
def decide_form(request: Request, packet_id: str, finding_id: str, decision: str = Form(""), reason: str = Form(""),
                value: str = Form(""), csrf_token: str = Form("")):
    check_csrf(request, csrf_token)
    user = current_user(request)["user"]
    try:
        workbench(request).decide(packet_id, finding_id, user, {"decision": decision, "reason": reason, "value": value})
    except NotFound:
        raise HTTPException(status_code=404, detail="unknown packet or finding") from None
    except BadDecision as exc:
        return render(request, "error.html.j2", status_code=400, message=_bad_decision_text(str(exc)),
                      back=f"/packets/{quote(packet_id)}")
    return RedirectResponse(f"/packets/{quote(packet_id)}#f-{finding_id}", status_code=303)


def _bad_decision_text(detail: str) -> str:
    if "reason" in detail:
        return "驳回一项问题时必须填写理由。"
    if "number" in detail:
        return "更正后的数值必须是数字。"
    return "无法保存该处理意见：" + detail


@router.get("/packets/{packet_id}/notice.docx")
def notice(request: Request, packet_id: str):
    view = _packet_or_404(request, packet_id)
    name = quote(f"补正通知_{packet_id}.docx")
    return Response(notice_docx(view), media_type=DOCX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def _run_of(request: Request, view: dict):
    return workbench(request).store.get(view["run"]["id"])


def _file_name(view: dict, file_index: int) -> str:
    files = view.get("files") or []
    if not 0 <= file_index < len(files):
        raise HTTPException(status_code=404, detail="unknown file")
    return files[file_index]["name"]


@router.get("/packets/{packet_id}/pages/{file_index}/{page}.png")
def page_image(request: Request, packet_id: str, file_index: int, page: int, finding: str = "", zoom: int = 1):
    view = _packet_or_404(request, packet_id)
    name = _file_name(view, file_index)
    chosen = [f for f in view["findings"] if not finding or f["id"] == finding]
    boxes = [e["bbox"] for f in chosen for e in f.get("evidence") or []
             if e.get("file") == name and e.get("page") == page and e.get("bbox")]
    try:
        png = request.app.state.pages.render(_run_of(request, view), name, page, boxes, zoom=2.0 if zoom > 1 else 1.0)
    except (LookupError, OSError):
        raise HTTPException(status_code=404, detail="no image for this page") from None
    return Response(png, media_type="image/png")


@router.get("/packets/{packet_id}/viewer/{file_index}/{page}")
def page_viewer(request: Request, packet_id: str, file_index: int, page: int):
    view = _packet_or_404(request, packet_id)
    name = _file_name(view, file_index)
    entry = view["files"][file_index]
    texts = [p for p in _text_pages(request, view) if p.get("file") == name and p.get("page") == page]
    on_page = [f for f in view["findings"] if any(e.get("file") == name and e.get("page") == page
                                                  for e in f.get("evidence") or [])]
    has_image = request.app.state.pages.has_pages(_run_of(request, view), name)
    return render(request, "viewer.html.j2", view=view, file_index=file_index, file=entry, page=page,
                  texts=texts, findings=on_page, has_image=has_image)


def _text_pages(request: Request, view: dict) -> list[dict]:
    run = _run_of(request, view)
    path = Path(run.output_dir) / "text.jsonl" if run and run.output_dir else None
    pages = []
    if path is not None and path.is_file():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    pages.append(json.loads(line))
                except ValueError:
                    continue
    return pages


@router.get("/packets/{packet_id}/text")
def text_search(request: Request, packet_id: str, q: str = ""):
    view = _packet_or_404(request, packet_id)
    every = _text_pages(request, view)
    pages = [p for p in every if not q or q in (p.get("text") or "")]
    index = {f["name"]: i for i, f in enumerate(view.get("files") or [])}
    return render(request, "text.html.j2", view=view, pages=pages, q=q, has_text=bool(every), file_index=index)
