#!/usr/bin/env bash
# Installs dependencies, builds nmc (Release) and runs the demo on the sample
# media in samples/media: `nmc info` on each file, then a lossless round trip
# of the photo, the speech and the video through nmc's media I/O, then the learned image codec: the photo
# encoded and decoded at each shipped quality, with size, PSNR and time next to libjpeg-turbo at the same size.
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
echo "== learned image codec: the sample photo at each shipped quality, next to libjpeg-turbo at the same size"
# (the photo is one of the models' training images; bench/image has the held-out rate-distortion figures)
"$bin/nmc" convert samples/media/photo.png "$out/photo.ppm" >/dev/null
pixels=$((768 * 512))
printf '%-8s %9s %8s %9s %10s %10s | %-12s %9s %8s %9s\n' quality bytes bpp "PSNR dB" "enc ms" "dec ms" \
  libjpeg-turbo bytes bpp "PSNR dB"
for q in 1 2 3 4; do
  enc=$("$bin/nmc" image encode samples/media/photo.png "$out/photo_q$q.nmc" --quality "$q" --time)
  dec=$("$bin/nmc" image decode "$out/photo_q$q.nmc" "$out/photo_q$q.png" --time)
  bytes=$(stat -c %s "$out/photo_q$q.nmc")
  psnr=$("$bin/nmc" image compare samples/media/photo.png "$out/photo_q$q.png" | awk '{print $2}')
  # libjpeg-turbo (cjpeg -optimize, 4:2:0): the highest quality whose file is not larger than nmc's.
  lo=1 hi=100 jq=1
  while [ "$lo" -le "$hi" ]; do
    mid=$(((lo + hi) / 2))
    if [ "$(cjpeg -optimize -quality "$mid" "$out/photo.ppm" 2>/dev/null | wc -c)" -le "$bytes" ]; then
      jq=$mid lo=$((mid + 1))
    else
      hi=$((mid - 1))
    fi
  done
  cjpeg -optimize -quality "$jq" "$out/photo.ppm" 2>/dev/null >"$out/photo_jpeg_q$jq.jpg"
  jbytes=$(stat -c %s "$out/photo_jpeg_q$jq.jpg")
  jpsnr=$("$bin/nmc" image compare samples/media/photo.png "$out/photo_jpeg_q$jq.jpg" 2>/dev/null | awk '{print $2}')
  printf '%-8s %9d %8.3f %9.2f %10s %10s | %-12s %9d %8.3f %9.2f\n' "$q" "$bytes" \
    "$(echo "$bytes * 8 / $pixels" | bc -l)" "$psnr" "$(echo "$enc" | sed 's/.*encode \([0-9.]*\) ms.*/\1/')" \
    "$(echo "$dec" | sed 's/.*decode \([0-9.]*\) ms.*/\1/')" "q$jq" "$jbytes" \
    "$(echo "$jbytes * 8 / $pixels" | bc -l)" "$jpsnr"
done
