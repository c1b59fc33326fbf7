#!/usr/bin/env python3
"""Import graph of harness/agent/: one node per module file; an edge A -> B when A names
B through `use super::B`, `use crate::agent::B` or `super::B::` / `crate::agent::B::` in code
(a child module's `use super::*` counts as an edge to its parent). Prints every cycle."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'harness/agent'
mods = {}
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith('.rs'): continue
        path = os.path.join(dirpath, f)
        rel = os.path.relpath(path, root)[:-3]
        name = rel.replace(os.sep, '::')
        if name.endswith('::mod'): name = name[:-5]
        if name == 'mod': name = ''
        mods[name] = open(path).read()
def resolve(cur, ref):
    parts = cur.split('::') if cur else []
    # `super` from a file module: its parent module
    out = parts[:-1] if parts else []
    return out
edges = {m: set() for m in mods}
for m, text in mods.items():
    text = re.sub(r'#\[cfg\(test\)\]\s*mod tests[\s\S]*', '', text) if m != 'loop_tests' else text
    text = re.sub(r'//[^\n]*', '', text)
    if m == 'loop_tests': continue
    parent = '::'.join(m.split('::')[:-1])
    for mm in re.finditer(r'\b(super|crate::agent)::((?:[a-z_]+::)*)([A-Za-z_*{]+)', text):
        base = parent if mm.group(1) == 'super' else ''
        path = [p for p in mm.group(2).split('::') if p]
        target = '::'.join(([base] if base else []) + path + [mm.group(3)])
        # the longest prefix that is a module
        while target not in mods and '::' in target:
            target = target.rsplit('::', 1)[0]
        if target not in mods: target = base if base in mods else ''
        if target != m and target in mods:
            edges[m].add(target)
    # paths relative to the module itself: its children (`session::Agent` in mod.rs)
    for mm in re.finditer(r'(?<![:\w])([a-z_]+)::', text):
        child = (m + '::' if m else '') + mm.group(1)
        if child in mods and child != m:
            edges[m].add(child)
# cycles: Tarjan SCC
index = {}; low = {}; stack = []; on = set(); sccs = []; i = [0]
def strong(v):
    index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index: strong(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(comp)
sys.setrecursionlimit(10000)
for v in edges:
    if v not in index: strong(v)
for v in sorted(edges): print(f"{v or '(mod.rs)'} -> {', '.join(sorted(x or '(mod.rs)' for x in edges[v]))}")
print('cycles:', sccs if sccs else 'none')
sys.exit(1 if sccs else 0)
