"""Drafts where the web editor shows them: Decap CMS's editorial workflow in Git.

decap-server (plugins/cms/node_modules/decap-server, local Git mode) keeps an unpublished
entry as a local branch `cms/<collection>/<slug>` made from the default branch, whose diff to
the default branch is the entry's file, and its workflow column in the Git config key
`branch.cms/<collection>/<slug>.description` = `<cms_label_prefix>draft` (the
workflow board's column „Entwurf“; `pending_review` „In Prüfung“ and `pending_publish`
„Abgeschlossen“ are the other two). „Veröffentlichen“ merges the
branch into the default branch and deletes it — only then does the event reach the site.

The import writes the same thing with Git plumbing (a temporary index, `commit-tree`,
`update-ref`), so the editors' working tree and checked-out branch are never touched.

This is one of two draft backends with the same methods (`DraftBackend`); the other,
gitlabdrafts.GitLabDrafts, writes the merge requests Decap's GitLab backend reads in
production. job.draft_repo picks one by SOISTS_CMS_BACKEND.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

COLLECTION = "termine"  # plugins/cms/types.py: event()
AUTHOR = {"GIT_AUTHOR_NAME": "Kalenderimport", "GIT_AUTHOR_EMAIL": "kalenderimport@so-ist-s.de",
          "GIT_COMMITTER_NAME": "Kalenderimport", "GIT_COMMITTER_EMAIL": "kalenderimport@so-ist-s.de"}
OPEN_FATE, ACCEPTED_FATE, DISCARDED_FATE = "open", "accepted", "discarded"


class DraftConflict(RuntimeError):
    """An editor saved the draft between the import's read and its write: the editor's text stays."""


class DraftBackend(Protocol):
    """What the import needs from where the web editor keeps drafts."""

    branch: str

    @staticmethod
    def draft_branch(slug: str) -> str: ...
    def check(self) -> None: ...
    def read(self, ref: str, path: str) -> str | None: ...
    def published(self, path: str) -> str | None: ...
    def files(self, folder: str) -> list[str]: ...
    def fate(self, slug: str, path: str) -> str: ...
    def write_draft(self, slug: str, path: str, text: str, message: str) -> str: ...


def label_prefix() -> str:
    from plugins.cms.config import default_backend

    return default_backend().get("cms_label_prefix") or "decap-cms/"


@dataclass(frozen=True)
class DraftRepo:
    root: Path  # the Git repository decap-server serves (its GIT_REPO_DIRECTORY)
    branch: str = "main"  # the default branch (SOISTS_CMS_BRANCH)

    def git(self, *args: str, stdin: bytes | None = None, env: dict | None = None, check: bool = True) -> str:
        result = subprocess.run(["git", "-C", str(self.root), *args], input=stdin, capture_output=True,
                                env={**os.environ, **AUTHOR, **(env or {})}, timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError(f"git {' '.join(args[:2])}: {result.stderr.decode(errors='replace').strip()[:300]}")
        return result.stdout.decode("utf-8", errors="replace") if result.returncode == 0 else ""

    @staticmethod
    def draft_branch(slug: str) -> str:
        return f"cms/{COLLECTION}/{slug}"

    def head(self, branch: str) -> str | None:
        return self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False).strip() or None

    def read(self, ref: str, path: str) -> str | None:
        """The file at a branch (or None when the branch or the file is missing)."""
        if self.head(ref) is None:
            return None
        result = subprocess.run(["git", "-C", str(self.root), "show", f"refs/heads/{ref}:{path}"],
                                capture_output=True, timeout=60)
        return result.stdout.decode("utf-8") if result.returncode == 0 else None

    def has_draft(self, slug: str) -> bool:
        return self.head(self.draft_branch(slug)) is not None

    def check(self) -> None:
        """Nothing to check ahead: a local repository needs no credentials."""

    def fate(self, slug: str, path: str) -> str:
        """decap-server deletes the branch on „Veröffentlichen“ (after merging) and „Löschen“."""
        if self.has_draft(slug):
            return OPEN_FATE
        return ACCEPTED_FATE if self.published(path) is not None else DISCARDED_FATE

    def published(self, path: str) -> str | None:
        """The file on the default branch: there only once an editor published it."""
        return self.read(self.branch, path)

    def files(self, folder: str) -> list[str]:
        """Paths of the files in a folder on the default branch."""
        listing = self.git("ls-tree", "-r", "--name-only", f"refs/heads/{self.branch}", "--", folder, check=False)
        return [line for line in listing.splitlines() if line.endswith(".md")]

    def write_draft(self, slug: str, path: str, text: str, message: str) -> str:
        """Create the draft branch (from the default branch) or add a commit to it; returns the commit."""
        branch = self.draft_branch(slug)
        parent = self.head(branch)
        created = parent is None
        if created:
            parent = self.head(self.branch)
            if parent is None:
                raise RuntimeError(f"default branch {self.branch!r} not found in {self.root}")
        blob = self.git("hash-object", "-w", "--stdin", stdin=text.encode("utf-8")).strip()
        with tempfile.TemporaryDirectory() as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.git("read-tree", parent, env=index)
            self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
            tree = self.git("write-tree", env=index).strip()
        commit = self.git("commit-tree", tree, "-p", parent, "-m", message).strip()
        # the old value makes the update atomic: an editor's save in between is never overwritten
        try:
            self.git("update-ref", f"refs/heads/{branch}", commit, "" if created else parent)
        except RuntimeError:
            if not created and self.head(branch) != parent:
                raise DraftConflict(f"{branch} changed while the import wrote it") from None
            raise
        if created:
            self.git("config", f"branch.{branch}.description", f"{label_prefix()}draft")
        return commit
