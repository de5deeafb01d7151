"""extract.py GITDIR COMMIT OUT: write every blob of COMMIT that the snapshot holds into OUT.

Objects absent from a stored snapshot (large files) are skipped and counted; `git archive` would stop
at the first one. Symlinks are skipped.
"""
import os
import subprocess
import sys


def main() -> None:
    g, c, out = sys.argv[1:4]
    ls = subprocess.run(['git', '--git-dir', g, 'ls-tree', '-r', '-z', c], capture_output=True, check=True).stdout
    p = subprocess.Popen(['git', '--git-dir', g, 'cat-file', '--batch'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    missing = 0
    for e in filter(None, ls.split(b'\0')):
        meta, path = e.split(b'\t', 1)
        mode, kind, sha = meta.split()
        if kind != b'blob' or mode == b'120000':
            continue
        p.stdin.write(sha + b'\n')
        p.stdin.flush()
        head = p.stdout.readline()
        if head.endswith(b'missing\n'):
            missing += 1
            continue
        size = int(head.split()[2])
        data = p.stdout.read(size)
        p.stdout.read(1)
        dest = os.path.join(out.encode(), path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, 'wb') as f:
            f.write(data)
    p.stdin.close()
    p.wait()
    print(out, 'missing', missing)


if __name__ == '__main__':
    main()
