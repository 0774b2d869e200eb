#!/usr/bin/env bash
# Installs everything nmc needs to build, test and run on Debian 12 (run as root).
# The CUDA toolkit is optional: when /usr/local/cuda/bin/nvcc exists the CUDA
# backend is compiled too.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config git ca-certificates \
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev \
  libopencv-dev libpng-dev libssl-dev libjpeg-turbo-progs bc \
  libpcre2-dev libutf8proc-dev ocl-icd-opencl-dev opencl-headers \
  libboost-dev libboost-program-options-dev \
  catch2 libdnnl-dev nlohmann-json3-dev libbenchmark-dev \
  clang libclang-rt-14-dev >/dev/null
