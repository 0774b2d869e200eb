#!/usr/bin/env bash
# Installs the classical image codecs that bench/image/rd_bench.py compares nmc against
# (Debian 12 package names; run as root or with sudo):
#   libjpeg-turbo-progs -> cjpeg / djpeg      (libjpeg-turbo 2.1.5)
#   webp                -> cwebp / dwebp      (libwebp 1.2.4)
#   libavif-bin         -> avifenc / avifdec  (libavif 0.11.1, libaom encoder, dav1d decoder)
#   libjxl-tools        -> cjxl / djxl        (libjxl 0.7.0)
# The Python side of the benchmark (numpy, Pillow, matplotlib, torch, pytorch_msssim) is
# listed in bench/image/README.md and is not installed here.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  libjpeg-turbo-progs webp libavif-bin libjxl-tools >/dev/null
for tool in cjpeg djpeg cwebp dwebp avifenc avifdec cjxl djxl; do
  command -v "$tool" >/dev/null || { echo "missing after install: $tool" >&2; exit 1; }
done
echo "image codec peers installed: cjpeg djpeg cwebp dwebp avifenc avifdec cjxl djxl"
