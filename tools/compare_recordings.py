#!/usr/bin/env python3
"""Field by field: every bundled scenario's normalised recording from two builds of hooktape
(before and after a refactor), both run with `hooktape run --format json`, each in its own
checkout. Prints how many recordings are identical and, for the others, the first differing
fields.

    python3 tools/compare_recordings.py OLD_BIN OLD_CHECKOUT NEW_BIN NEW_CHECKOUT

e.g. `git worktree add /tmp/old <rev>`, `CARGO_TARGET_DIR=/tmp/old-target cargo build` there,
then `python3 tools/compare_recordings.py /tmp/old-target/debug/hooktape /tmp/old
target/debug/hooktape .`"""
import json, subprocess, sys, os
old_bin, old_root, new_bin, new_root = sys.argv[1:5]
names = []
for d, _, fs in os.walk(os.path.join(new_root, 'scenarios')):
    for f in fs:
        if f.endswith('.toml'):
            names.append(os.path.relpath(os.path.join(d, f), new_root))
names.sort()
def rec(binary, root, name, new=True):
    out = subprocess.run([binary, 'run', '--format', 'json', name], cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        return ('error', out.stderr.strip()[:300])
    doc = json.loads(out.stdout)
    return doc[0]['recording'] if new else doc
def story_order(rec):
    """A tool call's place in the timeline is a format choice (where it is recorded: when it
    starts or when it ends); what it holds is not. Tool calls are compared by
    (thread, call id), the rest of the timeline in order."""
    if not isinstance(rec, dict) or 'timeline' not in rec:
        return rec
    rec = dict(rec)
    rec_timeline = rec['timeline']
    calls = {}
    rest = []
    for e in rec['timeline']:
        if e.get('kind') == 'tool_call':
            calls[f"{e['thread_id']}/{e['call_id']}"] = e
        else:
            rest.append(e)
    rec['timeline'] = rest
    rec['tool_calls'] = calls
    rec['tool_call_entries'] = sum(1 for e in rec_timeline if e.get('kind') == 'tool_call')
    return rec
def diff(a, b, path=''):
    if type(a) != type(b):
        return [f'{path}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}']
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f'{path}/{k}: only in {"new" if k in b else "old"}')
            else:
                out += diff(a[k], b[k], f'{path}/{k}')
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f'{path}: {len(a)} items != {len(b)} items']
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f'{path}/{i}')]
    return [] if a == b else [f'{path}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}']
same = 0; fields = 0; differing = []
def count(v):
    if isinstance(v, dict): return sum(count(x) for x in v.values())
    if isinstance(v, list): return sum(count(x) for x in v)
    return 1
for n in names:
    a = story_order(rec(old_bin, old_root, n, True)); b = story_order(rec(new_bin, new_root, n, True))
    d = diff(a, b)
    fields += count(b)
    if d: differing.append((n, d[:5]))
    else: same += 1
print(f'{len(names)} scenarios, {fields} leaf fields compared: {same} recordings identical, {len(differing)} differ')
for n, d in differing:
    print(' ', n); [print('    ', x) for x in d]
