#!/usr/bin/env bash
# Installs dependencies, builds nmc and runs the whole default test suite:
#  1. Release build (with the CUDA backend when nvcc is present) + ctest
#     (labels slow and reference are excluded: they need hours or the Python venv);
#  2. AddressSanitizer + UndefinedBehaviorSanitizer build + ctest;
#  3. clang/libFuzzer build; the fuzz targets run for a bounded time.
# Set NMC_SKIP_SANITIZE=1 or NMC_SKIP_FUZZ=1 to skip 2 or 3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash tools/setup/install_deps.sh
jobs=$(nproc)
exclude='slow|reference'

echo "== release build"
bash tools/setup/build.sh build/release
(cd build/release && ctest --output-on-failure -j "$jobs" -LE "$exclude")

if [ "${NMC_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== sanitizer build (address, undefined)"
  bash tools/setup/build.sh build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNMC_SANITIZE=ON \
    -DNMC_WITH_CUDA=OFF -DNMC_BUILD_BENCH=OFF
  (cd build/sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$jobs" -LE "$exclude")
fi

if [ "${NMC_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz build (clang, libFuzzer)"
  CC=clang CXX=clang++ NMC_TARGETS=nmc_fuzzers bash tools/setup/build.sh build/fuzz -DNMC_BUILD_FUZZERS=ON \
    -DNMC_WITH_CUDA=OFF -DNMC_BUILD_BENCH=OFF
  (cd build/fuzz && ctest --output-on-failure -L fuzz)
fi
echo "== all test stages passed"
