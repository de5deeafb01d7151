"""layout.py PAGE AUDITDIR [--mirror DIR] [--check]: lay out an audit's trees at AUDITDIR/src/<owner>+<name>/.

  python3 bench/audits/layout.py docs/audit-2026-12g.md /tmp/audit/audit7

Reads the page's corpus table and full commits (pages.corpus), extracts each repository's commit
from DIR/<owner>+<name>/repo (a git dir, or repo/.git; DIR defaults to /work/.mirror, where the
search tool's fetch puts snapshots) with extract.py, writes AUDITDIR/dllint.toml (select = ["DL"]),
writes an empty ``.git`` directory into each repository folder it extracts (a real checkout has one:
it is the root marker by which dllint finds the project root, so that a module's callers in other
folders of the repository are seen, as they are in a clone), then compares the .py/.ipynb counts
with the page's table:
  ls-tree = files in the commit (git ls-tree -r, symlinks included, as the pages count them)
  tree    = plain files written under src/ (symlinks and blobs absent from the snapshot are not)
With --check nothing is extracted; only the counts of an existing layout are compared.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pages import corpus  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def gitdir(mirror, owner, name):
    base = os.path.join(mirror, f'{owner}+{name}', 'repo')
    return base + '/.git' if os.path.isdir(base + '/.git') else base


def count_tree(root):
    py = nb = 0
    for d, _, files in os.walk(root):
        for f in files:
            if os.path.islink(os.path.join(d, f)):
                continue
            py += f.endswith('.py')
            nb += f.endswith('.ipynb')
    return py, nb


def count_lstree(g, commit):
    out = subprocess.run(['git', '--git-dir', g, 'ls-tree', '-r', '-z', commit],
                         capture_output=True, check=True).stdout
    py = nb = links = 0
    missing = []
    for e in filter(None, out.split(b'\0')):
        meta, path = e.split(b'\t', 1)
        mode, kind, sha = meta.split()
        p = path.decode('utf-8', 'replace')
        if not (p.endswith('.py') or p.endswith('.ipynb')):
            continue
        py += p.endswith('.py')
        nb += p.endswith('.ipynb')
        if mode == b'120000':
            links += 1
        elif subprocess.run(['git', '--git-dir', g, 'cat-file', '-e', sha.decode()],
                            capture_output=True).returncode:
            missing.append(p)
    return py, nb, links, missing


def main():
    args = sys.argv[1:]
    check = '--check' in args
    mirror = '/work/.mirror'
    if '--mirror' in args:
        mirror = args[args.index('--mirror') + 1]
    page, audit = [a for a in args if not a.startswith('--') and a != mirror][:2]
    os.makedirs(os.path.join(audit, 'src'), exist_ok=True)
    toml = os.path.join(audit, 'dllint.toml')
    if not check and not os.path.exists(toml):
        with open(toml, 'w') as f:
            f.write('select = ["DL"]\n')
    diffs = 0
    for owner, name, commit, want_py, want_nb in corpus(open(page, encoding='utf-8').read()):
        repo = f'{owner}/{name}'
        g = gitdir(mirror, owner, name)
        out = os.path.join(audit, 'src', f'{owner}+{name}')
        if not check:
            if os.path.exists(out):
                marker = '' if os.path.isdir(os.path.join(out, '.git')) else \
                    ' (no .git root marker: laid out before layout.py wrote one)'
                print(f'{repo}: {out} exists, left as it is{marker}')
            else:
                subprocess.run([sys.executable, os.path.join(HERE, 'extract.py'), g, commit, out], check=True)
                # the checkout's root marker (dllint.analysis.project.ROOT_MARKERS): without it each
                # file's own folder is its project root and imports across folders go unseen
                os.makedirs(os.path.join(out, '.git'), exist_ok=True)
        py, nb, links, missing = count_lstree(g, commit)
        tpy, tnb = count_tree(out)
        ok = (py, nb) == (int(want_py), int(want_nb))
        diffs += not ok
        note = '' if ok else f'  <-- page says {want_py} .py {want_nb} .ipynb'
        extra = (f' links {links}' if links else '') + (f' absent {missing}' if missing else '')
        print(f'{repo}: ls-tree {py} .py {nb} .ipynb; tree {tpy} .py {tnb} .ipynb{extra}{note}')
    print(f'{page}: {diffs} repositories whose ls-tree counts differ from the page')


if __name__ == '__main__':
    main()
