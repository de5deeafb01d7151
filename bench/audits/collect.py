"""collect.py OUTDIR AUDITDIR: gather OUTDIR/runs/* (written by rerun.sh) into OUTDIR/results.json.

results.json = {"auditdir", "env" (lines of env.txt), "runs": {repo: {"rc", "seconds", "stderr",
"findings", "json_error"}}, "findings": [{"path" (relative to src/), "where" ("12", or "cell:line" as
"4:1" for a notebook), "line", "cell", "code", "message", "severity", "repo"}]}, findings sorted by
path, cell, line, code. A run whose stdout is not a JSON list is reported (json_error) with no findings.
"""
import json
import os
import sys


def main():
    out, audit = sys.argv[1], sys.argv[2]
    runs_dir = os.path.join(out, 'runs')
    repos = sorted(os.listdir(os.path.join(audit, 'src')))
    runs, findings, problems = {}, [], []
    for repo in repos:
        base = os.path.join(runs_dir, repo)
        if not os.path.exists(base + '.rc'):
            problems.append(f'{repo}: not run')
            runs[repo] = {'rc': None}
            continue
        rc = int(open(base + '.rc').read().strip() or -1)
        stderr = open(base + '.stderr', encoding='utf-8', errors='replace').read()
        seconds = float(open(base + '.seconds').read().strip() or 0)
        run = {'rc': rc, 'seconds': round(seconds, 1), 'stderr': stderr, 'findings': 0, 'json_error': None}
        try:
            data = json.load(open(base + '.json', encoding='utf-8'))
            if not isinstance(data, list):
                raise ValueError(f'a {type(data).__name__}, not a list')
        except ValueError as e:
            run['json_error'] = str(e)
            problems.append(f'{repo}: stdout is not a JSON list of findings ({e})')
            data = []
        for d in data:
            path = d['path']
            path = path[4:] if path.startswith('src/') else path
            cell = d.get('cell')
            where = f"{cell}:{d['line']}" if cell is not None else str(d['line'])
            findings.append({'path': path, 'where': where, 'line': d['line'], 'cell': cell,
                             'code': d['code'], 'message': d['message'], 'severity': d.get('severity'),
                             'repo': repo})
        run['findings'] = len(data)
        runs[repo] = run
        if rc != 0:
            problems.append(f'{repo}: exit status {rc}')
        if stderr.strip():
            problems.append(f'{repo}: stderr: {stderr.strip().splitlines()[-1][:200]}')
    findings.sort(key=lambda f: (f['path'], f['cell'] or 0, f['line'], f['code'], f['message']))
    env = open(os.path.join(out, 'env.txt')).read().splitlines() if os.path.exists(os.path.join(out, 'env.txt')) else []
    json.dump({'auditdir': os.path.abspath(audit), 'env': env, 'runs': runs, 'findings': findings},
              open(os.path.join(out, 'results.json'), 'w'), indent=1, ensure_ascii=False)
    by_code = {}
    for f in findings:
        by_code[f['code']] = by_code.get(f['code'], 0) + 1
    print(f"{len(findings)} findings in {len(repos)} repositories -> {os.path.join(out, 'results.json')}")
    print('  ' + ', '.join(f'{c} {n}' for c, n in sorted(by_code.items())))
    print(f"  total run time {sum(r.get('seconds', 0) or 0 for r in runs.values()):.0f} s")
    for p in problems:
        print('  ' + p)


if __name__ == '__main__':
    main()
