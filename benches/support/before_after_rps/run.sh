#!/usr/bin/env bash
# Requests per second through axum and actix-web, a tree from before the
# redesign (issue 18; its API: `SessionMiddleware::shared`, one `Engine`
# type) against this one, in one binary:
#
#   bash benches/support/before_after_rps/run.sh OLD_TREE [ROUNDS SECONDS MAX_REQUESTS CONNECTIONS]
#
# Copies `benches/peers` to `benches/peers-ba` (ignored by git), links the
# old tree in as `cookietin_old` (renamed to version 0.0.1 so that both can
# be in one dependency graph), adds `old_apps.rs` to its lib and the
# `before_after` bench, builds and runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
old=$(cd "${1:?usage: run.sh OLD_TREE [ARGS]}" && pwd)
shift
copy="$root/benches/peers-ba"
oldcrate="$root/target/before-after-old"
rm -rf "$copy" "$oldcrate"
mkdir -p "$oldcrate"
(cd "$old" && tar --exclude=./target -cf - .) | tar -xf - -C "$oldcrate"
sed -i 's/^version = "0.1.0"/version = "0.0.1"/' "$oldcrate/Cargo.toml"
cp -r "$root/benches/peers" "$copy"
rm -rf "$copy/target"
sed -i "s|^cookietin = { path = \"../..\".*|&\ncookietin_old = { package = \"cookietin\", path = \"$oldcrate\", features = [\"axum\", \"actix\"] }|" "$copy/Cargo.toml"
printf '\n[[bench]]\nname = "before_after"\nharness = false\n' >> "$copy/Cargo.toml"
cat "$here/old_apps.rs" >> "$copy/src/lib.rs"
cp "$here/before_after.rs" "$copy/benches/"
cd "$copy"
cargo bench --bench before_after -- "$@"
