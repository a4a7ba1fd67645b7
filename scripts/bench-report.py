#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The report of a benchmark run: bench-report.py [OPTIONS] RUN_DIR

RUN_DIR is a boot's directory from scripts/vm-run.sh (make bench:
$MK_CACHE/runs/bench) with ktap.log and console.log. From the comment
lines of the test programs ('# ...', indented under their subtest) it
takes, each when it is there:

  stream       /sys/kernel/debug/multikernel/bench as tests/vm/bench/run.sh
               prints it: 'protocol size messages msgs/s MB/s bells/msg
               status', rows slot, vring, vring-batch32, vring-nocheck,
               memcpy; and the line 'vring 64 KiB stream: NN% of memcpy
               bandwidth (batched NN%, unchecked NN%)'
  rtt-kernel   the round-trip table after a blank line in the same file:
               'rtt size samples p50_us p90_us p99_us p99.9_us max_us
               status', rows ipi, slot-rtt, link
  rtt-user     mkrtt --csv, lines '# csv rtt-user: ROW' (tests/vm/bench/rtt.sh)
  rtt-user-cdf mkrtt --cdf, lines '# csv rtt-user-cdf: ROW'

and writes RUN_DIR/report/: a CSV of each (NAME.csv), bench.txt (the
tables, the ratios beside the targets of the issue, the change against
the previous run) and, with matplotlib, plots as PNG and SVG. A section
missing from the log is skipped with a note.

History: the CSVs are copied to $MK_CACHE/bench-history/RUN/UTC-TIME/
(RUN the name of RUN_DIR) after the comparison with the newest entry
there; a run whose CSVs equal the newest entry's is not stored twice.

Options:
  --prev DIR    compare with the CSVs in DIR instead of the newest entry
  --no-store    do not add this run to the history
  --no-plots    CSV and text only
  --brief       print only the targets, the regressions and where the
                report is (bench.txt always has everything)
  --threshold P a change of more than P% for the worse is a regression (10)

Exit status: 0 (targets not met are figures, not failures), 1 when
RUN_DIR has no log, 2 bad usage.
"""
import argparse
import csv
import datetime
import io
import os
import re
import shutil
import sys

STREAM_HEAD = ['protocol', 'size', 'messages', 'msgs/s', 'MB/s', 'bells/msg', 'rx_poll%',
               'status']
STREAM_CSV = ['protocol', 'size', 'messages', 'msgs_per_s', 'mb_per_s', 'bells_per_msg',
              'rx_poll_pct', 'status']
# Before the rx_poll% column: read, written with '-' in it.
STREAM_HEAD_OLD = [w for w in STREAM_HEAD if w != 'rx_poll%']
STREAM_CSV_OLD = [w for w in STREAM_CSV if w != 'rx_poll_pct']
RTT_HEAD = ['rtt', 'size', 'samples', 'p50_us', 'p90_us', 'p99_us', 'p99.9_us', 'max_us',
            'status']
RTT_CSV = ['rtt', 'size', 'samples', 'p50_us', 'p90_us', 'p99_us', 'p99_9_us', 'max_us',
           'status']
PERCENT = re.compile(r'vring 64 KiB stream: (\d+(?:\.\d+)?)% of memcpy bandwidth'
                     r'(?: \(batched (\d+(?:\.\d+)?)%(?:, unchecked (\d+(?:\.\d+)?)%)?\))?')
COMMENT = re.compile(r'^\s*#(?: (.*))?$')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
CSV_LINE = re.compile(r'^csv (rtt-user|rtt-user-cdf): (.*)$')

# The targets of the issue.
USER_P50, USER_P99, USER_MAX_SIZE = 1.2, 1.5, 4096
LINK_P50 = 1.5
BELLS_1K = 0.05
MEMCPY_64K = 0.80


def num(s):
    """A number of a table, or None for '-', 'n/a' and the like."""
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def comments(text):
    """The content of every comment line of a KTAP log, in order."""
    for raw in text.splitlines():
        line = TIMESTAMP.sub('', raw.rstrip('\r'))
        m = COMMENT.match(line)
        if m:
            yield (m.group(1) or '').strip()
        else:
            yield None          # not a comment: ends a table


def parse(text):
    """The sections found in @text: name -> list of row dicts (or a value)."""
    out = {}
    table = None                # (name, header, rows) being read
    csvs = {}                   # section -> [lines], the last header on

    def close():
        nonlocal table
        if table and table[2]:
            out[table[0]] = table[2]
        table = None

    for c in comments(text):
        if c is not None:
            m = CSV_LINE.match(c)
            if m:
                name, row = m.group(1), m.group(2)
                if row.startswith('transport,'):
                    csvs[name] = []
                csvs.setdefault(name, []).append(row)
                continue
            m = PERCENT.search(c)
            if m:
                out['memcpy-percent'] = (num(m.group(1)), num(m.group(2)), num(m.group(3)))
        words = c.split() if c else []
        if words in (STREAM_HEAD, STREAM_HEAD_OLD):
            close()
            table = ('stream', STREAM_CSV if words == STREAM_HEAD else STREAM_CSV_OLD, [])
            continue
        if words == RTT_HEAD:
            close()
            table = ('rtt-kernel', RTT_CSV, [])
            continue
        if table and len(words) == len(table[1]) and re.fullmatch(r'\d+', words[1]):
            row = dict(zip(table[1], words))
            if table[0] == 'stream':
                row.setdefault('rx_poll_pct', '-')
            table[2].append(row)
            continue
        close()
    close()
    for name, lines in csvs.items():
        rows = list(csv.DictReader(io.StringIO('\n'.join(lines) + '\n')))
        if rows:
            out[name] = rows
    return out


def read_csv(path):
    try:
        with open(path, newline='') as f:
            return list(csv.DictReader(f))
    except OSError:
        return None


def write_csv(path, fields, rows):
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction='ignore', lineterminator='\n')
        w.writeheader()
        w.writerows(rows)


def size_name(n):
    n = int(n)
    if n >= 1024 and n % 1024 == 0:
        return f'{n // 1024} KiB'
    return f'{n} B'


def fmt(v, digits=1):
    return '-' if v is None else f'{v:,.{digits}f}'


def find(rows, key, name, size):
    for r in rows or []:
        if r.get(key) == name and int(r['size']) == size:
            return r
    return None


def text_table(header, rows):
    """Columns padded to their widest cell, numbers right-aligned."""
    cells = [header] + rows
    width = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    # Left: a column of words; '-' and '' (no figure) do not decide.
    left = [not any(num(str(r[i]).replace(',', '')) is not None for r in rows) and
            any(str(r[i]) not in ('-', '') for r in rows) for i in range(len(header))]
    lines = []
    for r in cells:
        lines.append('  '.join(str(c).ljust(width[i]) if left[i] else str(c).rjust(width[i])
                               for i, c in enumerate(r)).rstrip())
    return lines


# Targets ------------------------------------------------------------------

def verdict(ok):
    return 'no data' if ok is None else ('met' if ok else 'not met')


def targets(s):
    """Lines '<verdict>  <what>: <numbers>' for every target of the issue."""
    lines = []

    def line(ok, what):
        lines.append(f'{verdict(ok):8} {what}')

    user = s.get('rtt-user')
    sizes = sorted({int(r['size']) for r in user or [] if int(r['size']) <= USER_MAX_SIZE})
    for size in sizes:
        rp, pp = find(user, 'transport', 'rpmsg', size), find(user, 'transport', 'pipe', size)
        for col, limit in (('p50_us', USER_P50), ('p99_us', USER_P99)):
            what = (f'rpmsg_char round trip {col[:3]}, {size_name(size)}: at most '
                    f'{limit:.1f}x the pipe')
            a = num(rp[col]) if rp and rp.get('status') == 'ok' else None
            b = num(pp[col]) if pp and pp.get('status') == 'ok' else None
            if a is None or not b:
                line(None, f'{what}: rpmsg {fmt(a)} us, pipe {fmt(b)} us')
                continue
            line(a / b <= limit, f'{what}: {a / b:.2f}x ({fmt(a)} us / {fmt(b)} us)')
    if not sizes:
        line(None, 'rpmsg_char round trip p50 <= 1.2x, p99 <= 1.5x the pipe to 4 KiB: '
             'no rtt-user rows')

    kern = s.get('rtt-kernel')
    ipi = next((r for r in kern or [] if r['rtt'] == 'ipi'), None)
    links = sorted((int(r['size']), r) for r in kern or [] if r['rtt'] == 'link')
    what = f'kernel link round trip p50: at most {LINK_P50:.1f}x the bare ipi'
    a = num(links[0][1]['p50_us']) if links and links[0][1]['status'] == '0' else None
    b = num(ipi['p50_us']) if ipi and ipi['status'] == '0' else None
    if a is None or not b:
        line(None, f'{what}: link {fmt(a, 2)} us, ipi {fmt(b, 2)} us')
    else:
        line(a / b <= LINK_P50, f'{what}: {a / b:.2f}x at {size_name(links[0][0])} '
             f'({fmt(a, 2)} us / {fmt(b, 2)} us)')

    st = s.get('stream')
    r = find(st, 'protocol', 'vring', 1024)
    v = num(r['bells_per_msg']) if r and r['status'] == '0' else None
    what = f'unbatched 1 KiB vring stream: at most {BELLS_1K} doorbells/msg'
    poll = r.get('rx_poll_pct', '-') if r else '-'
    cost = f', the receiver busy-polling {poll}% of the time' if poll not in ('', '-') else ''
    line(None if v is None else v <= BELLS_1K, f'{what}: {fmt(v, 3)}{cost}')

    # The transport's own cost: the unchecked stream when the run has it.
    raw = find(st, 'protocol', 'vring-nocheck', 65536)
    proto = 'vring-nocheck' if raw else 'vring'
    vr, mc = raw or find(st, 'protocol', 'vring', 65536), find(st, 'protocol', 'memcpy', 65536)
    what = f'64 KiB {proto} stream: at least {MEMCPY_64K:.0%} of memcpy MB/s'
    a = num(vr['mb_per_s']) if vr and vr['status'] == '0' else None
    b = num(mc['mb_per_s']) if mc and mc['status'] == '0' else None
    pct = s.get('memcpy-percent')
    if a is not None and b:
        line(a / b >= MEMCPY_64K, f'{what}: {a / b:.0%} ({fmt(a, 0)} / {fmt(b, 0)} MB/s)')
    elif pct and pct[2 if raw else 0] is not None:
        v = pct[2 if raw else 0]
        line(v / 100 >= MEMCPY_64K, f'{what}: {v:.0f}% (the kernel\'s line)')
    else:
        line(None, f'{what}: vring {fmt(a, 0)} MB/s, memcpy {fmt(b, 0)} MB/s')
    return lines


# Change against the previous run -----------------------------------------

def changes(s, prev, threshold):
    """(lines, regressions): the change of each row's figures against @prev."""
    lines, regs = [], []

    def pct(new, old):
        return None if new is None or not old else (new - old) / old * 100

    def row(label, fig, new, old, higher_better, digits=1):
        p = pct(new, old)
        if p is None:
            return
        worse = -p if higher_better else p
        mark = '  REGRESSION' if worse > threshold else ''
        text = f'{label}: {fig} {fmt(old, digits)} -> {fmt(new, digits)} ({p:+.1f}%){mark}'
        lines.append(text)
        if mark:
            regs.append(text)

    for r in s.get('stream') or []:
        o = find(prev.get('stream'), 'protocol', r['protocol'], int(r['size']))
        if o:
            row(f'stream {r["protocol"]} {size_name(r["size"])}', 'msgs/s',
                num(r['msgs_per_s']), num(o['msgs_per_s']), True, 0)
    for r in s.get('rtt-kernel') or []:
        o = find(prev.get('rtt-kernel'), 'rtt', r['rtt'], int(r['size']))
        for col in ('p50_us', 'p99_us') if o else ():
            row(f'rtt-kernel {r["rtt"]} {size_name(r["size"])}', col[:3],
                num(r[col]), num(o[col]), False, 2)
    for r in s.get('rtt-user') or []:
        o = find(prev.get('rtt-user'), 'transport', r['transport'], int(r['size']))
        for col in ('p50_us', 'p99_us') if o else ():
            row(f'rtt-user {r["transport"]} {size_name(r["size"])}', col[:3],
                num(r.get(col)), num(o.get(col)), False)
    return lines, regs


# Plots --------------------------------------------------------------------

def plots(s, out):
    """The plots of what is there; the names written, or a reason for none."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    except ImportError:
        return None, 'matplotlib is missing (apt-get install python3-matplotlib)'
    written = []
    size_fmt = FuncFormatter(lambda v, _: size_name(v) if v >= 1 and v == int(v) else '')

    def save(fig, name):
        fig.tight_layout()
        for ext in ('png', 'svg'):
            fig.savefig(os.path.join(out, f'{name}.{ext}'), dpi=110)
        plt.close(fig)
        written.append(name)

    def si(v, _=None):
        for div, unit in ((1e9, 'G'), (1e6, 'M'), (1e3, 'k')):
            if v >= div:
                return f'{v / div:g}{unit}'
        return f'{v:g}'

    def log_axis(axis, minor=False, fmt=si):
        """Plain numbers on a log axis; with @minor, labels at 2 and 5 too."""
        axis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v) if v > 0 else '0'))
        if minor:
            axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
            axis.set_minor_formatter(FuncFormatter(lambda v, _: fmt(v)))
        else:
            axis.set_minor_formatter(NullFormatter())

    def by(rows, key, xcol, ycol, keep=lambda r: True):
        series = {}
        for r in rows:
            x, y = num(r[xcol]), num(r[ycol])
            if keep(r) and x is not None and y is not None:
                series.setdefault(r[key], []).append((x, y))
        return {k: sorted(v) for k, v in series.items()}

    def sizes_axis(ax, xs):
        ax.set_xscale('log', base=2)
        ax.set_xticks(sorted(xs))
        ax.xaxis.set_major_formatter(size_fmt)
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ''))

    ok = (lambda r: r['status'] == '0')
    st = s.get('stream')
    if st:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        xs = {num(r['size']) for r in st}
        for ax, col, unit in ((axes[0], 'msgs_per_s', 'messages/s'),
                              (axes[1], 'mb_per_s', 'MB/s')):
            for name, pts in by(st, 'protocol', 'size', col, ok).items():
                pts = [p for p in pts if p[1] > 0]
                if pts:
                    ax.plot(*zip(*pts), marker='o', label=name,
                            linestyle='--' if name == 'memcpy' else '-')
            sizes_axis(ax, xs)
            ax.set_yscale('log')
            log_axis(ax.yaxis)
            ax.set_xlabel('message size')
            ax.set_ylabel(unit)
            ax.set_title(f'stream throughput, {unit}')
            ax.grid(True, which='both', alpha=0.3)
            ax.legend()
        save(fig, 'throughput')

        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for name, pts in by(st, 'protocol', 'size', 'bells_per_msg',
                            lambda r: ok(r) and r['protocol'] != 'memcpy').items():
            ax.plot(*zip(*pts), marker='o', label=name)
        ax.axhline(BELLS_1K, color='grey', linestyle='--', label=f'target {BELLS_1K} (1 KiB)')
        sizes_axis(ax, xs)
        ax.set_yscale('symlog', linthresh=0.01)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
        ax.set_xlabel('message size')
        ax.set_ylabel('doorbells per message')
        ax.set_title('doorbells per message (lower is better)')
        ax.grid(True, which='both', alpha=0.3)
        ax.legend()
        save(fig, 'doorbells')

    kern = s.get('rtt-kernel')
    if kern:
        fig, ax = plt.subplots(figsize=(8, 4.8))
        xs = {num(r['size']) for r in kern if r['rtt'] != 'ipi'}
        colors = plt.rcParams['axes.prop_cycle'].by_key()['color']
        names = sorted({r['rtt'] for r in kern if r['rtt'] != 'ipi'})
        for i, name in enumerate(names):
            for col, style in (('p50_us', '-'), ('p99_us', '--'), ('p99_9_us', ':')):
                pts = by(kern, 'rtt', 'size', col, lambda r: ok(r) and r['rtt'] == name)
                if pts.get(name):
                    ax.plot(*zip(*pts[name]), marker='o', linestyle=style,
                            color=colors[i % len(colors)],
                            label=f'{name} {col[:-3].replace("_", ".")}')
        for r in kern:
            if r['rtt'] == 'ipi' and ok(r):
                for col, style in (('p50_us', '-'), ('p99_us', '--')):
                    if num(r[col]):
                        ax.axhline(num(r[col]), color='black', linestyle=style, alpha=0.6,
                                   label=f'ipi {col[:3]} (bare, no payload)')
        if xs:
            sizes_axis(ax, xs)
        ax.set_yscale('log')
        log_axis(ax.yaxis, True, lambda v: f'{v:,g}')
        ax.set_xlabel('message size')
        ax.set_ylabel('round trip (us)')
        ax.set_title('kernel round trips: percentiles by size, beside the bare ipi')
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize='small', ncol=2)
        save(fig, 'rtt-kernel')

    cdf = s.get('rtt-user-cdf')
    if cdf:
        sizes = sorted({int(r['size']) for r in cdf})
        cols = min(4, len(sizes))
        rows = (len(sizes) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.2 * rows), squeeze=False)
        # A logit axis: the median and the tail (p99, p99.9, p99.99) alike
        # legible; the maximum (quantile 1) is a mark at the top.
        top = 0.99995
        for ax, size in zip(axes.flat, sizes):
            for t in sorted({r['transport'] for r in cdf}, reverse=True):
                pts = sorted((num(r['us']), num(r['quantile'])) for r in cdf
                             if r['transport'] == t and int(r['size']) == size)
                pts = [p for p in pts if p[0] and p[1] is not None]
                line = [p for p in pts if 0 < p[1] < 1]
                if line:
                    drawn = ax.step(*zip(*line), where='post', label=t)
                    mx = [p[0] for p in pts if p[1] >= 1]
                    if mx:
                        ax.plot(mx, [top] * len(mx), marker='x', linestyle='none',
                                color=drawn[0].get_color())
            ax.set_xscale('log')
            log_axis(ax.xaxis, True, lambda v: f'{v:,g}')
            ax.tick_params(axis='x', which='both', labelsize='small')
            ax.set_yscale('logit')
            ax.set_ylim(0.008, top * 1.00001)
            ax.set_yticks([0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999])
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_title(size_name(size))
            ax.set_xlabel('round trip (us)')
            ax.set_ylabel('quantile')
            ax.grid(True, which='both', axis='x', alpha=0.3)
            ax.grid(True, which='major', axis='y', alpha=0.3)
            ax.legend(fontsize='small', loc='lower right')
        for ax in list(axes.flat)[len(sizes):]:
            ax.set_visible(False)
        fig.suptitle('userspace round trips (mkrtt): CDF, rpmsg_char beside the pipe; '
                     'x: the maximum')
        save(fig, 'rtt-user-cdf')
    return written, None if written else 'nothing to plot'


# The report ---------------------------------------------------------------

SECTIONS = (('stream', STREAM_CSV), ('rtt-kernel', RTT_CSV), ('rtt-user', None),
            ('rtt-user-cdf', None))


def tables(s):
    lines = []
    st = s.get('stream')
    if st:
        lines += ['stream (debugfs multikernel/bench):']
        lines += ['  ' + l for l in text_table(
            STREAM_HEAD, [[r['protocol'], r['size'], r['messages'], r['msgs_per_s'],
                           r['mb_per_s'], r['bells_per_msg'], r.get('rx_poll_pct', '-'),
                           r['status']] for r in st])]
    else:
        lines += ['stream: not in the log, skipped']
    pct = s.get('memcpy-percent')
    if pct:
        lines += [f'  kernel: vring 64 KiB stream {fmt(pct[0], 0)}% of memcpy bandwidth'
                  f' (batched {fmt(pct[1], 0)}%'
                  + (f', unchecked {fmt(pct[2], 0)}%' if pct[2] is not None else '') + ')']
    kern = s.get('rtt-kernel')
    if kern:
        ipi = next((num(r['p50_us']) for r in kern if r['rtt'] == 'ipi'), None)
        head = RTT_HEAD + (['p50/ipi'] if ipi else [])
        rows = []
        for r in kern:
            p50 = num(r['p50_us'])
            rows.append([r[c] for c in RTT_CSV] +
                        ([f'{p50 / ipi:.2f}' if p50 is not None else '-'] if ipi else []))
        lines += ['', 'kernel round trips, microseconds:']
        lines += ['  ' + l for l in text_table(head, rows)]
    else:
        lines += ['', 'rtt-kernel: not in the log, skipped']
    user = s.get('rtt-user')
    if user:
        cols = ['p50_us', 'p90_us', 'p99_us', 'p99_9_us', 'max_us']
        rows = []
        # As mkrtt all prints it: size after size, rpmsg above the pipe.
        for r in sorted(user, key=lambda r: (int(r['size']), r['transport'] != 'rpmsg')):
            rp = r['transport'] == 'rpmsg'
            pp = find(user, 'transport', 'pipe', int(r['size'])) if rp else None
            ratio = ['-', '-']
            if pp and r.get('status') == 'ok' and pp.get('status') == 'ok':
                ratio = [f'{num(r[c]) / num(pp[c]):.2f}' if num(pp[c]) else '-'
                         for c in ('p50_us', 'p99_us')]
            rows.append([r['size'], r['transport'], r.get('status', '')] +
                        [fmt(num(r.get(c))) for c in cols] + (ratio if rp else ['', '']))
        lines += ['', 'userspace round trips (mkrtt), microseconds:']
        lines += ['  ' + l for l in text_table(
            ['size', 'transport', 'status', 'p50', 'p90', 'p99', 'p99.9', 'max',
             'p50/pipe', 'p99/pipe'], rows)]
    else:
        lines += ['', 'rtt-user: not in the log, skipped']
    if not s.get('rtt-user-cdf'):
        lines += ['rtt-user-cdf: not in the log, skipped']
    return lines


def history_dir(run):
    cache = os.environ.get('MK_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache'),
        'mkvring')
    return os.path.join(cache, 'bench-history', os.path.basename(os.path.normpath(run)))


def same_csvs(a, b):
    names = [f'{n}.csv' for n, _ in SECTIONS]
    for n in names:
        pa, pb = os.path.join(a, n), os.path.join(b, n)
        if os.path.exists(pa) != os.path.exists(pb):
            return False
        if os.path.exists(pa):
            with open(pa, 'rb') as fa, open(pb, 'rb') as fb:
                if fa.read() != fb.read():
                    return False
    return True


def main(argv):
    ap = argparse.ArgumentParser(
        prog='bench-report.py', usage='%(prog)s [OPTIONS] RUN_DIR',
        description=__doc__.split('\n', 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('run', metavar='RUN_DIR')
    ap.add_argument('--prev', metavar='DIR', help='compare with the CSVs in DIR')
    ap.add_argument('--no-store', action='store_true', help='do not add to the history')
    ap.add_argument('--no-plots', action='store_true', help='CSV and text only')
    ap.add_argument('--brief', action='store_true',
                    help='print only targets, regressions and paths')
    ap.add_argument('--threshold', type=float, default=10.0, metavar='P',
                    help='percent for the worse that is a regression (default 10)')
    a = ap.parse_args(argv)

    text = ''
    found = False
    for name in ('ktap.log', 'console.log'):
        try:
            with open(os.path.join(a.run, name), errors='replace') as f:
                text += f.read() + '\n'
            found = True
        except OSError:
            pass
    if not found:
        print(f'bench-report: no ktap.log or console.log in {a.run}', file=sys.stderr)
        return 1
    s = parse(text)
    out = os.path.join(a.run, 'report')
    os.makedirs(out, exist_ok=True)
    for name, fields in SECTIONS:
        path = os.path.join(out, f'{name}.csv')
        if s.get(name):
            write_csv(path, fields or list(s[name][0].keys()), s[name])
        elif os.path.exists(path):
            os.remove(path)     # not this run's: it must not be compared

    hist = history_dir(a.run)
    prev_dir, stored = a.prev, None
    if not prev_dir and os.path.isdir(hist):
        entries = sorted(e for e in os.listdir(hist) if os.path.isdir(os.path.join(hist, e)))
        # Run twice on one log: the entry it stored is not its previous run.
        while entries and same_csvs(out, os.path.join(hist, entries[-1])):
            stored = os.path.join(hist, entries.pop())
        prev_dir = os.path.join(hist, entries[-1]) if entries else None
    change, regs = [], []
    if prev_dir:
        prev = {n: read_csv(os.path.join(prev_dir, f'{n}.csv')) for n, _ in SECTIONS}
        change, regs = changes(s, prev, a.threshold)

    tgt = targets(s)
    report = [f'benchmark report of {a.run}', ''] + tables(s)
    report += ['', 'targets (issue: performance a user can see):'] + ['  ' + l for l in tgt]
    report += ['', f'change against {prev_dir}:' if prev_dir else
               'change: no previous run to compare with']
    report += ['  ' + l for l in change] or (['  no row in common'] if prev_dir else [])
    with open(os.path.join(out, 'bench.txt'), 'w') as f:
        f.write('\n'.join(report) + '\n')

    if a.no_plots:
        pl, why = None, 'not asked for (--no-plots)'
    else:
        pl, why = plots(s, out)

    if a.brief:
        print('targets (issue: performance a user can see):')
        for l in tgt:
            print('  ' + l)
        if prev_dir:
            print(f'regressions against {prev_dir} (worse by more than {a.threshold:g}%):')
            for l in regs or ['none']:
                print('  ' + l)
    else:
        print('\n'.join(report))
    have = [f'{n}.csv' for n, _ in SECTIONS if s.get(n)]
    print(f'report: {out}/bench.txt' + (f' and {", ".join(have)}' if have else ', no CSV'))
    print(f'plots: {", ".join(p + ".png/.svg" for p in pl)}' if pl else
          f'plots skipped: {why}')

    if a.no_store:
        pass
    elif stored:
        print(f'already in the history as {stored}: not stored again')
    elif any(s.get(n) for n, _ in SECTIONS):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
        dest = os.path.join(hist, stamp)
        os.makedirs(dest, exist_ok=True)
        for n, _ in SECTIONS:
            if s.get(n):
                shutil.copy(os.path.join(out, f'{n}.csv'), dest)
        print(f'stored: {dest}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
