#!/usr/bin/env bash
# Creates the Python venv that the reference tests (ctest label `reference`, tests/reference) run with:
# torch, numpy, safetensors, the real CompressAI with its C++ rANS extension (compressai.ans) and Hugging
# Face tokenizers.
#
# Usage: bash tools/reference/setup_venv.sh [VENV_DIR]
#   VENV_DIR defaults to build/reference-venv under the source root, which is where the build looks
#   (cache variable NMC_REFERENCE_PYTHON; configure with -DNMC_REFERENCE_PYTHON=VENV_DIR/bin/python
#   for another folder).
#
# Needs python3 with the venv module and network access to PyPI. System packages (Debian/Ubuntu, not
# installed by this script): apt-get install python3 python3-venv python3-dev g++ (the compiler is only
# used if pip has to build compressai from source). Plain PyPI is used: `pip install torch` fetches the
# default Linux wheel, several GB with its CUDA libraries; a CPU-only torch works just as well.
#
# Idempotent: when VENV_DIR already imports every package it changes nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-$root/build/reference-venv}
# The version the reference results in tests/reference/README.md were measured with.
compressai_spec=${NMC_COMPRESSAI_SPEC:-compressai==1.2.8}
check='import mpmath, numpy, safetensors.numpy, scipy, torch, compressai, compressai.ans, tokenizers, transformers, PIL'

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -W ignore -c "$check" 2>/dev/null; then
  echo "reference venv ready: $venv/bin/python (nothing to do)"
  exit 0
fi

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "python3 lacks the venv module: install python3-venv (apt-get install python3-venv)" >&2
  exit 1
fi
echo "== creating $venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade pip
"$venv/bin/python" -m pip install torch numpy safetensors "$compressai_spec" tokenizers transformers==4.46.1 "pillow<13"
"$venv/bin/python" -W ignore -c "$check; print('reference venv ready: compressai', compressai.__version__, 'torch', torch.__version__)"
