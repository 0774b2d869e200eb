#!/usr/bin/env bash
# Installs dependencies, builds nmc (Release) and runs the demo on the sample
# media in samples/media: `nmc info` on each file, then a lossless round trip
# of the photo, the speech and the video through nmc's media I/O.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash tools/setup/install_deps.sh
bash tools/setup/build.sh build/release -DNMC_BUILD_TESTS=OFF -DNMC_BUILD_BENCH=OFF >/dev/null
bin=build/release/bin
out=build/demo
mkdir -p "$out"
echo "== $("$bin/nmc" --version | head -1)"
for f in samples/media/photo.png samples/media/speech.wav samples/media/video.mp4; do
  echo "== nmc info $f"
  "$bin/nmc" info "$f"
done
echo "== round trip through nmc's media I/O"
"$bin/media_roundtrip" samples/media/photo.png samples/media/speech.wav samples/media/video.mp4 "$out"
echo "== nmc convert: speech resampled to 16 kHz, video sampled at 1 fps"
"$bin/nmc" convert samples/media/speech.wav "$out/speech_16k.wav" --rate 16000
"$bin/nmc" convert samples/media/video.mp4 "$out/frames" --fps 1
