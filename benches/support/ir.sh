#!/usr/bin/env bash
# Instructions per operation under callgrind: deterministic, unlike times on
# a shared machine. Runs the `drive` bench binary with N and 2N iterations and
# divides the difference by N, so set-up cancels out.
#
#   cargo bench --bench drive --no-run && bash benches/support/ir.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200}
drive=$(ls -t target/release/deps/drive-* | grep -v '\.d$' | head -1)
ir() { # op session count
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$drive" "$1" "$2" "$3" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_op() { # op session
    local a b
    a=$(ir "$1" "$2" "$n")
    b=$(ir "$1" "$2" $((2 * n)))
    echo $(((b - a) / n))
}
echo "| session | save Ir | floor_save Ir | ratio | load Ir | floor_load Ir | ratio |"
echo "|---|---|---|---|---|---|---|"
for s in tiny_login cart_20 cart_60 oidc_tokens wizard_form random_blob_6k; do
    sv=$(per_op save "$s"); fs=$(per_op floor_save "$s")
    ld=$(per_op load "$s"); fl=$(per_op floor_load "$s")
    echo "| $s | $sv | $fs | $(echo "scale=2; $sv / $fs" | bc) | $ld | $fl | $(echo "scale=2; $ld / $fl" | bc) |"
done
echo
echo "| UA lookup | Ir |"
echo "|---|---|"
n=2000
echo "| cold | $(per_op ua_cold -) |"
echo "| cached | $(per_op ua_cached -) |"
echo
echo "| shrink case | shrink save Ir | plain save Ir | ratio |"
echo "|---|---|---|---|"
n=10
for c in remove trim; do
    sh=$(( $(per_op "shrink_$c" -) - $(per_op "shrink_${c}_setup" -) ))
    pl=$(per_op "shrink_${c}_plain" -)
    echo "| $c | $sh | $pl | $(echo "scale=1; $sh / $pl" | bc) |"
done
