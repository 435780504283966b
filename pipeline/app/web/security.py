"""Sessions, CSRF tokens, login throttling and the response headers of the workbench.

The session is Starlette's signed cookie (itsdangerous): HttpOnly, SameSite=Strict,
8 hours from login. It holds the user, the role, the login time and the CSRF token
given at login; every state-changing request must send that token back (the
`X-CSRF-Token` header, or a `csrf_token` form field from the pages).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from fastapi import HTTPException, Request

SESSION_COOKIE = "ci_session"
SESSION_SECONDS = 8 * 3600
CSRF_HEADER = "X-CSRF-Token"

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; script-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def secret_key(data_dir: Path) -> str:
    """The cookie-signing key, kept under the data folder (0600) so a restart keeps sessions."""
    path = data_dir / "web_secret"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


class LoginThrottle:
    """At most `limit` failed logins per client address and per user name within `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


def start_session(request: Request, user: str, role: str) -> str:
    token = secrets.token_urlsafe(32)
    request.session.clear()
    request.session.update(user=user, role=role, csrf=token, login_at=time.time())
    return token


def current_user(request: Request) -> dict | None:
    """The session's user, or None when there is none or it is older than 8 hours."""
    session = request.session
    user, login_at = session.get("user"), session.get("login_at")
    if not user or not isinstance(login_at, (int, float)) or time.time() - login_at > SESSION_SECONDS:
        return None
    return {"user": user, "role": session.get("role"), "csrf": session.get("csrf")}


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(str(expected), str(sent)):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


def anonymous_csrf(request: Request) -> str:
    """A token for the login form itself (before there is a user)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token
