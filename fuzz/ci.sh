#!/usr/bin/env bash
# Builds every fuzz target with cargo-fuzz (nightly) and replays the
# committed seeds and regression inputs through each target binary once
# (-runs=0). Exits non-zero if a build fails or any input crashes, leaks or
# times out. Takes a few minutes, most of it the build.
#
# Needs a nightly toolchain (cargo-fuzz builds with sanitizers); installs
# cargo-fuzz from crates.io when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz/ci.sh: a nightly toolchain is required (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
cargo fuzz --version

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
triple="$(rustc +nightly -vV | sed -n 's/^host: //p')"
bin_dir="$target_dir/$triple/release"

echo "== building the fuzz targets"
cargo +nightly fuzz build --target-dir "$target_dir"

status=0
for target in $(cargo fuzz list); do
    inputs=()
    for dir in "seeds/$target" "regressions/$target"; do
        if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
            inputs+=("$dir")
        fi
    done
    if [ ${#inputs[@]} -eq 0 ]; then
        echo "== $target: no committed inputs" >&2
        status=1
        continue
    fi
    echo "== $target: replaying ${inputs[*]}"
    # -runs=0: execute each input once, then stop. A crash, a leak or a
    # 10-second hang on one input makes libFuzzer exit non-zero.
    if ! "$bin_dir/$target" -runs=0 -timeout=10 -rss_limit_mb=2048 "${inputs[@]}" \
        >"$target_dir/ci-$target.log" 2>&1; then
        cat "$target_dir/ci-$target.log" >&2
        echo "== $target: FAILED" >&2
        status=1
    else
        grep -E "INITED|DONE" "$target_dir/ci-$target.log" || true
    fi
done
exit $status
