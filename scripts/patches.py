#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""patches.py OUTDIR: write the project as a patch series against v6.12.

The series is described by scripts/series/: one file per patch, in order,
naming the hooks (scripts/hooks/NNNN-*.patch) and the repository files
(globs) it adds, then "---" and its commit message (a hook-only patch
takes the hook's own message); scripts/series/cover is the cover letter.
Every file under arch/ kernel/ drivers/ include/ Documentation/ and
tools/multikernel/ (and the top-level Kconfig, which is
Kconfig.multikernel in the tree) belongs to one patch: the last one whose
globs match it (so the tests' patch takes *_kunit.c out of the
directories that earlier patches add whole).

A patch holds the final content of its files, except the kbuild files and
the MAINTAINERS entry, which grow with the series: at each step a Makefile
keeps only the objects and directories that exist, a Kconfig drops the
"source" of a file that is not there yet and the options whose code is not
there yet (an option is code's when a Makefile names CONFIG_<option>), and
MAINTAINERS lists the files added so far. So every step builds, and the
last step is exactly the tree that scripts/prepare-tree.sh builds.

The series is committed in a scratch repository holding only the files it
touches, pristine copies from the unpacked source first, and written with
git format-patch --cover-letter.
"""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OWNED_DIRS = ('arch/', 'kernel/', 'drivers/', 'include/', 'Documentation/',
              'tools/multikernel/')
KCONFIG_TOP = 'Kconfig.multikernel'
MAINT_TITLE = 'MULTIKERNEL VRING TRANSPORT'


def die(msg):
    sys.exit('[mk] error: patches: ' + msg)


def git(args, cwd, env=None, inp=None):
    r = subprocess.run(['git'] + args, cwd=cwd, env=env, input=inp,
                       capture_output=True, text=True)
    if r.returncode:
        die('git %s: %s' % (' '.join(args), r.stderr.strip()))
    return r.stdout


def repo_files():
    out = git(['ls-files'], ROOT).split('\n')
    return sorted(f for f in out if f.startswith(OWNED_DIRS) or f == 'Kconfig')


def tree_path(f):
    return KCONFIG_TOP if f == 'Kconfig' else f


def read_series():
    sdir = os.path.join(ROOT, 'scripts', 'series')
    steps = []
    for name in sorted(os.listdir(sdir)):
        if name == 'cover':
            continue
        text = open(os.path.join(sdir, name)).read()
        head, _, msg = text.partition('\n---\n')
        step = {'name': name, 'hooks': [], 'globs': [], 'msg': msg.strip()}
        for line in head.splitlines():
            key, _, val = line.partition(':')
            if key == 'hooks':
                step['hooks'] += val.split()
            elif key == 'files':
                step['globs'] += val.split()
            elif line.strip() and not line.startswith('#'):
                die('%s: cannot read "%s"' % (name, line))
        steps.append(step)
    cover = open(os.path.join(sdir, 'cover')).read().strip()
    return steps, cover


def hook_file(num):
    hdir = os.path.join(ROOT, 'scripts', 'hooks')
    for h in sorted(os.listdir(hdir)):
        if h.startswith(num + '-'):
            return os.path.join(hdir, h)
    die('no hook %s' % num)


def hook_message(path):
    text = open(path).read()
    msg = re.split(r'^--- a/', text, maxsplit=1, flags=re.M)[0]
    if not msg.startswith('Subject: '):
        die('%s has no Subject line' % path)
    return msg[len('Subject: '):].strip()


def hook_part(path, target):
    """The hunks of hook @path for file @target."""
    parts = re.split(r'^(?=--- a/)', open(path).read(), flags=re.M)[1:]
    for part in parts:
        if re.search(r'^\+\+\+ b/%s\s' % re.escape(target), part, flags=re.M):
            return part
    die('%s does not touch %s' % (path, target))


def hook_targets(path):
    return re.findall(r'^\+\+\+ b/(\S+)', open(path).read(), flags=re.M)


# Makefiles ----------------------------------------------------------------

def logical_lines(text):
    """(physical lines, joined text) of each logical line of a Makefile."""
    out, cur = [], []
    for line in text.split('\n'):
        cur.append(line)
        if not line.endswith('\\'):
            out.append((cur, ' '.join(c.rstrip('\\').strip() for c in cur)))
            cur = []
    if cur:
        out.append((cur, ' '.join(cur)))
    return out


ASSIGN = re.compile(r'^(\S+)\s*(\+=|:=|=)\s*(.*)$')


def filter_makefile(path, text, exists, ours_only=False):
    """Drop objects and directories that do not exist at this step."""
    d = os.path.dirname(path)
    lines = logical_lines(text)

    def present(item, composites):
        if item.endswith('/'):
            return exists(os.path.join(d, item), True)
        if item.endswith('.o'):
            base = os.path.join(d, item[:-2])
            return (exists(base + '.c') or exists(base + '.S') or
                    item[:-2] in composites)
        return True

    def is_objlist(var):
        return (var.startswith('obj-') or var.startswith('lib-') or
                re.match(r'^[\w-]+-(y|objs|\$\(.*\))$', var))

    def reduce(composites):
        kept, comps = [], set()
        for phys, joined in lines:
            m = ASSIGN.match(joined)
            if ours_only and 'MULTIKERNEL' not in joined:
                m = None
            if not m or not is_objlist(m.group(1)):
                kept.append((phys, joined, None))
                continue
            var, op, items = m.groups()
            items = items.split()
            left = [i for i in items if present(i, composites)]
            if not left:
                kept.append((phys, joined, []))
                continue
            if not var.startswith('obj-'):
                comps.add(re.sub(r'-(y|objs|\$\(.*\))$', '', var))
            kept.append((phys, joined, None if left == items else
                         (var, op, left)))
        return kept, comps

    # Composite objects exist when one of their parts does: iterate.
    comps = set()
    while True:
        kept, new = reduce(comps)
        if new == comps:
            break
        comps = new
    out, skip_blank = [], False
    for phys, joined, change in kept:
        if skip_blank and joined == '':
            skip_blank = False
            continue
        skip_blank = False
        if change == []:
            # The line goes, and the comment that introduced it, and a
            # blank line that would double the one before it.
            while out and out[-1].startswith('#') and not out[-1].startswith('# SPDX'):
                out.pop()
            skip_blank = not out or out[-1] == ''
            continue
        if change is None:
            out += phys
        else:
            var, op, items = change
            out.append('%s %s %s' % (var, op, ' '.join(items)))
    return '\n'.join(out)


def makefile_refs(text):
    """CONFIG_ symbols named by object lines that survive."""
    return set(re.findall(r'CONFIG_(\w+)', text))


# Kconfig --------------------------------------------------------------------

BLOCK_END = re.compile(r'^(config|menuconfig|menu|endmenu|if|endif|source|'
                       r'choice|endchoice|comment|mainmenu)\b')


def filter_kconfig(text, exists, dropped_syms):
    out = []
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r'^source\s+"([^"]+)"', line)
        if m and not exists(m.group(1)):
            i += 1
            if i < len(lines) and not lines[i].strip() and out and not out[-1].strip():
                i += 1
            continue
        m = re.match(r'^(?:menu)?config\s+(\w+)', line)
        if m and m.group(1) in dropped_syms:
            i += 1
            while i < len(lines) and not BLOCK_END.match(lines[i]):
                i += 1
            if out and not out[-1].strip():
                out.pop()
            continue
        out.append(line)
        i += 1
    return '\n'.join(out)


# MAINTAINERS ----------------------------------------------------------------

def maintainers(pristine, paths, who):
    entry = [MAINT_TITLE, 'M:\t' + who, 'L:\tlinux-kernel@vger.kernel.org',
             'S:\tMaintained']
    # A directory with subdirectories is listed by its files and its
    # subdirectories, so that every patch that adds one says so.
    roots = {'arch/x86/multikernel/': False, 'kernel/multikernel/': True,
             'drivers/multikernel/': True, 'include/linux/multikernel/': False,
             'include/uapi/linux/multikernel/': False,
             'Documentation/multikernel/': False, 'tools/multikernel/': True}
    pats = set()
    for p in paths:
        root = next((r for r in roots if p.startswith(r)), None)
        if root is None:
            pats.add(p)
        elif not roots[root] or '/' not in p[len(root):]:
            pats.add(root if not roots[root] else p)
        else:
            pats.add(root + p[len(root):].split('/')[0] + '/')
    if not pats:
        return pristine
    entry += ['F:\t' + p for p in sorted(pats)]
    lines = pristine.split('\n')
    # Sections are in alphabetical order after the preamble; find ours.
    start = next(i for i, l in enumerate(lines) if l == '3C59X NETWORK DRIVER')
    at = next(i for i in range(start, len(lines))
              if lines[i] and not lines[i].startswith(('\t', ' ')) and
              lines[i - 1] == '' and lines[i].upper() > MAINT_TITLE and
              re.match(r'^[A-Z0-9]', lines[i]))
    return '\n'.join(lines[:at] + entry + [''] + lines[at:])


# The series -------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        die('usage: patches.py OUTDIR')
    outdir = os.path.abspath(sys.argv[1])
    src = os.environ.get('MK_SRC') or die('MK_SRC not set')
    orig = os.path.join(src, '.mk-orig')
    steps, cover = read_series()

    files = repo_files()
    owner, exact = {}, set()
    for k, s in enumerate(steps):
        for g in s['globs']:
            hit = [f for f in files if fnmatch.fnmatchcase(f, g)]
            if not hit:
                die('%s: "%s" matches no file' % (s['name'], g))
            for f in hit:
                # A later patch's glob takes a file from an earlier one's
                # wildcard (the tests out of their directories).
                if f in exact and f == g:
                    die('%s is in %s and %s' % (f, steps[owner[f]]['name'],
                                                s['name']))
                if f == g:
                    exact.add(f)
                owner[f] = k
    lost = [f for f in files if f not in owner]
    if lost:
        die('in no patch of scripts/series/: ' + ' '.join(lost))

    hooked = {}
    for k, s in enumerate(steps):
        for h in s['hooks']:
            for t in hook_targets(hook_file(h)):
                hooked.setdefault(t, []).append((h, k))

    def pristine(path):
        for p in (os.path.join(orig, path), os.path.join(src, path)):
            if os.path.isfile(p):
                return open(p, encoding='utf-8', errors='surrogateescape').read()
        return None

    name = git(['config', 'user.name'], ROOT).strip()
    email = git(['config', 'user.email'], ROOT).strip()
    who = '%s <%s>' % (name, email)

    # The final content of every file the series adds or hooks.
    final = {tree_path(f): open(os.path.join(ROOT, f), encoding='utf-8',
                                errors='surrogateescape').read() for f in files}
    touched = sorted(set(final) | set(hooked) | {'MAINTAINERS'})
    # The unpacked tree holds our files too (the overlay): only hooked
    # files have a pristine version.
    base = {p: None if p in final else pristine(p) for p in touched}
    for p in set(hooked) | {'MAINTAINERS'}:
        if base[p] is None:
            die('%s is not in %s' % (p, src))

    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, 'series')
        os.makedirs(repo)
        env = dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
                   GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email)
        git(['init', '-q'], repo)

        def write_tree(content):
            for p in touched:
                full = os.path.join(repo, p)
                if content.get(p) is None:
                    if os.path.exists(full):
                        os.remove(full)
                    continue
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, 'w', encoding='utf-8',
                          errors='surrogateescape') as fh:
                    fh.write(content[p])
                if p.startswith('tools/') and os.access(
                        os.path.join(ROOT, p), os.X_OK):
                    os.chmod(full, 0o755)
            git(['add', '-A'], repo)

        write_tree(base)
        git(['commit', '-q', '-m', 'v6.12'], repo, env)
        for k, s in enumerate(steps):
            content = step_content(k, steps, owner, final, base, hooked,
                                   touched, who, tmp)
            write_tree(content)
            msg = s['msg'] or hook_message(hook_file(s['hooks'][0]))
            msg += '\n\nSigned-off-by: %s\n' % who
            if not git(['status', '--porcelain'], repo).strip():
                die('%s changes nothing: %s' % (s['name'], sorted(f for f, o in owner.items() if o == k)))
            git(['commit', '-q', '-F', '-'], repo, env, inp=msg)

        # The last step must be what the build uses.
        for p in touched:
            want = final.get(p)
            if p in hooked:
                want = apply_hooks(base[p], [h for h, _ in hooked[p]], p, tmp)
            if p == 'MAINTAINERS':
                continue
            have = os.path.join(repo, p)
            if open(have, encoding='utf-8', errors='surrogateescape').read() != want:
                die('the last step differs from the tree in ' + p)

        os.makedirs(outdir, exist_ok=True)
        for old in os.listdir(outdir):
            if old.endswith('.patch'):
                os.remove(os.path.join(outdir, old))
        git(['format-patch', '-q', '--cover-letter', '-o', outdir,
             '--subject-prefix=PATCH', 'HEAD~%d' % len(steps)], repo, env)
    cl = os.path.join(outdir, '0000-cover-letter.patch')
    subject, _, blurb = cover.partition('\n\n')
    text = open(cl).read()
    text = text.replace('*** SUBJECT HERE ***', subject)
    text = text.replace('*** BLURB HERE ***', blurb.strip())
    open(cl, 'w').write(text)
    print(outdir)


def apply_hooks(text, hooks, path, tmp):
    """@text with the hunks of @hooks for @path applied, in order."""
    work = os.path.join(tmp, 'hookwork')
    full = os.path.join(work, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'w', encoding='utf-8', errors='surrogateescape') as fh:
        fh.write(text)
    for h in sorted(hooks):
        r = subprocess.run(['patch', '-d', work, '-p1', '-s', '-f',
                            '--no-backup-if-mismatch'],
                           input=hook_part(hook_file(h), path),
                           capture_output=True, text=True)
        if r.returncode:
            die('hook %s does not apply to %s on its own: %s' %
                (h, path, r.stdout + r.stderr))
    out = open(full, encoding='utf-8', errors='surrogateescape').read()
    os.remove(full)
    return out


def step_content(k, steps, owner, final, base, hooked, touched, who, tmp):
    content = dict(base)
    for f, o in owner.items():
        if o <= k:
            content[tree_path(f)] = final[tree_path(f)]
    for p, hs in hooked.items():
        mine = [h for h, s in hs if s <= k]
        if mine:
            content[p] = apply_hooks(base[p], mine, p, tmp)

    def exists(p, is_dir=False):
        p = os.path.normpath(p)
        if is_dir:
            if any(q.startswith(p + '/') and content.get(q) is not None
                   for q in content):
                return True
            return (not any(q.startswith(p + '/') for q in content) and
                    os.path.isdir(os.path.join(os.environ['MK_SRC'], p)))
        if p in content:
            return content[p] is not None
        return os.path.exists(os.path.join(os.environ['MK_SRC'], p))

    def is_make(p):
        return os.path.basename(p) in ('Makefile', 'Kbuild')

    def is_kconfig(p):
        return os.path.basename(p).startswith('Kconfig')

    # Makefiles first: which options still have code decides the Kconfigs.
    all_refs, live_refs = set(), set()
    for p in touched:
        if not is_make(p):
            continue
        if p in hooked:
            full = apply_hooks(base[p], [h for h, _ in hooked[p]], p, tmp)
        else:
            full = final.get(p)
        all_refs |= makefile_refs(full or '')
    for p in touched:
        if content.get(p) is not None and is_make(p):
            # In the kernel's own Makefiles, only the lines a hook adds.
            content[p] = filter_makefile(p, content[p], exists,
                                         p in hooked and base[p] is not None)
            live_refs |= makefile_refs(content[p])
    dropped = all_refs - live_refs
    for p in touched:
        if content.get(p) is not None and is_kconfig(p):
            content[p] = filter_kconfig(content[p], exists, dropped)
    added = [p for p in touched if content.get(p) is not None and base.get(p) is None]
    content['MAINTAINERS'] = maintainers(base['MAINTAINERS'], added, who)
    return content


if __name__ == '__main__':
    main()
