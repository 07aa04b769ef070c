#!/usr/bin/env python3
"""Turns the medians of the last `cargo bench --bench engine` run into the
ratio tables of BENCHMARKS.md. Reads target/criterion/*/*/new/estimates.json.

    python3 benches/support/table.py [TARGET_DIR]
"""
import json
import os
import sys

root = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "target", "criterion")

COOKIEMAN = {  # session: (payload bytes, encode us, decode us), corpus README
    "tiny_login": (156, 104, 8),
    "cart_20": (608, 563, 44),
    "cart_60": (1208, 780, 67),
    "oidc_tokens": (1812, 1220, 54),
    "wizard_form": (4372, 3581, 57),
    "random_blob_6k": (6140, 9410, 66),
}


def median_ns(group, name):
    path = os.path.join(root, group, name, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def us(ns):
    return f"{ns / 1000:.2f}" if ns < 10_000 else f"{ns / 1000:.1f}"


def mark(ok):
    return "met" if ok else "**not met**"


print("| session | save µs | floor_save µs | save/floor (≤1.3) | load µs | floor_load µs "
      "| load/floor (≤1.2) | peer save µs | peer load µs | cookieman enc/dec µs "
      "| speedup save (≥10) | speedup load (≥5) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for s, (_, enc, dec) in COOKIEMAN.items():
    save, fsave = median_ns(s, "save"), median_ns(s, "floor_save")
    load, fload = median_ns(s, "load"), median_ns(s, "floor_load")
    psave, pload = median_ns(s, "peer_save"), median_ns(s, "peer_load")
    rs, rl = save / fsave, load / fload
    ss, sl = enc * 1000 / save, dec * 1000 / load
    print(f"| {s} | {us(save)} | {us(fsave)} | {rs:.2f} {mark(rs <= 1.3)} | {us(load)} "
          f"| {us(fload)} | {rl:.2f} {mark(rl <= 1.2)} | {us(psave)} | {us(pload)} "
          f"| {enc} / {dec} | {ss:.0f}x {mark(ss >= 10)} | {sl:.1f}x {mark(sl >= 5)} |")

print()
cold, ident, cached = (median_ns("ua_lookup", n) for n in ("cold", "cold_identify_only", "cached"))
print("| UA lookup | ns |")
print("|---|---|")
print(f"| cold (identify + DB lookup, no cache) | {cold:.0f} |")
print(f"| cold, `identify` alone | {ident:.0f} |")
print(f"| cached hit (target < 100 ns) | {cached:.1f} {mark(cached < 100)} |")

print()
print("| shrink case | shrink save µs | plain save of the kept data µs | ratio (< 15) |")
print("|---|---|---|---|")
for case in ("remove", "trim"):
    try:
        t, p = median_ns("shrink", case), median_ns("shrink", f"{case}_plain_save")
    except FileNotFoundError:
        continue
    print(f"| {case} | {us(t)} | {us(p)} | {t / p:.1f} {mark(t / p < 15)} |")
