"""An in-process client for the review board's WSGI app: cookies, CSRF token, status, body."""

from __future__ import annotations

import io
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PASSWORD = "Weinberg-Esslingen-2026"  # every test account's password


def sign_in_page(page, base: str, name: str) -> None:
    """Sign in through the board's login form in a browser page (Playwright)."""
    page.goto(base + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert page.url == base + "/", page.url


class Client:
    def __init__(self, app, remote: str = "127.0.0.1", headers: dict[str, str] | None = None):
        self.app, self.remote, self.cookies, self.headers = app, remote, {}, dict(headers or {})
        self.token = ""

    def request(self, method: str, path: str, fields: dict | None = None, headers: dict | None = None):
        path, _, query = path.partition("?")
        body = urlencode(fields or {}).encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "127.0.0.1:1",
                   "REMOTE_ADDR": self.remote, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                   "wsgi.url_scheme": "http"}
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in {**self.headers, **(headers or {})}.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        seen: dict = {}
        chunks = self.app(environ, lambda status, hdrs: seen.update(status=int(status[:3]), headers=hdrs))
        text = b"".join(chunks).decode()
        for name, value in seen["headers"]:
            if name == "Set-Cookie":
                jar = SimpleCookie(value)
                for key, morsel in jar.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return Answer(seen["status"], seen["headers"], text)

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict, headers: dict | None = None, csrf: bool = True):
        return self.request("POST", path, ({"csrf": self.token} if csrf else {}) | fields, headers)

    def sign_in(self, name: str, password: str, otp: str = ""):
        self.get("/login")
        return self.post("/login", {"name": name, "password": password} | ({"otp": otp} if otp else {}))


class Answer:
    def __init__(self, status: int, headers: list, text: str):
        self.status, self.headers, self.text = status, headers, text

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def cookies(self) -> list[str]:
        return [v for k, v in self.headers if k == "Set-Cookie"]
