"""The workbench application: FastAPI, Jinja2 templates, the store behind it.

Every request needs a session except the login page, the login call and the
stylesheet: without one, `/api/...` answers 401 and any other page redirects to
the login page. Every answer carries a strict Content-Security-Policy (no script
at all); packet text is shown through Jinja2's autoescaping; no URL takes a path.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware

from pipeline.app.schema import local_text
from pipeline.app.web import api, pages
from pipeline.app.web.pageimages import PageImages
from pipeline.app.web.security import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    SESSION_SECONDS,
    LoginThrottle,
    current_user,
    secret_key,
)
from pipeline.app.workbench import Workbench
from pipeline.core.result import status_label
from pipeline.core.settings import Settings

HERE = Path(__file__).resolve().parent
PUBLIC_PATHS = {"/login", "/api/login", "/static/app.css"}

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
DECISION_LABELS = {"confirm": "已确认", "dismiss": "已驳回（误报）", "correct": "已更正数值"}


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["status_label"] = status_label
    env.filters["severity_label"] = lambda s: SEVERITY_LABELS.get(s, s)
    env.filters["decision_label"] = lambda d: DECISION_LABELS.get(d, d)
    env.filters["local_time"] = lambda value: local_text(_parse(value))
    return Jinja2Templates(env=env)


def _parse(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def create_app(workbench: Workbench, data_dir: Path, settings: Settings | None = None) -> FastAPI:
    pages_images = PageImages(settings or Settings(data_dir=data_dir))

    @asynccontextmanager
    async def lifespan(_app):
        yield
        pages_images.close()

    app = FastAPI(title="cluster-intake 审查工作台", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.workbench = workbench
    app.state.pages = pages_images
    app.state.throttle = LoginThrottle()
    app.state.templates = templates()

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if path not in PUBLIC_PATHS and current_user(request) is None:
            if path == "/api" or path.startswith("/api/"):
                response = JSONResponse({"detail": "not logged in"}, status_code=401)
            else:
                response = RedirectResponse("/login", status_code=303)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    # added last, so it runs first: the guard sees the decoded session
    app.add_middleware(SessionMiddleware, secret_key=secret_key(data_dir), session_cookie=SESSION_COOKIE,
                       max_age=SESSION_SECONDS, same_site="strict", https_only=False)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
