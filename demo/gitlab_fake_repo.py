"""The state behind demo/gitlab_fake.py: one project's commits, branches and merge requests.

A commit holds the whole tree (path → text), its parents, message and author — enough for the
Commits API with actions, the Repository files and tree APIs, and merging a merge request.
Errors are raised as ApiError(status, body) with the bodies GitLab documents.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timezone


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(status, body)
        self.status, self.body = status, body


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def blob_id(text: str) -> str:
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    def __init__(self, project_id: int, path: str, branch: str, files: dict[str, str]):
        self.project = {"id": project_id, "path_with_namespace": path, "path": path.rsplit("/", 1)[-1],
                        "name": path.rsplit("/", 1)[-1], "default_branch": branch,
                        "web_url": f"https://gitlab.example/{path}"}
        self.commits: dict[str, dict] = {}
        self.branches: dict[str, str] = {}
        self.mrs: list[dict] = []
        self.counter = itertools.count(1)
        self.branches[branch] = self._commit([], dict(files), "Inhalt", "Redaktion", "redaktion@so-ist-s.de")

    # -- git -------------------------------------------------------------------------------
    def _commit(self, parents: list[str], tree: dict[str, str], message: str, name: str, email: str) -> str:
        number = next(self.counter)
        sha = hashlib.sha1(f"{number}|{parents}|{message}".encode()).hexdigest()
        self.commits[sha] = {"id": sha, "short_id": sha[:8], "title": message.split("\n")[0], "message": message,
                             "parent_ids": parents, "author_name": name, "author_email": email,
                             "committer_name": name, "committer_email": email, "created_at": now_iso(),
                             "authored_date": now_iso(), "committed_date": now_iso(), "tree": tree}
        return sha

    @staticmethod
    def public(commit: dict) -> dict:
        return {k: v for k, v in commit.items() if k != "tree"}

    def head(self, branch: str) -> dict:
        if branch not in self.branches:
            raise ApiError(404, {"message": "404 Branch Not Found"})
        return self.commits[self.branches[branch]]

    def resolve(self, ref: str) -> dict:
        if ref in self.branches:
            return self.commits[self.branches[ref]]
        if ref in self.commits:
            return self.commits[ref]
        raise ApiError(404, {"message": "404 Commit Not Found"})

    def ancestors(self, sha: str) -> list[str]:
        """sha and its ancestors, newest first (first parents before second ones)."""
        seen, order, queue = set(), [], [sha]
        while queue:
            current = queue.pop(0)
            if current not in seen:
                seen.add(current)
                order.append(current)
                queue.extend(self.commits[current]["parent_ids"])
        return order

    def last_commit_for(self, sha: str, path: str) -> str:
        """The newest commit in the history of sha that changed path (GitLab's last_commit_id)."""
        for current in self.ancestors(sha):
            commit = self.commits[current]
            parents = [self.commits[p]["tree"].get(path) for p in commit["parent_ids"]]
            if not parents or all(text != commit["tree"].get(path) for text in parents):
                return current
        return sha

    def file(self, path: str, ref: str) -> tuple[str, dict]:
        commit = self.resolve(ref)
        if path not in commit["tree"]:
            raise ApiError(404, {"message": "404 File Not Found"})
        return commit["tree"][path], commit

    def branch_json(self, name: str) -> dict:
        commit = self.head(name)
        return {"name": name, "merged": False, "protected": name == self.project["default_branch"],
                "default": name == self.project["default_branch"], "developers_can_push": True,
                "developers_can_merge": True, "can_push": True, "commit": self.public(commit),
                "web_url": f"{self.project['web_url']}/-/tree/{name}"}

    def create_commit(self, body: dict, text_of, user: str) -> dict:
        """POST /projects/:id/repository/commits (text_of decodes an action's content)."""
        branch, message, actions = body.get("branch"), body.get("commit_message"), body.get("actions")
        if not branch or not message or not isinstance(actions, list) or not actions:
            raise ApiError(400, {"error": "branch, commit_message, actions are missing"})
        start = body.get("start_branch")
        if start and branch in self.branches and not body.get("force"):
            raise ApiError(400, {"message": f"A branch called '{branch}' already exists. "
                                            "Switch to that branch in order to make changes"})
        base_branch = start or branch
        if base_branch not in self.branches:
            raise ApiError(400, {"message": f"You can only create or edit files when you are on a branch "
                                            f"({base_branch!r} not found)"})
        parent = self.branches[base_branch]
        tree = dict(self.commits[parent]["tree"])
        for action in actions:
            kind, path = action.get("action"), action.get("file_path", "")
            if kind == "create":
                if path in tree:
                    raise ApiError(400, {"message": "A file with this name already exists"})
                tree[path] = text_of(action)
            elif kind in ("update", "delete"):
                if path not in tree:
                    raise ApiError(400, {"message": "A file with this name doesn't exist"})
                last = action.get("last_commit_id")
                if last and last != self.last_commit_for(parent, path):
                    raise ApiError(400, {"message": "You are attempting to update a file that has changed "
                                                    "since you started editing it."})
                if kind == "update":
                    tree[path] = text_of(action)
                else:
                    del tree[path]
            else:
                raise ApiError(400, {"error": "actions[0][action] does not have a valid value"})
        sha = self._commit([parent], tree, message, body.get("author_name") or user,
                           body.get("author_email") or f"{user.lower()}@gitlab.example")
        self.branches[branch] = sha
        return self.public(self.commits[sha])

    def compare(self, start: str, end: str, straight: bool) -> dict:
        """GET …/repository/compare: from the merge base of from and to (straight=false, the
        default) or from `from` itself, to `to`; diffs per file."""
        head, other = self.resolve(end), self.resolve(start)
        if straight:
            base = other
        else:
            theirs = set(self.ancestors(other["id"]))
            base = self.commits[next(s for s in self.ancestors(head["id"]) if s in theirs)]
        diffs = []
        for path in sorted(set(base["tree"]) | set(head["tree"])):
            old, new = base["tree"].get(path), head["tree"].get(path)
            if old != new:
                diffs.append({"old_path": path, "new_path": path, "a_mode": "100644", "b_mode": "100644",
                              "new_file": old is None, "renamed_file": False, "deleted_file": new is None,
                              "diff": f"@@ -1 +1 @@\n-{old or ''}\n+{new or ''}"})
        commits = [self.public(self.commits[s]) for s in self.ancestors(head["id"])
                   if s not in set(self.ancestors(base["id"]))]
        return {"commit": self.public(head), "commits": commits, "diffs": diffs, "compare_timeout": False,
                "compare_same_ref": head["id"] == other["id"], "web_url": f"{self.project['web_url']}/-/compare"}

    # -- merge requests --------------------------------------------------------------------
    def mr(self, iid: int) -> dict:
        for mr in self.mrs:
            if mr["iid"] == iid:
                if mr["state"] == "opened" and mr["source_branch"] in self.branches:
                    mr["sha"] = self.branches[mr["source_branch"]]
                return mr
        raise ApiError(404, {"message": "404 Not found"})

    def create_mr(self, params: dict, author: str) -> dict:
        source, target, title = params.get("source_branch"), params.get("target_branch"), params.get("title")
        if not source or not target or not title:
            raise ApiError(400, {"error": "source_branch, target_branch, title are missing"})
        for name in (source, target):
            if name not in self.branches:
                raise ApiError(400, {"message": [f"Branch {name!r} does not exist"]})
        for mr in self.mrs:
            if mr["state"] == "opened" and mr["source_branch"] == source and mr["target_branch"] == target:
                raise ApiError(409, {"message": [f"Another open merge request already exists for this source "
                                                 f"branch: !{mr['iid']}"]})
        iid = len(self.mrs) + 1
        labels = [label.strip() for label in str(params.get("labels") or "").split(",") if label.strip()]
        mr = {"id": 1000 + iid, "iid": iid, "project_id": self.project["id"], "title": title,
              "description": params.get("description") or "", "state": "opened", "source_branch": source,
              "target_branch": target, "labels": labels, "sha": self.branches[source],
              "merge_commit_sha": None, "author": {"name": author, "username": author.lower()},
              "force_remove_source_branch": _true(params.get("remove_source_branch")),
              "squash": _true(params.get("squash")), "created_at": now_iso(), "updated_at": now_iso(),
              "merged_at": None, "closed_at": None, "web_url": f"{self.project['web_url']}/-/merge_requests/{iid}"}
        self.mrs.append(mr)
        return mr

    def list_mrs(self, query: dict) -> list[dict]:
        state = query.get("state", "all")
        labels = query.get("labels")
        found = []
        for mr in sorted(self.mrs, key=lambda m: -m["iid"]):  # newest first (created_at desc)
            if mr["state"] == "opened" and mr["source_branch"] in self.branches:
                mr["sha"] = self.branches[mr["source_branch"]]
            if state != "all" and mr["state"] != state:
                continue
            if any(query.get(k) and mr[k] != query[k] for k in ("source_branch", "target_branch")):
                continue
            if labels == "Any" and not mr["labels"] or labels == "None" and mr["labels"]:
                continue
            if labels not in (None, "", "Any", "None") and not set(labels.split(",")) <= set(mr["labels"]):
                continue
            found.append(mr)
        return found

    def update_mr(self, iid: int, params: dict) -> dict:
        mr = self.mr(iid)
        if "labels" in params:
            mr["labels"] = [label.strip() for label in str(params["labels"]).split(",") if label.strip()]
        if params.get("title"):
            mr["title"] = params["title"]
        event = params.get("state_event")
        if event == "close" and mr["state"] == "opened":
            mr["state"], mr["closed_at"] = "closed", now_iso()
        elif event == "reopen" and mr["state"] == "closed":
            mr["state"], mr["closed_at"] = "opened", None
        mr["updated_at"] = now_iso()
        return mr

    def merge_mr(self, iid: int, params: dict, author: str) -> dict:
        mr = self.mr(iid)
        if mr["state"] != "opened":
            raise ApiError(405, {"message": "405 Method Not Allowed"})
        source, target = self.head(mr["source_branch"]), self.head(mr["target_branch"])
        base_sha = next(s for s in self.ancestors(source["id"]) if s in set(self.ancestors(target["id"])))
        base, tree = self.commits[base_sha]["tree"], dict(target["tree"])
        for path in set(base) | set(source["tree"]):
            ours = source["tree"].get(path)
            if ours == base.get(path):
                continue
            if target["tree"].get(path) not in (base.get(path), ours):
                raise ApiError(406, {"message": "Branch cannot be merged"})
            if ours is None:
                tree.pop(path, None)
            else:
                tree[path] = ours
        sha = self._commit([target["id"], source["id"]], tree,
                           params.get("merge_commit_message") or f"Merge branch '{mr['source_branch']}'",
                           author, f"{author.lower()}@gitlab.example")
        self.branches[mr["target_branch"]] = sha
        if _true(params.get("should_remove_source_branch")) or mr["force_remove_source_branch"]:
            del self.branches[mr["source_branch"]]
        mr.update(state="merged", merge_commit_sha=sha, merged_at=now_iso(), updated_at=now_iso())
        return mr


def _true(value) -> bool:
    return value is True or str(value).lower() in ("true", "1")
