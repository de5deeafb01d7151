"""The result cache: a file whose content and settings did not change is not parsed again.

Like ruff's: ``.dllint_cache/`` beside the configuration file (the current directory when there is
none), marked with ``CACHEDIR.TAG`` (so that backup tools skip it) and a ``.gitignore`` of ``*``.
One small JSON file per entry, named by the key: the sha256 of the file's bytes, its path relative
to the project root (a rule may look at the path), the settings that apply to it (enabled codes
after per-file ignores, their rule options, whether it is a notebook), the dllint version and the
fingerprint of the installed rules (their names and a hash of every file of their packages). Entries are written atomically; an entry that cannot be read
or decoded is a miss, and a cache directory that cannot be written turns the cache off: the cache
may make a run faster, never make it fail. Entries older than 30 days are pruned, once a day.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from dllint import __version__
from dllint.diagnostics import Diagnostic

CACHE_DIR_NAME = ".dllint_cache"
PRUNE_AFTER_DAYS = 30
FORMAT = "v1"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by dllint.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n"
)


def settings_digest(codes: frozenset[str] | tuple[str, ...], rule_options: dict[str, dict[str, Any]],
                    notebook: bool, fingerprint: str) -> str:
    """The part of the key shared by every file linted with the same settings."""
    payload = {
        "version": __version__,
        "format": FORMAT,
        "rules": fingerprint,
        "codes": sorted(codes),
        "options": {c: rule_options[c] for c in sorted(rule_options) if c in codes},
        "notebook": notebook,
    }
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def entry_key(data: bytes, relative_path: str, settings: str) -> str:
    digest = hashlib.sha256()
    digest.update(settings.encode())
    digest.update(b"\0")
    digest.update(relative_path.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def file_digest(path: str) -> str:
    """The sha256 of a file's bytes; "" when it cannot be read (so that its coming back is a
    change)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root / CACHE_DIR_NAME
        self.entries = self.root / f"{__version__}-{FORMAT}"
        self.enabled = True
        self._prepared = False
        self._digests: dict[str, str] = {}  # per run: each dependency is hashed once

    def _prepare(self) -> bool:
        if self._prepared:
            return self.enabled
        self._prepared = True
        try:
            self.entries.mkdir(parents=True, exist_ok=True)
            tag = self.root / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(CACHEDIR_TAG)
            ignore = self.root / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Automatically created by dllint.\n*\n")
            # Entries of other dllint versions can never hit again.
            for other in self.root.iterdir():
                if other.is_dir() and other != self.entries:
                    shutil.rmtree(other, ignore_errors=True)
            self._prune()
        except OSError:
            self.enabled = False
        return self.enabled

    def _prune(self) -> None:
        """At most once a day, drop entries written more than PRUNE_AFTER_DAYS ago: old contents of
        edited files would otherwise pile up. A live entry dropped so is simply recomputed once."""
        stamp = self.entries / ".last-prune"
        now = time.time()
        try:
            if now - stamp.stat().st_mtime < 86400:
                return
        except OSError:
            pass
        stamp.touch()
        horizon = now - PRUNE_AFTER_DAYS * 86400
        for entry in self.entries.glob("??/*.json"):
            try:
                if entry.stat().st_mtime < horizon:
                    entry.unlink()
            except OSError:
                continue

    def _entry_path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key[2:]}.json"

    def get(self, key: str, display_path: str) -> list[Diagnostic] | None:
        """The cached findings for ``key``, with ``display_path`` as their path; None on a miss,
        also when a project module whose summary the findings used has changed since."""
        try:
            with open(self._entry_path(key), "rb") as handle:
                data = json.loads(handle.read())
            if not isinstance(data, dict) or data.get("key") != key:
                return None
            for path, digest in data.get("depends", ()):
                if self._file_digest(path) != digest:
                    return None
            return [Diagnostic.from_dict({**item, "path": display_path}) for item in data["findings"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _file_digest(self, path: str) -> str:
        found = self._digests.get(path)
        if found is None:
            found = self._digests[path] = file_digest(path)
        return found

    def put(self, key: str, diagnostics: list[Diagnostic],
            depends: list[tuple[str, str]] | tuple = ()) -> None:
        if not self.enabled or not self._prepare():
            return
        findings = []
        for diagnostic in diagnostics:
            item = diagnostic.to_dict()
            item["statement_line"] = diagnostic.statement_line
            del item["path"]
            findings.append(item)
        path = self._entry_path(key)
        try:
            path.parent.mkdir(exist_ok=True)
            write_json(path, {"key": key, "findings": findings, "depends": [list(d) for d in depends]},
                       separators=(",", ":"))
        except OSError:
            pass


def write_json(path: Path, data: Any, **dump: Any) -> None:
    """Write ``data`` as JSON to ``path`` so that a reader (another process of a parallel run)
    sees the old file or the whole new one, never a part; an OSError is the caller's."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, **dump)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
