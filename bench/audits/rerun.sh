#!/usr/bin/env bash
# rerun.sh PYTHON OUTDIR AUDITDIR: run dllint on every repository of an audit, as the audit pages say.
#
#   PYTHONPATH=/path/to/checkout bench/audits/rerun.sh python OUTDIR /tmp/audit/audit7
#
# For each AUDITDIR/src/<owner>+<name>/, from AUDITDIR (so that paths read src/...):
#   PYTHON -m dllint --config dllint.toml --no-cache --jobs 1 --format json --exit-zero src/<owner>+<name>
# JOBS repositories at a time (default 2, at most 2 on this shared machine; JOBS=1 for one at a time).
# Writes OUTDIR/runs/<owner>+<name>.json (stdout), .stderr, .rc (exit status), .seconds (wall time),
# OUTDIR/env.txt (python, PYTHONPATH, the dllint module imported, the checkout's commit) and
# OUTDIR/results.json (every finding: path relative to src/, line or cell:line, code, message; and per
# run its exit status, stderr and time) made by collect.py. Repositories whose OUTDIR/runs/*.rc exist are
# not run again (delete OUTDIR, or those files, to redo them).
set -u
if [ $# -ne 3 ]; then
    echo "usage: PYTHONPATH=<checkout> $0 PYTHON OUTDIR AUDITDIR" >&2
    exit 64
fi
PY=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
AUDIT=$(cd "$3" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
JOBS=${JOBS:-2}
[ "$JOBS" -gt 2 ] && JOBS=2
[ -f "$AUDIT/dllint.toml" ] || { echo "$AUDIT/dllint.toml missing" >&2; exit 66; }
[ -d "$AUDIT/src" ] || { echo "$AUDIT/src missing" >&2; exit 66; }
# the runs cd into AUDITDIR: make relative PYTHONPATH entries absolute
if [ -n "${PYTHONPATH:-}" ]; then
    abs=""
    IFS=: read -ra parts <<< "$PYTHONPATH"
    for p in "${parts[@]}"; do
        [ -n "$p" ] && [ -d "$p" ] && p=$(cd "$p" && pwd)
        abs="${abs:+$abs:}$p"
    done
    export PYTHONPATH=$abs
fi
if [ -z "${PYTHONPATH:-}" ]; then
    echo "warning: PYTHONPATH is empty: the dllint installed for $PY is the one run" >&2
fi
mkdir -p "$OUT/runs"
{
    echo "date: $(date -u +%FT%TZ)"
    echo "auditdir: $AUDIT"
    echo "python: $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
    echo "PYTHONPATH: ${PYTHONPATH:-}"
    echo "dllint module: $(cd "$AUDIT" && "$PY" -c 'import dllint; print(dllint.__file__)' 2>&1)"
    for p in $(echo "${PYTHONPATH:-}" | tr ':' ' '); do
        if git -C "$p" rev-parse HEAD >/dev/null 2>&1; then
            echo "checkout $p: $(git -C "$p" rev-parse HEAD) $(git -C "$p" status --porcelain --untracked-files=no | wc -l) modified tracked files"
        fi
    done
    echo "jobs: $JOBS"
} > "$OUT/env.txt"
cat "$OUT/env.txt"

run_one() {  # run_one REPO  (PY, OUT, AUDIT exported)
    local repo=$1 start end rc
    [ -f "$OUT/runs/$repo.rc" ] && return 0
    start=$(date +%s.%N)
    (cd "$AUDIT" && "$PY" -m dllint --config dllint.toml --no-cache --jobs 1 --format json --exit-zero "src/$repo") \
        > "$OUT/runs/$repo.json" 2> "$OUT/runs/$repo.stderr"
    rc=$?
    end=$(date +%s.%N)
    echo "$end - $start" | bc > "$OUT/runs/$repo.seconds"
    echo "$rc" > "$OUT/runs/$repo.rc"
    printf '%-60s rc=%s %6.1fs %s\n' "$repo" "$rc" "$(cat "$OUT/runs/$repo.seconds")" \
        "$( [ -s "$OUT/runs/$repo.stderr" ] && echo 'STDERR' )"
}
export -f run_one
export PY OUT AUDIT
T0=$(date +%s)
ls "$AUDIT/src" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {}
echo "wall time: $(( $(date +%s) - T0 )) s"
python3 "$HERE/collect.py" "$OUT" "$AUDIT"
