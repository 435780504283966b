"""The JSON interface of the workbench (contract: "The reviewer workbench")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from pipeline.app.web.security import check_csrf, current_user, start_session
from pipeline.app.workbench import BadDecision, NotFound, Workbench

router = APIRouter(prefix="/api")


def workbench(request: Request) -> Workbench:
    return request.app.state.workbench


def client_key(request: Request) -> str:
    return f"ip:{request.client.host if request.client else '?'}"


def login_user(request: Request, username: str, password: str) -> tuple[str, str] | None:
    """Check a login under the throttle; HTTP 429 once the limit of failures is reached."""
    throttle = request.app.state.throttle
    keys = (client_key(request), f"user:{username}")
    if throttle.blocked(*keys):
        raise HTTPException(status_code=429, detail="too many failed logins; try again later")
    found = workbench(request).reviews.authenticate(username, password)
    if found is None:
        throttle.failed(*keys)
    else:
        throttle.succeeded(f"user:{username}")
    return found


@router.post("/login")
def api_login(request: Request, body: dict[str, Any] = Body(...)):
    username, password = str(body.get("username") or ""), str(body.get("password") or "")
    found = login_user(request, username, password)
    if found is None:
        return JSONResponse({"detail": "wrong user name or password"}, status_code=401)
    token = start_session(request, *found)
    return {"user": found[0], "role": found[1], "csrf_token": token}


@router.post("/logout")
def api_logout(request: Request, x_csrf_token: str | None = Header(None)):
    check_csrf(request, x_csrf_token)
    request.session.clear()
    return {"ok": True}


@router.get("/packets")
def api_packets(request: Request):
    return workbench(request).packets()


@router.get("/packets/{packet_id}")
def api_packet(request: Request, packet_id: str):
    try:
        return workbench(request).packet(packet_id, with_changes=True)
    except NotFound:
        raise HTTPException(status_code=404, detail="unknown packet") from None


@router.post("/packets/{packet_id}/findings/{finding_id}/decision")
def api_decide(request: Request, packet_id: str, finding_id: str, body: dict[str, Any] = Body(...),
               x_csrf_token: str | None = Header(None)):
    check_csrf(request, x_csrf_token)
    user = current_user(request)["user"]
    try:
        view = workbench(request).decide(packet_id, finding_id, user, body)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=f"unknown packet or finding: {exc}") from None
    except BadDecision as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    finding = next(f for f in view["findings"] if f["id"] == finding_id)
    return {"effective_status": view["effective_status"], "decision": finding["decision"],
            "undecided": view["undecided"]}


@router.post("/packets/{packet_id}/rank")
def api_rank(request: Request, packet_id: str, body: dict[str, Any] = Body(...),
             x_csrf_token: str | None = Header(None)):
    """推荐排序 for the signed summary: {"rank": n} (1 first) or {"rank": null} to take it out."""
    check_csrf(request, x_csrf_token)
    try:
        workbench(request).set_rank(packet_id, body.get("rank"), current_user(request)["user"])
    except NotFound:
        raise HTTPException(status_code=404, detail="unknown packet") from None
    except BadDecision as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return {"packet_id": packet_id, "rank": workbench(request).reviews.ranks().get(packet_id)}
