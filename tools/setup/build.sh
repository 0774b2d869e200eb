#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure (Ninja, Release unless overridden) and build
# (only the targets in $NMC_TARGETS when it is set).
set -euo pipefail
dir=$1; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
log="$dir/configure.log"
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -E '^-- nmc:' "$log" || true
if [ -n "${NMC_TARGETS:-}" ]; then
  cmake --build "$dir" -j "$(nproc)" --target ${NMC_TARGETS}
else
  cmake --build "$dir" -j "$(nproc)"
fi
