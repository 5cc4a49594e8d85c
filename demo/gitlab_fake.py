"""A local fake of a self-hosted GitLab's REST API (v4), as far as Decap CMS's GitLab backend
and the calendar import use it — built from the documented API (docs.gitlab.com/api/…):

- Authentication: `PRIVATE-TOKEN: <token>` (or `Authorization: Bearer <token>`); none or an
  unknown one → 401 `{"message": "401 Unauthorized"}`; a token with only `read_api` writing →
  403 `{"error": "insufficient_scope", …}` (/api/rest/authentication).
- Projects: `GET /projects/:id`, :id the number or the URL-encoded path (`wrs%2Fso-ist-s`);
  unknown → 404 `{"message": "404 Project Not Found"}`.
- Branches (/api/branches): list, get (404 "404 Branch Not Found"), delete.
- Repository (/api/repositories, /api/repository_files): `tree` (path, ref, recursive), files
  `GET|HEAD …/files/:file_path?ref=` (JSON, base64, `last_commit_id`, `X-Gitlab-*` headers),
  `…/files/:file_path/raw?ref=`; 404 "404 File Not Found".
- Compare (/api/repositories#compare-branches-tags-or-commits): `from`, `to`, `straight`.
- Commits (/api/commits): list (`ref_name`), get, and `POST …/repository/commits` with
  `branch`, `start_branch`, `commit_message`, `actions` (create/update/delete, `encoding`
  text|base64, `last_commit_id`), author — errors 400 as GitLab words them.
- Merge requests (/api/merge_requests): list with `state`, `labels` (a list, `Any`, `None`),
  `source_branch`, `target_branch`; create (409 when an open MR for the source branch exists);
  get; `PUT` (labels, title, `state_event` close|reopen); `PUT …/merge`
  (`should_remove_source_branch`); parameters as query string, form or JSON.
- Pagination (/api/rest#pagination): `page`, `per_page` (default 20, at most 100);
  `X-Page`, `X-Per-Page`, `X-Total`, `X-Total-Pages`, `X-Next-Page`, `X-Prev-Page` and a
  `Link` header with next/prev/first/last.

`fake.requests` records (method, path, token) of every call, for tests.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from demo.fake_http import FakeHandler, serve, stop
from demo.gitlab_fake_repo import ApiError, Repo, blob_id

TOKEN = "glpat-fake-0123456789abcdef"
PROJECT = "wrs/so-ist-s"
WRITES = {"POST", "PUT", "DELETE"}


class GitLabFake:
    def __init__(self, files: dict[str, str], *, project: str = PROJECT, branch: str = "main"):
        self.repo = Repo(7, project, branch, files)
        self.tokens: dict[str, tuple[str, set[str]]] = {TOKEN: ("Kalenderimport", {"api"})}
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str]] = []
        self.server: ThreadingHTTPServer | None = None

    def add_token(self, token: str, user: str, scopes: set[str]) -> None:
        self.tokens[token] = (user, scopes)

    # -- HTTP ---------------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(FakeHandler):
            def do_PUT(self):
                self._dispatch("PUT")

            def do_HEAD(self):
                self._dispatch("HEAD")

            def _dispatch(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, data, content_type, headers = fake.handle(method, self.path, dict(self.headers), raw)
                if method == "HEAD":
                    self.send_response(status)
                    for name, value in {**headers, "Content-Type": content_type}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.reply(status, data, content_type, headers)

        self.server = serve(Handler)
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        stop(self.server)

    def handle(self, method: str, target: str, headers: dict, raw: bytes) -> tuple[int, bytes, str, dict]:
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in headers.items()}
        token = headers.get("private-token") or headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self.lock:
            self.requests.append((method, split.path, token))
            try:
                user, scopes = self._auth(token, method)
                params = {**query, **_body(headers.get("content-type", ""), raw)}
                status, data, content_type, extra = self._route(method, split.path, params, user)
                if "Link" in extra:  # GitLab's links are absolute
                    extra["Link"] = extra["Link"].replace("</api/", f"<http://{headers.get('host', '')}/api/")
                return status, data, content_type, extra
            except ApiError as error:
                return error.status, json.dumps(error.body).encode(), "application/json", {}

    def _auth(self, token: str, method: str) -> tuple[str, set[str]]:
        if token not in self.tokens:
            raise ApiError(401, {"message": "401 Unauthorized"})
        user, scopes = self.tokens[token]
        if method in WRITES and "api" not in scopes:
            raise ApiError(403, {"error": "insufficient_scope", "error_description": "The request requires "
                                 "higher privileges than provided by the access token.", "scope": "api"})
        return user, scopes

    def _route(self, method: str, path: str, params: dict, user: str) -> tuple[int, bytes, str, dict]:
        match = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", path)
        if not match:
            raise ApiError(404, {"error": "404 Not Found"})
        project_ref, rest = unquote(match[1]), match[2] or ""
        if project_ref not in (str(self.repo.project["id"]), self.repo.project["path_with_namespace"]):
            raise ApiError(404, {"message": "404 Project Not Found"})
        repo = self.repo
        if rest == "" and method == "GET":
            return _json(repo.project)
        if rest == "/repository/branches" and method == "GET":
            return _page([repo.branch_json(b) for b in sorted(repo.branches)], params, path)
        if m := re.fullmatch(r"/repository/branches/([^/]+)", rest):
            name = unquote(m[1])
            if method == "DELETE":
                repo.head(name)
                del repo.branches[name]
                return 204, b"", "application/json", {}
            return _json(repo.branch_json(name))
        if rest == "/repository/tree" and method == "GET":
            return _page(self._tree(params), params, path)
        if m := re.fullmatch(r"/repository/files/([^/]+)(/raw)?", rest):
            file_path = unquote(m[1])
            text, commit = repo.file(file_path, params.get("ref") or repo.project["default_branch"])
            if m[2]:
                return 200, text.encode("utf-8"), "text/plain; charset=utf-8", {}
            info = {"file_name": file_path.rsplit("/", 1)[-1], "file_path": file_path,
                    "size": len(text.encode()), "encoding": "base64", "ref": params.get("ref"),
                    "content": base64.b64encode(text.encode()).decode(), "blob_id": blob_id(text),
                    "commit_id": commit["id"], "last_commit_id": repo.last_commit_for(commit["id"], file_path)}
            extra = {"X-Gitlab-Blob-Id": info["blob_id"], "X-Gitlab-Last-Commit-Id": info["last_commit_id"],
                     "X-Gitlab-File-Path": file_path, "X-Gitlab-Size": str(info["size"])}
            return (*_json(info)[:3], extra)
        if rest == "/repository/commits":
            if method == "POST":
                return _json(repo.create_commit(params, _action_text, user), 201)
            ref = params.get("ref_name") or repo.project["default_branch"]
            return _page([repo.public(repo.commits[s]) for s in repo.ancestors(repo.resolve(ref)["id"])], params, path)
        if rest == "/repository/compare" and method == "GET":
            straight = str(params.get("straight")).lower() == "true"
            return _json(repo.compare(params.get("from", ""), params.get("to", ""), straight))
        if m := re.fullmatch(r"/repository/commits/([0-9a-f]+)", rest):
            return _json(repo.public(repo.resolve(m[1])))
        if rest == "/merge_requests":
            if method == "POST":
                return _json(repo.create_mr(params, user), 201)
            return _page(repo.list_mrs(params), params, path)
        if m := re.fullmatch(r"/merge_requests/(\d+)(/merge)?", rest):
            iid = int(m[1])
            if m[2] and method == "PUT":
                return _json(repo.merge_mr(iid, params, user))
            if method == "PUT":
                return _json(repo.update_mr(iid, params))
            return _json(repo.mr(iid))
        raise ApiError(404, {"error": "404 Not Found"})

    def _tree(self, params: dict) -> list[dict]:
        tree = self.repo.resolve(params.get("ref") or self.repo.project["default_branch"])["tree"]
        folder = (params.get("path") or "").strip("/")
        recursive = str(params.get("recursive")).lower() == "true"
        entries: dict[str, dict] = {}
        for path in sorted(tree):
            if folder and not path.startswith(folder + "/"):
                continue
            rest = path[len(folder) + 1:] if folder else path
            if "/" in rest and not recursive:
                name = rest.split("/", 1)[0]
                full = f"{folder}/{name}" if folder else name
                entries.setdefault(full, {"id": "", "name": name, "type": "tree", "path": full, "mode": "040000"})
            else:
                entries[path] = {"id": blob_id(tree[path]), "name": path.rsplit("/", 1)[-1], "type": "blob",
                                 "path": path, "mode": "100644"}
        return list(entries.values())


def _action_text(action: dict) -> str:
    content = action.get("content") or ""
    if action.get("encoding") == "base64":
        return base64.b64decode(content).decode("utf-8")
    return content


def _body(content_type: str, raw: bytes) -> dict:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ApiError(400, {"error": "the body must be a JSON object"})
        return data
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _json(data, status: int = 200) -> tuple[int, bytes, str, dict]:
    return status, json.dumps(data).encode("utf-8"), "application/json", {}


def _page(items: list, params: dict, path: str) -> tuple[int, bytes, str, dict]:
    try:
        page = max(1, int(params.get("page") or 1))
        per_page = min(100, max(1, int(params.get("per_page") or 20)))
    except ValueError:
        raise ApiError(400, {"error": "page, per_page are invalid"}) from None
    pages = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    keep = {k: v for k, v in params.items() if k not in ("page", "per_page") and isinstance(v, str)}

    def link(number: int) -> str:
        return f"<{path}?{urlencode({**keep, 'page': number, 'per_page': per_page})}>"

    rels = [(page + 1, "next")] if page < pages else []
    rels += [(page - 1, "prev")] if page > 1 else []
    rels += [(1, "first"), (pages, "last")]
    headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
               "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else "",
               "X-Prev-Page": str(page - 1) if page > 1 else "",
               "Link": ", ".join(f'{link(n)}; rel="{rel}"' for n, rel in rels)}
    return 200, json.dumps(chunk).encode("utf-8"), "application/json", headers
