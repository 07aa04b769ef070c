#!/usr/bin/env bash
# An old tree against this one, in one run: save and load of every corpus
# session, with the `drive` bench binary of each tree.
#
#   bash benches/support/before_after.sh OLD_TREE [ROUNDS] [N]
#
# OLD_TREE is a copy of an older commit (`git archive COMMIT | tar -x -C
# DIR`), built here with its own target directory. Prints two tables:
#
# - instructions per call (callgrind, N and 2N calls, the difference over
#   N, so set-up cancels out): deterministic, whatever else the machine does;
# - wall time per call, interleaved: each round runs the old binary and the
#   new one back to back (alternating which goes first) on the same
#   operation, and the figure is the median over ROUNDS of new/old.
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:?usage: before_after.sh OLD_TREE [ROUNDS] [N]}
rounds=${2:-11}
n=${3:-200}
sessions="tiny_login cart_20 cart_60 oidc_tokens wizard_form random_blob_6k"

build() { # tree -> path of its drive binary
    (cd "$1" && cargo bench --bench drive --no-run >&2)
    ls -t "$1"/target/release/deps/drive-* | grep -v '\.d$' | head -1
}
new_bin=$(build .)
old_bin=$(build "$old")

ir() { # binary op session count
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" "$4" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_call() { # binary op session
    local a b
    a=$(ir "$1" "$2" "$3" "$n")
    b=$(ir "$1" "$2" "$3" $((2 * n)))
    echo $(((b - a) / n))
}
ns_per_call() { # binary op session count
    local start end
    start=$(date +%s%N)
    "$1" "$2" "$3" "$4" >/dev/null
    end=$(date +%s%N)
    echo $(((end - start) / $4))
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "old: $old; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| session | op | old Ir | new Ir | new / old |"
echo "|---|---|---|---|---|"
for s in $sessions; do
    for op in save load; do
        o=$(per_call "$old_bin" "$op" "$s")
        w=$(per_call "$new_bin" "$op" "$s")
        echo "| $s | $op | $o | $w | $(echo "scale=3; $w / $o" | bc) |"
    done
done
echo
echo "| session | op | old ns | new ns | new / old (median of $rounds rounds) |"
echo "|---|---|---|---|---|"
for s in $sessions; do
    for op in save load; do
        # About 0.3 s a run, from a probe of the new binary.
        probe=$(ns_per_call "$new_bin" "$op" "$s" 2000)
        count=$((300000000 / (probe > 0 ? probe : 1)))
        ratios=() olds=() news=()
        for r in $(seq 1 "$rounds"); do
            if [ $((r % 2)) -eq 0 ]; then
                o=$(ns_per_call "$old_bin" "$op" "$s" "$count")
                w=$(ns_per_call "$new_bin" "$op" "$s" "$count")
            else
                w=$(ns_per_call "$new_bin" "$op" "$s" "$count")
                o=$(ns_per_call "$old_bin" "$op" "$s" "$count")
            fi
            olds+=("$o") news+=("$w")
            ratios+=("$(echo "scale=4; $w / $o" | bc)")
        done
        mo=$(printf '%s\n' "${olds[@]}" | median)
        mw=$(printf '%s\n' "${news[@]}" | median)
        mr=$(printf '%s\n' "${ratios[@]}" | median)
        echo "| $s | $op | $mo | $mw | $mr |"
    done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
