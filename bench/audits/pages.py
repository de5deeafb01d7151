"""pages.py: read an audit page (docs/audit-2026-12X.md): its corpus table, full commits, judged findings.

python3 pages.py PAGE            prints owner/name, full commit, .py and .ipynb counts of the table
"""
import re
import sys

ROW = re.compile(r'^\|\s*([A-Za-z0-9][\w.-]*)/([\w.-]+)\s*\|\s*([0-9a-f]{7,40})\s*\|[^|]*\|\s*(\d+)\s*\|\s*(\d+)\s*\|')
# a judged finding: - `path:line` or - `path:cell N:L`, then the code, then **TRUE** / **FALSE**
JUDGED = re.compile(r'^- `(?P<loc>[^`]+)` (?P<code>[A-Z]+\d+) \*\*(?P<verdict>TRUE|FALSE)\*\*(?P<rest>.*)$')
LOC = re.compile(r'^(?P<path>.+?):(?:cell (?P<cell>\d+):)?(?P<line>\d+)$')


def corpus(page_text):
    """[(owner, name, full_commit, n_py, n_ipynb)] in table order; full commits from 'Full commits' text."""
    rows = [m.groups() for m in map(ROW.match, page_text.splitlines()) if m]
    start = page_text.index('Full commits')
    full = re.findall(r'\b[0-9a-f]{40}\b', page_text[start:start + 6000])
    out = []
    for owner, name, short, npy, nnb in rows:
        hits = [c for c in full if c.startswith(short)]
        if len(hits) != 1:
            raise SystemExit(f'{owner}/{name}: {len(hits)} full commits start with {short}')
        out.append((owner, name, hits[0], int(npy), int(nnb)))
    return out


def parse_loc(loc):
    """'a/b.py:12' -> ('a/b.py', '12'); 'a/b.ipynb:cell 4:1' -> ('a/b.ipynb', '4:1')."""
    m = LOC.match(loc)
    if not m:
        raise ValueError(f'bad location {loc!r}')
    where = f"{m['cell']}:{m['line']}" if m['cell'] else m['line']
    return m['path'], where


def judged(text, source='?'):
    """[(path, where, code, verdict, note, source)] of every list item in the judged-finding format.

    On an audit page only the section '## Every judged finding' is read; a file without that heading
    (an extra-verdicts file) is read whole."""
    if '## Every judged finding' in text:
        text = text[text.index('## Every judged finding'):]
        nxt = re.search(r'^## ', text[3:], re.M)
        if nxt:
            text = text[:nxt.start() + 3]
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith('- `'):
            continue
        m = JUDGED.match(line)
        if not m:
            raise SystemExit(f'{source}:{n}: not in the judged-finding format: {line[:100]}')
        path, where = parse_loc(m['loc'])
        out.append((path, where, m['code'], m['verdict'], m['rest'].lstrip(': ').strip(), f'{source}:{n}'))
    return out


if __name__ == '__main__':
    for owner, name, commit, npy, nnb in corpus(open(sys.argv[1], encoding='utf-8').read()):
        print(f'{owner}/{name} {commit} {npy} {nnb}')
