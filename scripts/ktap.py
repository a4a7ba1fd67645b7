#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Summarise the VM test runs: ktap.py RUNDIR [RUNDIR...]

Each RUNDIR holds console.log, ktap.log and status from vm-run.sh. Prints
one line per test, then 'N passed, N failed[, N skipped]'. Exit status 1 if
anything failed or no test ran.

Counted as tests, per boot:
  - every leaf KTAP result (KUnit cases, userspace checks); a parent result
    that failed although all its children passed (a test program that
    crashed or exited non-zero after its checks) counts as one failure;
  - '<boot>: finished': the boot reached the end of its tests in time;
  - '<boot>: kernel log clean': no BUG, WARNING, KASAN, lockdep, Oops,
    panic, hung task or RCU stall report on the console.

A boot that starts a second kernel also has instance.log, that kernel's
console: its KTAP lines come prefixed 'mktap: ' through /dev/kmsg and are
counted once each as '<boot>: instance: NAME' (failed if any of the
instance's boots failed it), and '<boot>: instance kernel log clean' is
the same check on its console, where the panics the tests trigger on
purpose (sysrq) are the only ones allowed.
"""
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok) (\d+)\s*-?\s*(.*?)\s*$')
DIRECTIVE = re.compile(r'\s+#\s*(SKIP|TODO)\b(.*)$', re.I)
SUBTEST = re.compile(r'^\s*# Subtest: (.*)$')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
MKTAP = re.compile(r'^(?:\[\s*\d+\.\d+\]\s?)?mktap: (.*)$')
DELIBERATE = re.compile(r'Kernel panic - not syncing: sysrq triggered crash')
SPLAT = re.compile(r'BUG:|WARNING:|Oops|Kernel panic|UBSAN:|'
                   r'INFO: task .* blocked|detected stalls|'
                   r'general protection fault|kernel BUG at')


def parse_ktap(lines):
    """Yield (name, status, detail) for every counted result."""
    stack = []          # names of open subtests, by indentation
    last_indent = None  # indentation of the previous result line
    child_failed = {}   # indent -> did a child at deeper level fail
    names = {}          # indent -> '# Subtest:' name announced there
    for raw in lines:
        line = TIMESTAMP.sub('', raw.rstrip('\n'))
        m = SUBTEST.match(line)
        if m:
            names[len(line) - len(line.lstrip())] = m.group(1).strip()
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, verdict, _, rest = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        d = DIRECTIVE.search(rest)
        name, _, comment = rest.partition(' # ')
        name = name.strip()
        status = 'fail' if verdict == 'not ok' else 'pass'
        if d and d.group(1).upper() == 'SKIP':
            status = 'skip'
        is_parent = last_indent is not None and last_indent > indent
        prefix = None if is_parent else names.get(indent)
        full = f'{prefix}.{name}' if prefix else name
        if is_parent:
            failed_below = any(v for k, v in child_failed.items() if k > indent)
            for k in [k for k in child_failed if k > indent]:
                del child_failed[k]
            names.pop(indent + 4, None)
            if status == 'fail' and not failed_below:
                yield full, 'fail', f'{comment.strip()}, after its checks passed'
        else:
            yield full, status, (d.group(2).strip() if d else comment.strip())
            if status == 'fail':
                child_failed[indent] = True
        last_indent = indent


def main(rundirs):
    passed = failed = skipped = 0

    def report(name, status, detail=''):
        nonlocal passed, failed, skipped
        if status == 'pass':
            passed += 1
        elif status == 'skip':
            skipped += 1
        else:
            failed += 1
        tag = {'pass': 'PASS', 'fail': 'FAIL', 'skip': 'SKIP'}[status]
        print(f'{tag}  {name}' + (f'  ({detail})' if detail else ''))

    for run in rundirs:
        boot = os.path.basename(os.path.normpath(run))

        def read(name):
            try:
                with open(os.path.join(run, name), errors='replace') as f:
                    return f.read()
            except OSError:
                return ''
        ktap, console = read('ktap.log'), read('console.log')
        status = read('status').strip() or 'not run'
        for name, st, detail in parse_ktap(ktap.splitlines()):
            report(f'{boot}: {name}', st, detail)
        done = f'# mktest: boot {boot} done' in ktap
        report(f'{boot}: finished', 'pass' if done and status == 'ok' else 'fail',
               '' if done else f'vm {status}; see {run}/console.log')
        splats = [l.strip() for l in console.splitlines() if SPLAT.search(l)]
        report(f'{boot}: kernel log clean', 'fail' if splats else 'pass',
               '; '.join(splats[:3]))
        for s in splats[:20]:
            print(f'      {s}')
        inst = read('instance.log')
        if inst:
            worst = {}
            lines = [m.group(1) for m in map(MKTAP.match, inst.splitlines()) if m]
            for name, st, detail in parse_ktap(lines):
                if name not in worst or st == 'fail':
                    worst[name] = (st, detail)
            for name, (st, detail) in worst.items():
                report(f'{boot}: instance: {name}', st, detail)
            splats = [l.strip() for l in inst.splitlines()
                      if SPLAT.search(l) and not DELIBERATE.search(l)]
            report(f'{boot}: instance kernel log clean',
                   'fail' if splats else 'pass', '; '.join(splats[:3]))
            for s in splats[:20]:
                print(f'      {s}')

    total = f'{passed} passed, {failed} failed'
    if skipped:
        total += f', {skipped} skipped'
    print(total)
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
