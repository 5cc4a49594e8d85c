"""A small client for the GitLab REST API (v4) — the calls the calendar import needs.

Contract (docs.gitlab.com/api/rest, /api/merge_requests, /api/commits, /api/branches,
/api/repository_files, /api/repositories): a project is addressed by its URL-encoded path
(`/projects/wrs%2Fso-ist-s`); a project access token goes in the `PRIVATE-TOKEN` header;
lists are paginated (`per_page` at most 100, the next page in `X-Next-Page`, empty on the
last); errors are JSON `{"message": …}` or `{"error": …}` with 401 (no or bad token),
403 (token without the scope or role), 404 (no such project, branch, file or MR — also a
project the token may not see), 409 (an open MR for the source branch exists), 400/422
(refused parameters).

The token never appears in an exception message or a log line.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

TIMEOUT_S = 30
PER_PAGE = 100  # GitLab's maximum
MAX_PAGES = 200  # a runaway listing stops here (20 000 entries)
USER_AGENT = "SoIstS-Kalenderimport/1.0 (+https://so-ist-s.de)"


class CmsAccessError(RuntimeError):
    """The import cannot write to the web editor's GitLab: no token, a wrong or expired
    token, a token without the `api` scope, or a project it cannot see. Nothing is written."""

    def __init__(self, reason: str, english: str):
        super().__init__(english)
        self.reason = reason  # "missing" | "invalid" | "forbidden" | "project"


class GitLabError(RuntimeError):
    def __init__(self, status: int, method: str, path: str, message: str):
        super().__init__(f"GitLab {method} {path}: HTTP {status}: {message[:300]}")
        self.status, self.message = status, message


def encode(value: str) -> str:
    """A path segment as GitLab wants it: every '/' and '.' encoded too (e.g. file paths)."""
    return quote(value, safe="").replace(".", "%2E")


class GitLabClient:
    def __init__(self, api_root: str, project: str, token: str, *, session: requests.Session | None = None):
        if not token:
            raise CmsAccessError("missing", "no GitLab token: put the project access token into the secrets file "
                                            "as tokens.gitlab (scope api)")
        self.api_root = api_root.rstrip("/")
        self.project = project
        self.project_url = f"/projects/{quote(project, safe='')}"
        self._token = token
        self.http = session or requests.Session()

    def request(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None,
                ok_missing: bool = False) -> requests.Response | None:
        """One call; None for a 404 when ok_missing; CmsAccessError for 401/403; GitLabError else."""
        url = f"{self.api_root}{path}"
        try:
            answer = self.http.request(method, url, params=params, json=json, timeout=TIMEOUT_S, allow_redirects=False,
                                       headers={"PRIVATE-TOKEN": self._token, "User-Agent": USER_AGENT})
        except requests.RequestException as exc:
            raise GitLabError(0, method, path, type(exc).__name__) from None
        if answer.status_code == 404 and ok_missing:
            return None
        if answer.status_code == 401:
            raise CmsAccessError("invalid", f"GitLab refused the token (HTTP 401 at {method} {path}): "
                                            "it is wrong, revoked or expired")
        if answer.status_code == 403:
            raise CmsAccessError("forbidden", f"GitLab refused {method} {path} (HTTP 403): the token needs "
                                              "the scope api and at least the Developer role on the project")
        if answer.status_code >= 300:
            raise GitLabError(answer.status_code, method, path, _message(answer))
        return answer

    def json(self, method: str, path: str, **kwargs):
        answer = self.request(method, path, **kwargs)
        return None if answer is None else answer.json()

    def pages(self, path: str, params: dict | None = None) -> list:
        """Every entry of a paginated list, following X-Next-Page."""
        entries: list = []
        page = "1"
        for _ in range(MAX_PAGES):
            answer = self.request("GET", path, params={**(params or {}), "per_page": PER_PAGE, "page": page})
            entries.extend(answer.json())
            page = answer.headers.get("X-Next-Page", "")
            if not page:
                return entries
        raise GitLabError(0, "GET", path, f"more than {MAX_PAGES} pages")

    def check_project(self) -> dict:
        """The project, or CmsAccessError: the token works and can see it (before anything is written)."""
        project = self.json("GET", self.project_url, ok_missing=True)
        if project is None:  # GitLab answers 404 also for a project the token may not see
            raise CmsAccessError("project", f"GitLab project {self.project!r} not found or not visible to the token")
        return project


def _message(answer: requests.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        return answer.text[:300]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)
    return str(data)
