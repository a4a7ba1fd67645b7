#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""cycles.py BUILD DIR...: calls between the object files of our
directories, from the symbols each defines and uses (nm), and every cycle
among them ("A calls B, B calls A", or longer). Prints one line per cycle
and exits 1 if there is any; the parts of composite objects are what is
looked at (a thin built-in.a lists them)."""
import os
import subprocess
import sys


def objects(build, dirs):
    """The objects linked into the kernel from @dirs: the members of each
    directory's thin archive, so that a stale object is never looked at."""
    for d in dirs:
        ar = os.path.join(build, d, 'built-in.a')
        out = subprocess.run(['ar', 't', ar], capture_output=True, text=True,
                             check=True).stdout
        # ar prints a thin archive's members as paths from here.
        for member in out.split():
            if member.endswith('.a'):
                continue
            if not os.path.exists(member):
                sys.exit('cycles.py: %s of %s is missing' % (member, ar))
            yield member


def main():
    build, dirs = sys.argv[1], sys.argv[2:]
    defs, uses = {}, {}
    for o in objects(build, dirs):
        name = os.path.relpath(o, build)
        out = subprocess.run(['nm', o], capture_output=True, text=True,
                             check=True).stdout
        uses[name] = set()
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'TDBRW':
                defs.setdefault(f[2], name)
            elif len(f) == 2 and f[0] == 'U':
                uses[name].add(f[1])
    graph = {o: sorted({defs[s] for s in u if s in defs and defs[s] != o})
             for o, u in uses.items()}
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    for scc in sccs:
        print('cycle: ' + ' <-> '.join(scc))
    sys.exit(1 if sccs else 0)


if __name__ == '__main__':
    main()
