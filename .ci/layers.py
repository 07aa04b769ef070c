#!/usr/bin/env python3
"""Checks that imports between the files of src/ run one way, bottom to top,
and that no files import each other in a circle.

Each file belongs to a layer (the table below, by path prefix). A file may
use names from its own layer or lower ones, never higher. `crate::` paths
are resolved through the re-exports of src/lib.rs (a name the root
re-exports counts as the file it comes from), and `super::` paths are
resolved too, so neither hides an upward import. Exit 1 on any violation,
or on a file that no layer claims.

Circles are found as ../shared/tools/circles.py finds them (a `crate::`
path ties to the deepest file it names, so a re-export through a mod.rs
ties to that mod.rs), with `super::` paths added.

Usage: python3 .ci/layers.py [SRC_DIR]"""
import os
import re
import sys

# Bottom to top. Earlier prefixes win, so list a folder's exceptions first.
LAYERS = [
    ("error", ["error", "store/error"]),
    ("data", ["data"]),
    ("browser and codec", ["browser", "codec"]),
    ("fit", ["fit"]),
    ("store", ["store"]),
    ("session state", ["session"]),
    ("engine", ["engine"]),
    ("handle", ["handle", "typed", "flash"]),
    ("integrations", ["integrations"]),
    ("test-util", ["testing"]),
    ("cli", ["cli"]),
    ("crate root", [""]),
]

src = sys.argv[1] if len(sys.argv) > 1 else "src"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


files = {}
for root, _, names in os.walk(src):
    for n in names:
        if n.endswith(".rs"):
            path = os.path.join(root, n)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[0] == "bin":
                continue
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel == ["lib"]:
                rel = []
            files[tuple(rel)] = path


def layer_of(mod):
    name = "/".join(mod)
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if p == "" and name == "":
                return i
            if p and (name == p or name.startswith(p + "/")):
                return i
    return None


def expand(prefix, rest):
    if "{" in rest:
        head, inner = rest.split("{", 1)
        inner = inner.rsplit("}", 1)[0]
        depth, cur, items = 0, "", []
        for ch in inner:
            if ch == "," and depth == 0:
                items.append(cur)
                cur = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            cur += ch
        items.append(cur)
        for it in items:
            if it:
                yield from expand(prefix + [p for p in head.split("::") if p], it)
    else:
        yield prefix + [p for p in rest.split(" as ")[0].split("::") if p]


def uses(text, root):
    """Paths used under `root` (crate or super), as lists of segments."""
    out = []
    for m in re.finditer(r"\buse\s+" + root + r"::([^;]+);", text):
        out += list(expand([], re.sub(r"\s+", "", m.group(1))))
    rest = re.sub(r"\buse\s+" + root + r"::[^;]+;", "", text)
    for m in re.finditer(r"\b" + root + r"((?:::\w+)+)", rest):
        out.append([p for p in m.group(1).split("::") if p])
    return [[p for p in parts if p != "self"] for parts in out]


# The root's re-exports: name -> module path it comes from.
lib = strip_comments(open(files[()], encoding="utf-8").read())
reexports = {}
for m in re.finditer(r"\bpub\s+use\s+([^;]+);", lib):
    for parts in expand([], re.sub(r"\s+", "", m.group(1))):
        if parts and parts[0] == "crate":
            parts = parts[1:]
        if parts:
            reexports[parts[-1]] = parts[:-1]


def resolve(parts):
    """The deepest file a `crate::` path names."""
    if parts and parts[0] in reexports:
        parts = reexports[parts[0]] + parts
    for k in range(len(parts), -1, -1):
        if tuple(parts[:k]) in files:
            return tuple(parts[:k])
    return None


def deepest(parts):
    """The deepest file a path names, without following re-exports."""
    for k in range(len(parts), -1, -1):
        if tuple(parts[:k]) in files:
            return tuple(parts[:k])
    return None


violations, unclaimed = [], []
edges = {}
for mod, path in sorted(files.items()):
    mine = layer_of(mod)
    if mine is None:
        unclaimed.append(path)
        continue
    text = strip_comments(open(path, encoding="utf-8").read())
    # super:: names the module's parent; inside an inline module (tests)
    # it names the file's own module, which is no import at all.
    outer = re.split(r"\bmod\s+\w+\s*\{", text, maxsplit=1)[0]
    paths = uses(text, "crate") + [list(mod[:-1]) + p for p in uses(outer, "super")]
    for parts in paths:
        tie = deepest(parts)
        if tie is not None and tie != mod:
            edges.setdefault(mod, set()).add(tie)
        dest = resolve(parts)
        if dest is None or dest == mod:
            continue
        theirs = layer_of(dest)
        if theirs is not None and theirs > mine:
            violations.append(
                "%s (%s) uses %s (%s): %s"
                % (path, LAYERS[mine][0], files[dest], LAYERS[theirs][0], "::".join(parts))
            )

# Circles: strongly connected groups of files (Tarjan).
index, low, stack, on, circles = {}, {}, [], set(), []


def strong(v, counter=[0]):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            circles.append(sorted(files[m] for m in comp))


sys.setrecursionlimit(10000)
for m in sorted(files):
    if m not in index:
        strong(m)

for c in circles:
    print("import circle: " + " <-> ".join(c))
for v in sorted(set(violations)):
    print("upward import: " + v)
for u in unclaimed:
    print("no layer claims " + u)
print("%d upward imports, %d circles, %d unclaimed files"
      % (len(set(violations)), len(circles), len(unclaimed)))
sys.exit(1 if violations or unclaimed or circles else 0)
