#!/usr/bin/env python3
"""Checks that Cargo.toml's rust-version is true for the core: no
dependency the core builds (with the lockfile's versions) declares a higher
one. Prints what each feature needs, for the crate docs and the README.
Clippy's incompatible_msrv lint checks the crate's own code against it.

Usage: python3 .ci/msrv.py"""
import json
import re
import subprocess
import sys

FEATURES = ["", "store", "redb", "redis", "postgres", "sqlite", "tower", "axum", "actix",
            "encrypt", "tracing", "test-util", "cli", "zstd"]


def version(text):
    return tuple(int(x) for x in (text.split(".") + ["0", "0"])[:3])


meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"],
    capture_output=True, text=True, check=True).stdout)
declared = {(p["name"], p["version"]): p.get("rust_version") for p in meta["packages"]}
root = next(p for p in meta["packages"] if p["id"] == meta["resolve"]["root"])
features = set(root["features"])


def needs(feature):
    args = ["cargo", "tree", "--locked", "-e", "normal", "--prefix", "none", "-f", "{p}",
            "--no-default-features"]
    if feature:
        args += ["--features", feature]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    best, who = (0, 0, 0), None
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        rv = declared.get((parts[0], parts[1].lstrip("v")))
        if rv and parts[0] != root["name"] and version(rv) > best:
            best, who = version(rv), parts[0]
    return best, who


ours = version(root["rust_version"])
status = 0
for feature in FEATURES:
    if feature and feature not in features:
        continue
    best, who = needs(feature)
    shown = ".".join(map(str, best[:2]))
    print("%-10s needs Rust %s (%s)" % (feature or "core", shown, who))
    if not feature and best > ours:
        print("rust-version %s is below what the core needs" % root["rust_version"])
        status = 1
sys.exit(status)
