#!/usr/bin/env bash
# Rebuilds the committed sample media in samples/media/ from Debian packages.
#
#   tools/data/make_samples.sh [OUT_DIR [FIXTURE_DIR]]
#
# OUT_DIR defaults to samples/media, FIXTURE_DIR (small test images cut from
# photo.png) to tests/data/media, both under this script's repository root.
# Packages are fetched with `apt-get download` into NMC_DEB_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/nmc/debs) and unpacked there with `dpkg -x`;
# nothing is installed. Needs apt-get, dpkg, python3 (standard library only, for
# the PNG test fixtures) and ffmpeg (with libx264; mpeg4 is
# used when libx264 is missing). Outputs are written with bit-exact flags so
# the same ffmpeg version reproduces the committed files byte for byte.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out_dir="${1:-$repo_root/samples/media}"
fixture_dir="${2:-$repo_root/tests/data/media}"
cache="${NMC_DEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nmc/debs}"
mkdir -p "$out_dir" "$fixture_dir" "$cache"
out_dir="$(cd "$out_dir" && pwd)"
fixture_dir="$(cd "$fixture_dir" && pwd)"

# fetch PKG: downloads PKG's .deb once and unpacks it into $cache/PKG/.
fetch() {
  local pkg="$1"
  if [[ ! -d "$cache/$pkg/usr" ]]; then
    (cd "$cache" && apt-get download "$pkg" >/dev/null)
    rm -rf "$cache/$pkg"
    dpkg -x "$(ls "$cache/${pkg}"_*.deb | head -n 1)" "$cache/$pkg"
  fi
}

ff=(ffmpeg -hide_banner -loglevel error -nostdin -y)
bitexact=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)

# ---- photo.png: opencv-doc examples/data/aloeL.jpg (1282x1110 photograph,
# training-set source). Lanczos scale so it covers 768x512, centre crop.
fetch opencv-doc
ocv="$cache/opencv-doc/usr/share/doc/opencv-doc/examples/data"
"${ff[@]}" -i "$ocv/aloeL.jpg" \
  -vf "scale=768:512:force_original_aspect_ratio=increase:flags=lanczos+accurate_rnd+full_chroma_int,crop=768:512,format=rgb24" \
  "${bitexact[@]}" -frames:v 1 -c:v png -compression_level 9 -pred mixed "$out_dir/photo.png"

# ---- speech.wav: fillets-ng-data-nl level "cabin2" (the 11th level folder in
# sorted order; the first 10 are the audio bench set). Its first three lines in
# sorted order are concatenated, downmixed to mono, resampled to 24 kHz and cut
# to 10.0 s, 16-bit PCM.
fetch fillets-ng-data-nl
lvl="$cache/fillets-ng-data-nl/usr/share/games/fillets-ng/sound/cabin2/nl"
lines=(ka2-m-chapadlo.ogg ka2-m-diky.ogg ka2-m-hej.ogg)
inputs=()
for f in "${lines[@]}"; do inputs+=(-i "$lvl/$f"); done
"${ff[@]}" "${inputs[@]}" \
  -filter_complex "[0:a][1:a][2:a]concat=n=3:v=0:a=1,pan=mono|c0=0.5*c0+0.5*c1,aresample=24000:resampler=soxr,atrim=end_sample=240000[a]" \
  -map "[a]" "${bitexact[@]}" -c:a pcm_s16le "$out_dir/speech.wav"

# ---- video.mp4: the last 3 s (30 frames) of opencv-doc examples/data/vtest.avi
# (768x576, 10 fps, 795 frames; the video bench source), scaled to 384x288,
# H.264 yuv420p, CRF 28, one keyframe per second, no audio.
vcodec=(-c:v libx264 -preset medium -crf 28 -g 10 -keyint_min 10 -sc_threshold 0 -x264-params threads=1)
encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
if [[ "$encoders" != *" libx264 "* ]]; then
  vcodec=(-c:v mpeg4 -q:v 6 -g 10)
fi
"${ff[@]}" -i "$ocv/vtest.avi" \
  -vf "trim=start_frame=765:end_frame=795,setpts=PTS-STARTPTS,scale=384:288:flags=lanczos,format=yuv420p" \
  -an "${vcodec[@]}" "${bitexact[@]}" -movflags +faststart "$out_dir/video.mp4"

ls -l "$out_dir/photo.png" "$out_dir/speech.wav" "$out_dir/video.mp4"

# ---- test fixtures (tests/media), all cut from photo.png without scaling, so
# tests can compare them against the same pixels of photo.png. Needs python3.
# photo_crop_q2.jpg: 192x128 at (288,192), JPEG quality 2 (yuvj420p).
"${ff[@]}" -i "$out_dir/photo.png" -vf "crop=192:128:288:192" "${bitexact[@]}" -pix_fmt yuvj420p \
  -q:v 2 -frames:v 1 "$fixture_dir/photo_crop_q2.jpg"
# PNG variants of the 64x48 crop at (352,232), written by a minimal Python PNG
# encoder from the crop's RGB bytes so every sample value is defined exactly
# (tests recompute them from photo.png with the same formulas):
#   crop_rgb48.png       16-bit RGB, v * 257
#   crop_gray16.png      16-bit gray, Y * 257 with Y = (77 R + 150 G + 29 B + 128) >> 8
#   crop_gray1.png       1-bit gray, Y >= 128
#   crop_pal8.png        palette of the quantised colours (R & 0xE0 | 0x10, G & 0xE0 | 0x10,
#                        B & 0xC0 | 0x20) in first-use order; tRNS makes entry 0 transparent
#   crop_ya8.png         8-bit gray + alpha, alpha = 4 * x
#   crop_rgba.png        8-bit RGBA, alpha = 4 * x
#   crop_rgba_adam7.png  the same, Adam7-interlaced
"${ff[@]}" -i "$out_dir/photo.png" -vf "crop=64:48:352:232" -f rawvideo -pix_fmt rgb24 - | python3 -c '
import struct, sys, zlib
W, H, out = 64, 48, sys.argv[1]
rgb = sys.stdin.buffer.read()
assert len(rgb) == W * H * 3
px = [tuple(rgb[i * 3:i * 3 + 3]) for i in range(W * H)]
luma = [(77 * r + 150 * g + 29 * b + 128) >> 8 for r, g, b in px]

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

def write(name, color_type, depth, row_bytes, extra=b"", interlace=0):
    # row_bytes(x0, dx, y) -> packed bytes of pixels x0, x0+dx, ... of row y
    raw = bytearray()
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    for x0, y0, dx, dy in (passes if interlace else [(0, 0, 1, 1)]):
        if x0 >= W:
            continue
        for y in range(y0, H, dy):
            raw.append(0)
            raw += row_bytes(x0, dx, y)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, depth, color_type, 0, 0, interlace))
    png += extra + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    open(out + "/" + name, "wb").write(png)

def cols(x0, dx):
    return range(x0, W, dx)

write("crop_rgb48.png", 2, 16,
      lambda x0, dx, y: b"".join(struct.pack(">HHH", *(v * 257 for v in px[y * W + x])) for x in cols(x0, dx)))
write("crop_gray16.png", 0, 16,
      lambda x0, dx, y: b"".join(struct.pack(">H", luma[y * W + x] * 257) for x in cols(x0, dx)))

def gray1(x0, dx, y):
    bits = [1 if luma[y * W + x] >= 128 else 0 for x in cols(x0, dx)]
    bits += [0] * (-len(bits) % 8)
    return bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))
write("crop_gray1.png", 0, 1, gray1)

quant = [(r & 0xE0 | 0x10, g & 0xE0 | 0x10, b & 0xC0 | 0x20) for r, g, b in px]
palette = list(dict.fromkeys(quant))
assert len(palette) <= 256
index = {c: i for i, c in enumerate(palette)}
plte = chunk(b"PLTE", b"".join(bytes(c) for c in palette)) + chunk(b"tRNS", b"\x00")
write("crop_pal8.png", 3, 8, lambda x0, dx, y: bytes(index[quant[y * W + x]] for x in cols(x0, dx)), plte)
write("crop_ya8.png", 4, 8, lambda x0, dx, y: b"".join(bytes((luma[y * W + x], 4 * x)) for x in cols(x0, dx)))
rgba = lambda x0, dx, y: b"".join(bytes(px[y * W + x]) + bytes((4 * x,)) for x in cols(x0, dx))
write("crop_rgba.png", 6, 8, rgba)
write("crop_rgba_adam7.png", 6, 8, rgba, interlace=1)
' "$fixture_dir"
ls -l "$fixture_dir"

# Seed corpus of the fuzz_media target: tiny files cut from the samples.
corpus="$repo_root/tests/fuzz/corpus/media"
mkdir -p "$corpus"
"${ff[@]}" -i "$out_dir/speech.wav" -t 0.05 -c:a pcm_s16le "$corpus/short.wav"
"${ff[@]}" -i "$out_dir/speech.wav" -t 0.2 -c:a libmp3lame -b:a 32k "$corpus/short.mp3"
"${ff[@]}" -i "$out_dir/video.mp4" -frames:v 3 -vf scale=64:48 -c:v libx264 -pix_fmt yuv420p -bf 1 -g 2 "$corpus/tiny.mp4"
"${ff[@]}" -i "$out_dir/photo.png" -vf scale=24:16 -q:v 5 "$corpus/tiny.jpg"
cp "$fixture_dir/crop_gray1.png" "$fixture_dir/crop_pal8.png" "$corpus/"
ls -l "$corpus"
