"""diff.py PAGE RESULTS [EXTRA ...]: score a re-run of an audit against the page's judged findings.

  python3 bench/audits/diff.py docs/audit-2026-12g.md OUTDIR/results.json [bench/audits/extra-2026-12g.txt ...]

PAGE is an audit page (docs/audit-2026-12X.md); its section '## Every judged finding' is read: list
items "- `path:line` DLxxx **TRUE**: note" (a notebook: "- `path:cell N:L` ..."), paths relative to
src/. RESULTS is the results.json of rerun.sh. Each EXTRA file holds more verdicts in the same line
format (anywhere in the file; other lines are ignored): judgements of findings NEW since the audit.
A location+rule judged both on the page and in an extra file takes the extra file's verdicts.

A run finding matches a judged one when path, line (cell:line) and rule are equal; several findings
on one line with one rule match as many verdicts (a multiset). Prints:
  - the runs' exit statuses and stderr when not 0 / empty;
  - NEW: findings of the run that no verdict covers (in the line format, ready to be judged);
  - GONE: judged findings the run no longer makes, with their verdicts;
  - the precision of the judged findings still made (TRUE / (TRUE + FALSE)), overall and per rule,
    DL000, DL001 and DL002 apart (dllint's crash, syntax-error and skipped-file reports); NEW
    findings have no verdict and are not in the figure (their number is given beside it).
Options: --no-lists (figures only), --json FILE (write the comparison as JSON).
"""
import collections
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pages import judged  # noqa: E402

APART = ('DL000', 'DL001', 'DL002')


def loc(path, where):
    if ':' in where:
        cell, line = where.split(':')
        return f'{path}:cell {cell}:{line}'
    return f'{path}:{where}'


def wilson(k, n, z=1.96):
    if n == 0:
        return float('nan'), float('nan')
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    r = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (c - r) / d, (c + r) / d


def main(argv):
    lists = '--no-lists' not in argv
    argv = [a for a in argv if a != '--no-lists']
    json_out = None
    if '--json' in argv:
        i = argv.index('--json')
        json_out = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) < 2:
        sys.exit(__doc__)
    page, results, extras = argv[0], argv[1], argv[2:]

    verdicts = collections.defaultdict(list)   # (path, where, code) -> [(verdict, note, source)]
    for path, where, code, verdict, note, src in judged(open(page, encoding='utf-8').read(), os.path.basename(page)):
        verdicts[(path, where, code)].append((verdict, note, src))
    n_page = sum(map(len, verdicts.values()))
    n_extra = 0
    for extra in extras:
        mine = collections.defaultdict(list)
        text = open(extra, encoding='utf-8').read()
        text = text.replace('## Every judged finding', '## (extra)')  # read the whole file
        for path, where, code, verdict, note, src in judged(text, os.path.basename(extra)):
            mine[(path, where, code)].append((verdict, note, src))
        for key, vs in mine.items():
            if key in verdicts:
                print(f'note: {loc(key[0], key[1])} {key[2]} is judged on the page too; {extra} replaces it')
            verdicts[key] = vs
            n_extra += len(vs)

    res = json.load(open(results, encoding='utf-8'))
    findings = res['findings']
    run = collections.defaultdict(list)
    for f in findings:
        run[(f['path'], f['where'], f['code'])].append(f)

    print(f'page {page}: {n_page} judged findings; {n_extra} extra verdicts from {len(extras)} file(s)')
    print(f'run {results}: {len(findings)} findings in {len(res["runs"])} runs')
    for line in res.get('env', []):
        if line.startswith(('PYTHONPATH', 'checkout', 'dllint module')):
            print('  ' + line)
    for repo, r in sorted(res['runs'].items()):
        if r.get('rc') != 0 or (r.get('stderr') or '').strip() or r.get('json_error'):
            err = (r.get('stderr') or '').strip().splitlines()
            print(f'  {repo}: exit status {r.get("rc")}' + (f'; stderr: {err[-1][:160]}' if err else '')
                  + (f'; {r["json_error"]}' if r.get('json_error') else ''))

    new, gone, made = [], [], []   # made: (key, verdict, note)
    def order(key):
        path, where, code = key
        return (path, [int(x) for x in where.split(':')], code)

    for key in sorted(set(verdicts) | set(run), key=order):
        vs, fs = verdicts.get(key, []), run.get(key, [])
        for i, f in enumerate(fs):
            if i < len(vs):
                made.append((key, vs[i][0], vs[i][1]))
            else:
                new.append(f)
        for v in vs[len(fs):]:
            gone.append((key, v))

    if lists:
        print(f'\nNEW ({len(new)}): made by the run, no verdict (add **TRUE** or **FALSE** and keep the line in an extra file)')
        for f in new:
            print(f'- `{loc(f["path"], f["where"])}` {f["code"]}: {f["message"]}')
        print(f'\nGONE ({len(gone)}): judged, no longer made')
        for (path, where, code), (verdict, note, src) in gone:
            print(f'- `{loc(path, where)}` {code} **{verdict}**: {note[:150]}')

    if lists:
        # a hint only (the counts above stand): a NEW and a GONE finding of one rule in one file (one
        # cell of a notebook) may be one finding whose reported line moved, e.g. a DL001 now at the line
        # of the parse error rather than line 1.
        gone_at = collections.defaultdict(list)
        for (path, where, code), v in gone:
            gone_at[(path, where.split(':')[0] if ':' in where else '', code)].append((where, v[0]))
        moved = []
        for f in new:
            key = (f['path'], str(f['cell']) if f['cell'] is not None else '', f['code'])
            if gone_at.get(key):
                where, verdict = gone_at[key].pop(0)
                moved.append(f'- `{loc(f["path"], where)}` {f["code"]} **{verdict}** -> line {f["line"]} now')
        if moved:
            print(f'\nMOVED? ({len(moved)}): a GONE and a NEW finding of one rule in one file or cell (counted as GONE + NEW)')
            print('\n'.join(moved))

    def table(rows, title):
        per = collections.defaultdict(lambda: [0, 0])
        for (path, where, code), verdict, _ in rows:
            per[code][verdict == 'FALSE'] += 1
        print(f'\n{title}')
        print(f'  {"rule":8} {"made":>5} {"TRUE":>5} {"FALSE":>5} {"precision":>9}')
        for code in sorted(per):
            t, fl = per[code]
            print(f'  {code:8} {t + fl:5} {t:5} {fl:5} {t / (t + fl):9.3f}')
        t = sum(v[0] for v in per.values())
        fl = sum(v[1] for v in per.values())
        return t, fl

    main_rows = [m for m in made if m[0][2] not in APART]
    apart_rows = [m for m in made if m[0][2] in APART]
    new_main = sum(f['code'] not in APART for f in new)
    gone_main = [g for g in gone if g[0][2] not in APART]
    t, fl = table(main_rows, 'Judged findings still made, DL000/DL001/DL002 apart:')
    lo, hi = wilson(t, t + fl)
    print(f'\nPRECISION (judged, still made, all but DL000/DL001/DL002): {t} / {t + fl} = '
          f'{t / (t + fl) if t + fl else float("nan"):.3f} (Wilson 95% {lo:.3f} to {hi:.3f})')
    print(f'  judged: {sum(len(v) for k, v in verdicts.items() if k[2] not in APART)}; GONE {len(gone_main)} '
          f'({sum(g[1][0] == "TRUE" for g in gone_main)} TRUE, {sum(g[1][0] == "FALSE" for g in gone_main)} FALSE); '
          f'NEW without verdict {new_main} (not in the figure)')
    if apart_rows or any(g[0][2] in APART for g in gone) or any(f['code'] in APART for f in new):
        at, af = table(apart_rows, 'DL000/DL001/DL002 (apart):')
        print(f'  apart: {at} / {at + af} TRUE; GONE {sum(g[0][2] in APART for g in gone)}; '
              f'NEW {sum(f["code"] in APART for f in new)}')
    print(f'\nSUMMARY {os.path.basename(page)}: {len(findings)} findings; judged still made {len(made)} '
          f'(apart {len(apart_rows)}); precision {t}/{t + fl}; NEW {len(new)}; GONE {len(gone)}')
    if json_out:
        json.dump({'new': new,
                   'gone': [{'path': k[0], 'where': k[1], 'code': k[2], 'verdict': v[0], 'note': v[1]} for k, v in gone],
                   'made': [{'path': k[0], 'where': k[1], 'code': k[2], 'verdict': v} for k, v, _ in made],
                   'precision': [t, t + fl]}, open(json_out, 'w'), indent=1, ensure_ascii=False)


if __name__ == '__main__':
    main(sys.argv[1:])
