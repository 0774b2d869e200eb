#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure (Ninja, Release unless overridden) and build.
set -euo pipefail
dir=$1; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >"$dir.configure.log" 2>&1 \
  || { cat "$dir.configure.log"; exit 1; }
grep -E '^-- nmc:' "$dir.configure.log" || true
cmake --build "$dir" -j "$(nproc)"
