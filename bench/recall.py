"""Recall of dllint on real bugs: score every rule against the corpus of bench/bugs/manifest.toml.

    python bench/recall.py --fetch-plan                      # the repositories and commits needed
    python bench/recall.py --src /work/.mirror --part dev    # the development part (default)
    python bench/recall.py --src /work/.mirror --part heldout --json
    python bench/recall.py --write-split                     # rewrite bench/bugs/heldout.txt

The manifest lists real bug instances in public training code: each entry names a repository
(owner/name), a commit, a file and its lines, the rule that should report them and a kind:

- ``bug``: the rule should report one of the lines (a finding of the entry's rule at most
  ``tolerance`` lines from one of them counts; 1 by default, because a rule may anchor a finding on
  the first line of a statement or on the call inside it). ``lines`` lists each line where a rule
  could fairly anchor the bug: the accumulation; the eval switch and the training step it leaks
  into; the softmax and the loss it feeds;
- ``fixed``: the same code after the repository's own fix (``twin_of`` names the bug); a finding of
  the rule on its lines (same tolerance) is a false alarm;
- ``clean``: a file from a well-known project that has none of the rule's bug; every finding of the
  rule anywhere in the file is a false alarm.

``--src DIR`` is the folder where the repositories were fetched, one git directory each. For
``owner/name`` the first of these that holds the commit is used: ``DIR/owner+name/repo/.git``,
``DIR/owner+name/repo``, ``DIR/owner+name/.git``, ``DIR/owner+name``, ``DIR/owner/name/.git``,
``DIR/owner/name`` (the search tool's ``fetch`` lays mirrors out as the first two; a plain
``git clone`` into ``DIR/owner/name`` is the last two). Nothing is checked out: every ``.py`` file of
the repository at the entry's commit is written into a temporary tree that keeps the repository's
layout, with an empty ``.git`` at its root as a clone has (the project root's marker), so that a
multi-file project is linted as a directory, and dllint runs on each tree
(``python -m dllint --select ALL``: every rule, the ones off by default included, no cache, an empty
configuration). Only findings in the entries' files are scored.

The held-out third (``bench/bugs/heldout.txt``) is chosen by a seeded hash of each entry's group (a
bug and its fixed twin form one group), so adding entries never moves an earlier one. Its misses are
not printed unless ``--show-heldout-misses`` is given: it is scored once, at the end.

Exit status: 0 on success, 2 for a bad argument, manifest or missing repository (one line naming it).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "bugs" / "manifest.toml"
HELDOUT = HERE / "bugs" / "heldout.txt"
SPLIT_SEED = "dllint-recall-2026"
KINDS = ("bug", "fixed", "clean")
CAUSES = ("per-file view", "control flow", "missing fact", "idiom", "out of scope")
PARTS = ("dev", "heldout", "all")
MAX_BLOB = 2_000_000  # a .py file bigger than this is generated data, not code worth linting
_HEX40 = re.compile(r"[0-9a-f]{40}")
_RULE = re.compile(r"DL\d{3}")
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class RecallError(Exception):
    """A problem with the arguments, the manifest or the fetched repositories: one line, exit 2."""


@dataclass(frozen=True)
class Entry:
    id: str
    repo: str
    commit: str
    path: str
    lines: tuple[int, ...]
    rule: str
    kind: str
    evidence: str
    description: str
    twin_of: str = ""
    fix_commit: str = ""
    cause: str = ""

    @property
    def group(self) -> str:
        """A bug and its fixed twin share a group, so that they land in the same part."""
        return self.twin_of or self.id


# -- the manifest ------------------------------------------------------------------------------------

def _field(raw: dict, key: str, where: str, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise RecallError(f"{where}: {key} must be a string, not {value!r}")
    if required and not value.strip():
        raise RecallError(f"{where}: {key} is missing")
    return value.strip()


def parse_entry(raw: dict, index: int) -> Entry:
    where = f"entry {index + 1}"
    ident = _field(raw, "id", where)
    where = f"entry {ident!r}"
    if not _ID.fullmatch(ident):
        raise RecallError(f"{where}: an id is lower case letters, digits, '.', '_' or '-'")
    known = {"id", "repo", "commit", "path", "lines", "rule", "kind", "evidence", "description",
             "twin_of", "fix_commit", "cause"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RecallError(f"{where}: unknown key {unknown[0]!r}")
    repo = _field(raw, "repo", where)
    if not _REPO.fullmatch(repo):
        raise RecallError(f"{where}: repo must be owner/name, not {repo!r}")
    commit = _field(raw, "commit", where)
    if not _HEX40.fullmatch(commit):
        raise RecallError(f"{where}: commit must be 40 lower-case hex digits, not {commit!r}")
    fix_commit = _field(raw, "fix_commit", where, required=False)
    if fix_commit and not _HEX40.fullmatch(fix_commit):
        raise RecallError(f"{where}: fix_commit must be 40 lower-case hex digits, not {fix_commit!r}")
    path = _field(raw, "path", where)
    if path.startswith("/") or ".." in Path(path).parts or not path.endswith(".py"):
        raise RecallError(f"{where}: path must be a relative .py path inside the repository, not {path!r}")
    rule = _field(raw, "rule", where)
    if not _RULE.fullmatch(rule):
        raise RecallError(f"{where}: rule must be a code such as DL101, not {rule!r}")
    kind = _field(raw, "kind", where)
    if kind not in KINDS:
        raise RecallError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    lines = raw.get("lines", [])
    if not isinstance(lines, list) or not all(isinstance(n, int) and n > 0 for n in lines):
        raise RecallError(f"{where}: lines must be a list of positive line numbers, not {lines!r}")
    if kind != "clean" and not lines:
        raise RecallError(f"{where}: a {kind} entry needs its lines")
    twin_of = _field(raw, "twin_of", where, required=(kind == "fixed"))
    if twin_of and kind != "fixed":
        raise RecallError(f"{where}: only a fixed entry has twin_of")
    cause = _field(raw, "cause", where, required=False)
    if cause and cause not in CAUSES:
        raise RecallError(f"{where}: cause must be one of {', '.join(CAUSES)}, not {cause!r}")
    if cause and kind != "bug":
        raise RecallError(f"{where}: only a bug has a cause")
    return Entry(
        id=ident, repo=repo, commit=commit, path=path, lines=tuple(sorted(set(lines))), rule=rule,
        kind=kind, evidence=_field(raw, "evidence", where), description=_field(raw, "description", where),
        twin_of=twin_of, fix_commit=fix_commit, cause=cause,
    )


def parse_manifest(text: str) -> list[Entry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecallError(f"the manifest is not valid TOML: {exc}") from None
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        raise RecallError("the manifest's entries are [[entry]] tables")
    entries = [parse_entry(raw, i) for i, raw in enumerate(raw_entries)]
    by_id: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in by_id:
            raise RecallError(f"entry {entry.id!r} appears twice")
        by_id[entry.id] = entry
    for entry in entries:
        if entry.kind != "fixed":
            continue
        bug = by_id.get(entry.twin_of)
        if bug is None or bug.kind != "bug":
            raise RecallError(f"entry {entry.id!r}: twin_of {entry.twin_of!r} is not a bug of the manifest")
        if bug.rule != entry.rule or bug.repo != entry.repo:
            raise RecallError(f"entry {entry.id!r}: a fixed twin has its bug's rule and repository")
    return entries


def load_manifest(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecallError(f"cannot read the manifest {path}: {exc.strerror}") from None
    return parse_manifest(text)


# -- the split ---------------------------------------------------------------------------------------

def is_heldout(group: str, seed: str = SPLIT_SEED) -> bool:
    """A third of the groups, chosen by a seeded hash: an entry's part never depends on the others."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 3 == 0


def heldout_ids(entries: list[Entry], seed: str = SPLIT_SEED) -> list[str]:
    return sorted(e.id for e in entries if is_heldout(e.group, seed))


def split_text(entries: list[Entry], seed: str = SPLIT_SEED) -> str:
    ids = heldout_ids(entries, seed)
    head = (f"# The held-out part: {len(ids)} of {len(entries)} entries, chosen by "
            f"sha256('{seed}:' + group) % 3 == 0\n# (bench/recall.py --write-split). Do not read "
            "its misses while fixing; it is scored once, at the end.\n")
    return head + "".join(f"{i}\n" for i in ids)


def read_heldout(path: Path) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecallError(f"cannot read the held-out list {path}: {exc.strerror}") from None
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def choose_part(entries: list[Entry], part: str, heldout: set[str]) -> list[Entry]:
    if part == "all":
        return list(entries)
    want = part == "heldout"
    return [e for e in entries if (e.id in heldout) == want]


# -- fetched repositories ----------------------------------------------------------------------------

def _git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], input=data, capture_output=True, check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RecallError(f"git {' '.join(args[:2])} failed in {git_dir}: {last}")
    return result.stdout


def candidate_git_dirs(src: Path, repo: str) -> list[Path]:
    owner, name = repo.split("/", 1)
    flat = src / f"{owner}+{name}"
    nested = src / owner / name
    return [flat / "repo" / ".git", flat / "repo", flat / ".git", flat, nested / ".git", nested]


def has_commit(git_dir: Path, commit: str) -> bool:
    if not git_dir.is_dir():
        return False
    result = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True, check=False,
    )
    return result.returncode == 0


def find_git_dir(src: Path, repo: str, commit: str) -> Path:
    for candidate in candidate_git_dirs(src, repo):
        if has_commit(candidate, commit):
            return candidate
    raise RecallError(f"no git directory under {src} holds {repo} at {commit[:12]} "
                      f"(see --fetch-plan for the layout)")


def extract_tree(git_dir: Path, commit: str, into: Path) -> int:
    """Write every .py file of the repository at ``commit`` under ``into``; return how many."""
    listing = _git(git_dir, "ls-tree", "-r", "-l", "-z", commit)
    wanted: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha, size = meta.split()
        path = raw_path.decode("utf-8", errors="surrogateescape")
        if kind != b"blob" or mode == b"120000" or not path.endswith(".py"):
            continue
        if size.isdigit() and int(size) > MAX_BLOB:
            continue
        if path.startswith("/") or ".." in Path(path).parts:
            continue
        wanted.append((sha.decode(), path))
    if not wanted:
        return 0
    batch = _git(git_dir, "cat-file", "--batch", data="".join(f"{sha}\n" for sha, _ in wanted).encode())
    offset = 0
    for sha, path in wanted:
        header_end = batch.index(b"\n", offset)
        _, _, size = batch[offset:header_end].split()
        start = header_end + 1
        end = start + int(size)
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(batch[start:end])
        offset = end + 1  # cat-file ends each object with a newline
    return len(wanted)


def fetch_plan(entries: list[Entry]) -> list[tuple[str, list[str]]]:
    """Each repository with the commits its entries need, sorted."""
    commits: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        commits[entry.repo].add(entry.commit)
    return [(repo, sorted(commits[repo])) for repo in sorted(commits)]


# -- linting -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    code: str
    message: str


def run_dllint(root: Path, explicit: list[str], jobs: int, config: Path) -> list[Finding]:
    """dllint over the tree ``root`` (every rule); ``explicit`` files are named too, in case a default
    exclude (``build/``, ``env/``) hides a directory that holds an entry."""
    command = [sys.executable, "-m", "dllint", "--select", "ALL", "--no-cache", "--format", "json",
               "--exit-zero", "--quiet", "--jobs", str(jobs), "--config", str(config), str(root)]
    command += [str(root / p) for p in explicit]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise RecallError(f"dllint failed on {root.name}: {last}")
    seen: set[Finding] = set()
    for item in json.loads(result.stdout or "[]"):
        path = Path(item["path"])
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        seen.add(Finding(relative, int(item["line"]), item["code"], item["message"]))
    return sorted(seen, key=lambda f: (f.path, f.line, f.code, f.message))


@dataclass
class LintResults:
    findings: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)  # (repo, commit)
    lines: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (repo, commit, path)


def lint_entries(entries: list[Entry], src: Path, jobs: int = 1) -> LintResults:
    """Findings per (repo, commit), over a temporary tree of each needed commit."""
    results = LintResults()
    with tempfile.TemporaryDirectory(prefix="dllint-recall-") as tmp:
        config = Path(tmp) / "dllint.toml"
        config.write_text("", encoding="utf-8")
        for repo, commits in fetch_plan(entries):
            for commit in commits:
                git_dir = find_git_dir(src, repo, commit)
                root = Path(tmp) / f"{repo.replace('/', '+')}@{commit[:12]}"
                root.mkdir()
                extract_tree(git_dir, commit, root)
                # laid out as a clone is: its root holds ``.git``, the marker by which each file
                # finds its project root (and so the other modules that call its functions)
                (root / ".git").mkdir()
                needed = sorted({e.path for e in entries if e.repo == repo and e.commit == commit})
                missing = [p for p in needed if not (root / p).is_file()]
                if missing:
                    raise RecallError(f"{repo} at {commit[:12]} has no file {missing[0]}")
                results.findings[(repo, commit)] = run_dllint(root, needed, jobs, config)
                for path in needed:
                    results.lines[(repo, commit, path)] = len((root / path).read_bytes().splitlines())
    return results


# -- scoring -----------------------------------------------------------------------------------------

@dataclass
class RuleScore:
    bugs: int = 0
    found: int = 0
    negatives: int = 0
    false_alarms: int = 0
    negative_lines: int = 0
    misses: list[dict] = field(default_factory=list)
    alarms: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.bugs if self.bugs else None

    @property
    def alarms_per_kloc(self) -> float | None:
        return 1000.0 * self.false_alarms / self.negative_lines if self.negative_lines else None

    def as_dict(self, show_misses: bool) -> dict:
        return {
            "bugs": self.bugs, "found": self.found, "recall": self.recall,
            "negatives": self.negatives, "false_alarms": self.false_alarms,
            "negative_lines": self.negative_lines, "false_alarms_per_kloc": self.alarms_per_kloc,
            "misses": self.misses if show_misses else None, "false_alarm_list": self.alarms,
        }


def score(entries: list[Entry], results: LintResults, tolerance: int = 1) -> dict[str, RuleScore]:
    scores: dict[str, RuleScore] = defaultdict(RuleScore)
    for entry in sorted(entries, key=lambda e: e.id):
        findings = [f for f in results.findings[(entry.repo, entry.commit)]
                    if f.path == entry.path and f.code == entry.rule]
        rule = scores[entry.rule]
        if entry.kind == "clean":
            hits = findings
        else:
            hits = [f for f in findings if any(abs(f.line - n) <= tolerance for n in entry.lines)]
        if entry.kind == "bug":
            rule.bugs += 1
            if hits:
                rule.found += 1
            else:
                # where the rule did fire in the file, if anywhere: tells a mis-anchored finding
                # from a real miss
                rule.misses.append({"id": entry.id, "repo": entry.repo, "path": entry.path,
                                    "lines": list(entry.lines), "cause": entry.cause or None,
                                    "description": entry.description,
                                    "rule_fired_at": sorted({f.line for f in findings})})
            continue
        rule.negatives += 1
        rule.negative_lines += results.lines[(entry.repo, entry.commit, entry.path)]
        rule.false_alarms += len(hits)
        rule.alarms += [{"id": entry.id, "kind": entry.kind, "path": entry.path, "line": f.line,
                         "message": f.message} for f in hits]
    return dict(sorted(scores.items()))


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render_text(scores: dict[str, RuleScore], part: str, show_misses: bool) -> str:
    out = [f"part: {part}", "",
           "| rule | bugs | found | recall | negatives | false alarms | per 1k lines |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    total = RuleScore()
    for code, s in scores.items():
        out.append(f"| {code} | {s.bugs} | {s.found} | {_fmt(s.recall)} | {s.negatives} | "
                   f"{s.false_alarms} | {_fmt(s.alarms_per_kloc)} |")
        total.bugs += s.bugs
        total.found += s.found
        total.negatives += s.negatives
        total.false_alarms += s.false_alarms
        total.negative_lines += s.negative_lines
    out.append(f"| all | {total.bugs} | {total.found} | {_fmt(total.recall)} | {total.negatives} | "
               f"{total.false_alarms} | {_fmt(total.alarms_per_kloc)} |")
    if show_misses:
        out += ["", "misses:"]
        for code, s in scores.items():
            for miss in s.misses:
                elsewhere = (f" (the rule fired at line {', '.join(map(str, miss['rule_fired_at']))})"
                             if miss["rule_fired_at"] else "")
                out.append(f"  {code} {miss['id']} {miss['repo']}:{miss['path']}:{miss['lines'][0]} "
                           f"[{miss['cause'] or 'cause not labelled'}] {miss['description']}{elsewhere}")
    else:
        out += ["", "misses: not shown for the held-out part (--show-heldout-misses)"]
    alarms = [(code, a) for code, s in scores.items() for a in s.alarms]
    if alarms:
        out += ["", "false alarms:"]
        out += [f"  {code} {a['id']} ({a['kind']}) {a['path']}:{a['line']} {a['message']}" for code, a in alarms]
    return "\n".join(out) + "\n"


# -- command line ------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/recall.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--src", type=Path, help="folder holding the fetched git repositories")
    parser.add_argument("--part", choices=PARTS, default="dev", help="which part to score (default: dev)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="the held-out list")
    parser.add_argument("--tolerance", type=int, default=1, help="lines either side (default: 1)")
    parser.add_argument("--rule", action="append", metavar="CODE", help="score only these rules")
    parser.add_argument("--jobs", type=int, default=1, help="dllint processes per tree (default: 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--fetch-plan", action="store_true",
                        help="print the repositories and commits needed, and exit")
    parser.add_argument("--write-split", action="store_true",
                        help="write the held-out list from the manifest, and exit")
    parser.add_argument("--counts", action="store_true",
                        help="print the entries per rule, kind and part, and exit")
    parser.add_argument("--show-heldout-misses", action="store_true",
                        help="list the held-out part's misses too (only for the final scoring)")
    return parser


def counts_text(entries: list[Entry], heldout: set[str]) -> str:
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        part = "heldout" if e.id in heldout else "dev"
        table[e.rule][e.kind] += 1
        table[e.rule][f"{e.kind}/{part}"] += 1
    out = ["| rule | bug (dev/held-out) | fixed (dev/held-out) | clean (dev/held-out) |",
           "| --- | --- | --- | --- |"]
    for code in sorted(table):
        row = table[code]
        cells = [f"{row[k]} ({row[k + '/dev']}/{row[k + '/heldout']})" for k in KINDS]
        out.append(f"| {code} | " + " | ".join(cells) + " |")
    out.append(f"entries: {len(entries)}, held out: {len([e for e in entries if e.id in heldout])}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.tolerance < 0:
            raise RecallError(f"--tolerance must be 0 or more, not {args.tolerance}")
        if args.jobs < 1:
            raise RecallError(f"--jobs must be 1 or more, not {args.jobs}")
        entries = load_manifest(args.manifest)
        if args.write_split:
            args.heldout.write_text(split_text(entries), encoding="utf-8")
            print(f"wrote {args.heldout}: {len(heldout_ids(entries))} of {len(entries)} entries held out")
            return 0
        if args.fetch_plan:
            print("# owner/name  commit ...   (fetch each into SRC/owner+name/ or SRC/owner/name/)")
            for repo, commits in fetch_plan(entries):
                print(repo, *commits)
            return 0
        heldout = read_heldout(args.heldout)
        stale = sorted(set(heldout_ids(entries)) ^ (heldout & {e.id for e in entries}))
        if stale:
            raise RecallError(f"{args.heldout} is out of date ({stale[0]}): run --write-split")
        if args.counts:
            sys.stdout.write(counts_text(entries, heldout))
            return 0
        if args.src is None:
            raise RecallError("--src DIR is needed to score (see --fetch-plan)")
        if not args.src.is_dir():
            raise RecallError(f"--src {args.src} is not a directory")
        chosen = choose_part(entries, args.part, heldout)
        if args.rule:
            bad = [c for c in args.rule if not _RULE.fullmatch(c)]
            if bad:
                raise RecallError(f"--rule {bad[0]!r} is not a rule code")
            chosen = [e for e in chosen if e.rule in set(args.rule)]
        results = lint_entries(chosen, args.src, args.jobs)
        scores = score(chosen, results, args.tolerance)
    except RecallError as exc:
        sys.stderr.write(f"recall: error: {exc}\n")
        return 2
    show = args.part == "dev" or args.show_heldout_misses
    if args.json:
        payload = {"part": args.part, "tolerance": args.tolerance, "entries": len(chosen),
                   "rules": {code: s.as_dict(show) for code, s in scores.items()}}
        print(json.dumps(payload, indent=2, sort_keys=True))
    else:
        sys.stdout.write(render_text(scores, args.part, show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
