#!/usr/bin/env python3
"""Rate-distortion benchmark of image codecs on a folder of RGB PNGs (nmc issue 4).

For every image, codec configuration and quality point: encode with the codec's command-line tool into a
temporary file, decode it back to an 8-bit RGB raster, and measure
  bytes   size of the encoded file, container and headers included
  bpp     8 * bytes / (H * W)
  psnr    10*log10(255^2 / MSE), MSE over all pixels of all three RGB channels (8-bit values)
  msssim  pytorch_msssim.ms_ssim on the whole RGB image, data_range 255, default 5 scales / 11x11 window
  enc_s / dec_s  wall time of the encoder / decoder process (process start-up and file I/O included)
Per quality point the numbers are averaged over the images (arithmetic mean of bpp, PSNR, MS-SSIM and the
times). BD-rates of every configuration against an anchor (default libjpeg-turbo 4:2:0) are computed on these
mean curves with bd_rate.py (PCHIP interpolation, overlapping range only).

Inputs are read as 8-bit RGB pixels; metadata (ICC profiles, gamma chunks) is stripped before encoding so that
no codec pays for, or colour-converts with, an embedded profile: the benchmark measures pixel fidelity.
All encoders and decoders are run single-threaded; up to --workers jobs run in parallel.

An nmc curve plugs in with --nmc BIN: the codec entry "nmc" runs `BIN image encode IN OUT --quality Q` and
`BIN image decode IN OUT.png` (both with --threads 1) for Q in --nmc-qualities. With --reuse OLD/results.json, per-image results of
codecs that are not re-run are taken from an earlier run on the same images (e.g. add nmc without re-running
the classical codecs).

Outputs in --out: results.json (everything, per image too), results.csv (mean per quality point),
per_image.csv, rd_psnr.png, rd_msssim.png. The BD-rate table is printed at the end.
"""

import argparse
import csv
import datetime
import hashlib
import json
import multiprocessing as mp
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bd_rate as bd  # noqa: E402  (sibling module)


# --------------------------------------------------------------------------------------------------------
# Codec table. Placeholders in the command templates: {in} source image, {out} bitstream file, {q} quality
# value, {dec} decoded raster. "src" says which rendition of the source the encoder reads (cjpeg 2.1 reads
# no PNG, so it gets a binary PPM with the same pixels).
# --------------------------------------------------------------------------------------------------------
@dataclass
class Codec:
    name: str
    label: str
    qualities: list
    enc: str
    dec: str
    ext: str
    dec_ext: str = "png"
    src: str = "png"
    tools: tuple = ()
    qualifier: str = ""  # how the quality value maps to the tool's option, for the README/JSON


def classical_codecs():
    jpeg_q = [5, 10, 20, 30, 45, 60, 75, 90]
    return [
        Codec("jpeg420", "libjpeg-turbo 4:2:0", jpeg_q,
              "cjpeg -optimize -sample 2x2 -quality {q} -outfile {out} {in}",
              "djpeg -outfile {dec} {out}", "jpg", dec_ext="ppm", src="ppm", tools=("cjpeg", "djpeg"),
              qualifier="cjpeg -quality"),
        Codec("jpeg444", "libjpeg-turbo 4:4:4", jpeg_q,
              "cjpeg -optimize -sample 1x1 -quality {q} -outfile {out} {in}",
              "djpeg -outfile {dec} {out}", "jpg", dec_ext="ppm", src="ppm", tools=("cjpeg", "djpeg"),
              qualifier="cjpeg -quality"),
        Codec("webp", "WebP (cwebp -m 6)", [2, 12, 30, 50, 70, 82, 90, 95],
              "cwebp -quiet -m 6 -q {q} {in} -o {out}",
              "dwebp -quiet {out} -o {dec}", "webp", tools=("cwebp", "dwebp"), qualifier="cwebp -q"),
        # libavif 0.11 has no -q; constant-quality mode with the aom cq-level (0..63, lower = better) is what
        # libavif >= 1.0 maps its -q onto for libaom.
        Codec("avif444", "AVIF 4:4:4 (avifenc -s 6, aom)", [54, 46, 38, 31, 25, 19, 13, 8],
              "avifenc -c aom -s 6 -y 444 -j 1 --min 0 --max 63 -a end-usage=q -a cq-level={q} {in} {out}",
              "avifdec -j 1 -d 8 {out} {dec}", "avif", tools=("avifenc", "avifdec"),
              qualifier="aom cq-level"),
        Codec("jxl", "JPEG XL (cjxl -e 7)", [15, 10, 6, 4, 2.6, 1.6, 1.0, 0.6],
              "cjxl {in} {out} -e 7 -d {q} --num_threads=1",
              "djxl {out} {dec} --bits_per_sample=8 --num_threads=1", "jxl", tools=("cjxl", "djxl"),
              qualifier="cjxl -d (butteraugli distance)"),
    ]


def nmc_codec(binary, qualities):
    b = shlex.quote(binary)
    return Codec("nmc", "nmc", qualities, b + " image encode {in} {out} --quality {q} --threads 1",
                 b + " image decode {out} {dec} --threads 1", "nmc", tools=(), qualifier="nmc --quality")


# --------------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------------
def psnr_rgb(ref, dec):
    """PSNR in dB over all pixels and channels of two uint8 HxWx3 arrays; 100 dB is reported for MSE 0."""
    mse = np.mean((ref.astype(np.float64) - dec.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


_torch = None


def msssim_rgb(ref, dec):
    """MS-SSIM (pytorch_msssim defaults, data_range 255) of two uint8 HxWx3 arrays, whole image at once."""
    global _torch
    if _torch is None:
        import torch
        torch.set_num_threads(1)
        _torch = torch
    from pytorch_msssim import ms_ssim
    t = _torch
    x = t.from_numpy(np.ascontiguousarray(ref)).permute(2, 0, 1)[None].double()
    y = t.from_numpy(np.ascontiguousarray(dec)).permute(2, 0, 1)[None].double()
    return float(ms_ssim(x, y, data_range=255.0, size_average=True))


def load_rgb8(path):
    with Image.open(path) as im:
        if im.mode != "RGB":
            raise RuntimeError(f"{path}: decoded image has mode {im.mode}, expected 8-bit RGB")
        return np.asarray(im, dtype=np.uint8).copy()


# --------------------------------------------------------------------------------------------------------
# One measurement (runs in a worker process)
# --------------------------------------------------------------------------------------------------------
def _run(cmd, what):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {p.returncode}): {cmd}\n{p.stderr.decode(errors='replace')[-2000:]}")
    return dt


def measure(task):
    codec, q, image, src_png, src_ppm, workdir = task
    ref = load_rgb8(src_png)
    h, w = ref.shape[:2]
    stem = f"{os.getpid()}_{codec.name}_{q}_{os.path.splitext(os.path.basename(src_png))[0]}"
    out = os.path.join(workdir, f"{stem}.{codec.ext}")
    dec = os.path.join(workdir, f"{stem}_dec.{codec.dec_ext}")
    src = src_ppm if codec.src == "ppm" else src_png
    fmt = {"in": shlex.quote(src), "out": shlex.quote(out), "q": q, "dec": shlex.quote(dec)}
    try:
        enc_s = _run(codec.enc.format(**fmt), f"{codec.name} encode")
        nbytes = os.path.getsize(out)
        dec_s = _run(codec.dec.format(**fmt), f"{codec.name} decode")
        rec = load_rgb8(dec)
    finally:
        for f in (out, dec):
            if os.path.exists(f):
                os.remove(f)
    if rec.shape != ref.shape:
        raise RuntimeError(f"{codec.name} q={q} {image}: decoded {rec.shape}, source {ref.shape}")
    return {"codec": codec.name, "q": q, "image": image, "width": w, "height": h, "bytes": nbytes,
            "bpp": 8.0 * nbytes / (h * w), "psnr": psnr_rgb(ref, rec), "msssim": msssim_rgb(ref, rec),
            "enc_s": enc_s, "dec_s": dec_s}


# --------------------------------------------------------------------------------------------------------
# Aggregation, BD table, outputs
# --------------------------------------------------------------------------------------------------------
def mean_curves(records, codecs):
    """{codec: [point dicts sorted by mean bpp]} with means over images per quality value."""
    curves = {}
    for c in codecs:
        pts = []
        for q in c.qualities:
            rs = [r for r in records if r["codec"] == c.name and r["q"] == q]
            if not rs:
                continue
            pts.append({"q": q, "n_images": len(rs),
                        **{k: float(np.mean([r[k] for r in rs])) for k in ("bpp", "psnr", "msssim", "enc_s", "dec_s")},
                        "bpp_min": float(min(r["bpp"] for r in rs)), "bpp_max": float(max(r["bpp"] for r in rs))})
        curves[c.name] = sorted(pts, key=lambda p: p["bpp"])
    return curves


def _safe(fn, *args):
    try:
        return fn(*args)
    except bd.BdError:
        return None


def bd_row(records, curves, anchor, test):
    """BD metrics of codec `test` against codec `anchor` on the mean curves (+ median of per-image BD-rates)."""
    a, t = curves[anchor], curves[test]
    ar, ap, am = [p["bpp"] for p in a], [p["psnr"] for p in a], bd.msssim_db([p["msssim"] for p in a])
    tr, tp, tm = [p["bpp"] for p in t], [p["psnr"] for p in t], bd.msssim_db([p["msssim"] for p in t])
    per_image, skipped = [], []
    for img in sorted({r["image"] for r in records}):
        ra = sorted((r for r in records if r["codec"] == anchor and r["image"] == img), key=lambda r: r["bpp"])
        rt = sorted((r for r in records if r["codec"] == test and r["image"] == img), key=lambda r: r["bpp"])
        try:
            per_image.append(bd.bd_rate([r["bpp"] for r in ra], [r["psnr"] for r in ra],
                                        [r["bpp"] for r in rt], [r["psnr"] for r in rt]))
        except bd.BdError as e:
            skipped.append(f"{img}: {e}")
    return {
        "codec": test, "anchor": anchor,
        "bd_rate_psnr_pct": _safe(bd.bd_rate, ar, ap, tr, tp),
        "bd_psnr_db": _safe(bd.bd_psnr, ar, ap, tr, tp),
        "bd_rate_msssim_pct": _safe(bd.bd_rate, ar, am, tr, tm),
        "bd_rate_psnr_pct_cubic": _safe(bd.bd_rate, ar, ap, tr, tp, "cubic"),
        "psnr_overlap_pct": 100.0 * bd.overlap_fraction(ap, tp),
        "per_image_bd_rate_psnr_median_pct": float(np.median(per_image)) if per_image else None,
        "per_image_count": len(per_image),
        "per_image_skipped": skipped,
    }


def bd_tables(records, curves, codecs, anchor):
    """(every codec vs the anchor, nmc vs every other codec); the second list is empty without nmc."""
    present = [c.name for c in codecs if curves.get(c.name)]
    vs_anchor = [bd_row(records, curves, anchor, n) for n in present if n != anchor]
    nmc_vs = [bd_row(records, curves, n, "nmc") for n in present if n != "nmc"] if "nmc" in present else []
    return vs_anchor, nmc_vs


def _fmt(v, spec, unit=""):
    return "n/a" if v is None else format(v, spec) + unit


def _bd_lines(rows, key, title):
    lines = ["", title, ""]
    lines.append(f"| {key} | BD-rate PSNR | BD-PSNR (dB) | BD-rate MS-SSIM (dB) | PSNR overlap | "
                 "BD-rate PSNR, cubic fit | median per-image BD-rate PSNR |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in rows:
        lines.append(f"| {r[key]} | {_fmt(r['bd_rate_psnr_pct'], '+.1f', ' %')} | {_fmt(r['bd_psnr_db'], '+.2f')} | "
                     f"{_fmt(r['bd_rate_msssim_pct'], '+.1f', ' %')} | {r['psnr_overlap_pct']:.0f} % | "
                     f"{_fmt(r['bd_rate_psnr_pct_cubic'], '+.1f', ' %')} | "
                     f"{_fmt(r['per_image_bd_rate_psnr_median_pct'], '+.1f', ' %')} (n={r['per_image_count']}) |")
    return lines


def format_tables(curves, codecs, vs_anchor, nmc_vs, anchor):
    lines = ["", "Mean over images per quality point (times: mean per image, wall clock, one thread per process)", ""]
    lines.append("| codec | q | bpp | PSNR (dB) | MS-SSIM | MS-SSIM (dB) | enc (ms) | dec (ms) |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for c in codecs:
        for p in curves.get(c.name, []):
            lines.append(f"| {c.name} | {p['q']} | {p['bpp']:.3f} | {p['psnr']:.2f} | {p['msssim']:.4f} | "
                         f"{float(bd.msssim_db(p['msssim'])):.2f} | {1000 * p['enc_s']:.0f} | {1000 * p['dec_s']:.0f} |")
    lines += _bd_lines(vs_anchor, "codec", f"BD metrics vs {anchor} (negative BD-rate = fewer bits than {anchor} at "
                                           "equal quality; PCHIP, overlapping range of the mean curves)")
    if nmc_vs:
        lines += _bd_lines(nmc_vs, "anchor", "BD metrics of nmc vs each codec (negative = nmc needs fewer bits)")
        r = next((r for r in nmc_vs if r["anchor"] == "jpeg420"), None)
        v = r["bd_rate_psnr_pct"] if r else None
        verdict = "n/a" if v is None else ("MET" if v <= -25 else "NOT MET")
        if v is not None and r["psnr_overlap_pct"] < 50:  # a BD-rate over a small part of the curves says little
            verdict += f" only over {r['psnr_overlap_pct']:.0f} % of the PSNR range: inconclusive"
        lines += ["", f"goal (issue 4): nmc BD-rate PSNR vs jpeg420 <= -25 %: {verdict} ({_fmt(v, '+.1f', ' %')})"]
    return "\n".join(lines)


def write_csvs(out_dir, records, curves, codecs):
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["codec", "q", "n_images", "bpp", "psnr_db", "msssim", "msssim_db", "enc_ms", "dec_ms",
                    "bpp_min", "bpp_max"])
        for c in codecs:
            for p in curves.get(c.name, []):
                w.writerow([c.name, p["q"], p["n_images"], f"{p['bpp']:.5f}", f"{p['psnr']:.4f}",
                            f"{p['msssim']:.6f}", f"{float(bd.msssim_db(p['msssim'])):.4f}",
                            f"{1000 * p['enc_s']:.1f}", f"{1000 * p['dec_s']:.1f}",
                            f"{p['bpp_min']:.5f}", f"{p['bpp_max']:.5f}"])
    with open(os.path.join(out_dir, "per_image.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["codec", "q", "image", "width", "height", "bytes", "bpp", "psnr_db", "msssim", "enc_ms", "dec_ms"])
        for r in sorted(records, key=lambda r: (r["codec"], r["image"], r["bpp"])):
            w.writerow([r["codec"], r["q"], r["image"], r["width"], r["height"], r["bytes"], f"{r['bpp']:.5f}",
                        f"{r['psnr']:.4f}", f"{r['msssim']:.6f}", f"{1000 * r['enc_s']:.1f}", f"{1000 * r['dec_s']:.1f}"])


def plot(out_dir, curves, codecs, n_images, title_suffix):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    styles = {"jpeg420": ("tab:gray", "o"), "jpeg444": ("tab:brown", "s"), "webp": ("tab:green", "^"),
              "avif444": ("tab:blue", "D"), "jxl": ("tab:purple", "v"), "nmc": ("tab:red", "*")}
    for metric, fname, ylabel in [("psnr", "rd_psnr.png", "PSNR, RGB (dB)"),
                                  ("msssim_db", "rd_msssim.png", "MS-SSIM, RGB (dB) = -10 log10(1 - MS-SSIM)")]:
        fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
        for c in codecs:
            pts = curves.get(c.name, [])
            if not pts:
                continue
            x = [p["bpp"] for p in pts]
            y = [p["psnr"] for p in pts] if metric == "psnr" else list(bd.msssim_db([p["msssim"] for p in pts]))
            color, marker = styles.get(c.name, (None, "x"))
            ax.plot(x, y, marker=marker, color=color, lw=2.2 if c.name == "nmc" else 1.4, ms=5, label=c.label)
        ax.set_xlabel("bits per pixel (file size incl. headers)")
        ax.set_ylabel(ylabel)
        ax.set_xlim(left=0)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right")
        ax.set_title(f"Rate-distortion, mean over {n_images} images{title_suffix}")
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, fname))
        plt.close(fig)


def tool_versions(codecs):
    probes = {"cjpeg": "cjpeg -version", "cwebp": "cwebp -version", "avifenc": "avifenc --version",
              "cjxl": "cjxl --version"}
    out = {}
    for c in codecs:
        for t in c.tools:
            if t in probes and t not in out:
                p = subprocess.run(probes[t], shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                out[t] = " ".join(l.strip() for l in p.stdout.decode(errors="replace").splitlines()[:1])
    return out


# --------------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------------
def _parse_q(text):
    vals = []
    for s in text.split(","):
        v = float(s)
        vals.append(int(v) if v.is_integer() else v)
    return vals


def _command_line(args):
    """The command as run, with the image folder and the nmc binary shown as placeholders (the images are
    identified by their pixel hashes in meta.images; local paths are not part of the result)."""
    shown, hide = [], {"--images": "IMAGES_DIR", "--nmc": "NMC_BIN", "--reuse": "OLD_RESULTS_JSON"}
    it = iter(args)
    for a in it:
        key = a.split("=", 1)[0]
        if key in hide:
            shown += [key, hide[key]]
            if "=" not in a:
                next(it, None)
        else:
            shown.append(shlex.quote(a))
    return " ".join(["bench/image/rd_bench.py"] + shown)


def prepare_sources(images, workdir):
    """Writes metadata-free PNG and PPM copies of each image; returns [(name, png, ppm, sha256 of pixels)]."""
    out = []
    for path in images:
        with Image.open(path) as im:
            if im.mode not in ("RGB", "RGBA", "L", "P"):
                raise SystemExit(f"{path}: unsupported mode {im.mode} (need 8-bit RGB)")
            if im.mode == "RGBA" and im.getextrema()[3][0] < 255:
                raise SystemExit(f"{path}: has transparent pixels; the benchmark is RGB only")
            px = np.asarray(im.convert("RGB"), dtype=np.uint8)
        name = os.path.basename(path)
        stem = os.path.splitext(name)[0]
        png, ppm = os.path.join(workdir, stem + ".png"), os.path.join(workdir, stem + ".ppm")
        Image.fromarray(px).save(png)  # a fresh image carries no ICC/gamma/text chunks
        Image.fromarray(px).save(ppm)
        out.append((name, png, ppm, hashlib.sha256(px.tobytes()).hexdigest()))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", required=True, help="folder of RGB PNGs (all *.png inside are used)")
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--workers", type=int, default=2, help="parallel encode/decode jobs (default 2)")
    ap.add_argument("--codecs", default="jpeg420,jpeg444,webp,avif444,jxl",
                    help="comma list of classical codecs to run (default all); nmc is added by --nmc")
    ap.add_argument("--points", action="append", default=[], metavar="CODEC=Q1,Q2,...",
                    help="override the quality values of one codec (repeatable)")
    ap.add_argument("--nmc", metavar="BIN", help="path of the nmc CLI; adds the 'nmc' codec entry")
    ap.add_argument("--nmc-qualities", default="1,2,3,4", help="--quality values for nmc (default 1..4, the shipped models)")
    ap.add_argument("--anchor", default="jpeg420", help="anchor of the BD table (default jpeg420)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images (quick checks)")
    ap.add_argument("--reuse", metavar="RESULTS_JSON",
                    help="take per-image results of codecs not run now from an earlier results.json")
    args = ap.parse_args(argv)

    images = sorted(os.path.join(args.images, f) for f in os.listdir(args.images) if f.lower().endswith(".png"))
    if args.limit:
        images = images[:args.limit]
    if not images:
        raise SystemExit(f"no .png images in {args.images}")

    table = {c.name: c for c in classical_codecs()}
    names = [n for n in args.codecs.split(",") if n]
    for n in names:
        if n not in table:
            raise SystemExit(f"unknown codec {n!r}; known: {', '.join(table)}")
    run_codecs = [table[n] for n in names]
    if args.nmc:
        if not os.access(args.nmc, os.X_OK):
            raise SystemExit(f"--nmc {args.nmc}: not an executable file")
        run_codecs.append(nmc_codec(args.nmc, _parse_q(args.nmc_qualities)))
    for spec in args.points:
        n, _, qs = spec.partition("=")
        match = [c for c in run_codecs if c.name == n]
        if not match or not qs:
            raise SystemExit(f"--points {spec!r}: expected CODEC=Q1,Q2,... for a codec being run")
        match[0].qualities = _parse_q(qs)
    for c in run_codecs:
        for t in c.tools:
            if shutil.which(t) is None:
                raise SystemExit(f"{t} not found (codec {c.name}); install with tools/setup/install_bench_deps.sh")

    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="nmc_rd_")
    t_start = time.perf_counter()
    try:
        sources = prepare_sources(images, workdir)
        tasks = [(c, q, name, png, ppm, workdir) for c in run_codecs for q in c.qualities
                 for (name, png, ppm, _) in sources]
        # Interleave codecs so that slow and fast jobs share the workers evenly.
        tasks.sort(key=lambda t: (t[2], t[1] if isinstance(t[1], (int, float)) else 0, t[0].name))
        print(f"{len(images)} images x {sum(len(c.qualities) for c in run_codecs)} codec points = "
              f"{len(tasks)} encode/decode jobs on {args.workers} workers", flush=True)
        records = []
        with mp.get_context("spawn").Pool(args.workers) as pool:
            for i, r in enumerate(pool.imap_unordered(measure, tasks, chunksize=1), 1):
                records.append(r)
                if i % 50 == 0 or i == len(tasks):
                    print(f"  {i}/{len(tasks)} done ({time.perf_counter() - t_start:.0f} s)", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sweep_s = time.perf_counter() - t_start

    all_codecs = list(run_codecs)
    reused_from = None
    if args.reuse:
        with open(args.reuse) as f:
            old = json.load(f)
        ours = {n: s for (n, _, _, s) in sources}
        theirs = {i["name"]: i["pixels_sha256"] for i in old["meta"]["images"]}
        if ours != theirs:
            raise SystemExit(f"--reuse {args.reuse}: that run used a different image set")
        run_names = {c.name for c in run_codecs}
        for oc in old["codecs"]:
            if oc["name"] in run_names:
                continue
            cfg = {k: oc[k] for k in ("name", "label", "qualities", "enc", "dec", "ext", "dec_ext", "src", "qualifier")}
            all_codecs.append(Codec(**cfg, tools=tuple(oc.get("tools", ()))))
            records += [r for r in old["per_image"] if r["codec"] == oc["name"]]
        reused_from = {"date_utc": old["meta"].get("date_utc"), "command": old["meta"].get("command")}
    order = ["jpeg420", "jpeg444", "webp", "avif444", "jxl", "nmc"]
    all_codecs.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))
    if args.anchor not in {c.name for c in all_codecs}:
        raise SystemExit(f"anchor {args.anchor!r} was not measured (add it to --codecs or --reuse)")

    curves = mean_curves(records, all_codecs)
    vs_anchor, nmc_vs = bd_tables(records, curves, all_codecs, args.anchor)
    text = format_tables(curves, all_codecs, vs_anchor, nmc_vs, args.anchor)

    meta = {
        "command": _command_line(argv if argv is not None else sys.argv[1:]),
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "tools": tool_versions(all_codecs),
        "workers": args.workers, "sweep_wall_s": sweep_s, "reused_from": reused_from,
        "images": [{"name": n, "pixels_sha256": s} for (n, _, _, s) in sources],
        "conventions": {"bpp": "8*bytes/(H*W), file incl. headers", "psnr": "RGB, all 3 channels, 8-bit, MSE over all",
                        "msssim": "pytorch_msssim.ms_ssim, RGB, data_range 255, whole image",
                        "mean": "arithmetic mean over images per quality value",
                        "bd": "PCHIP on log10(bpp) vs quality, overlapping range; negative = fewer bits than anchor",
                        "times": "wall clock per process, single-threaded codec, process start-up included"},
    }
    result = {"meta": meta,
              "codecs": [{"name": c.name, "label": c.label, "qualities": c.qualities, "enc": c.enc, "dec": c.dec,
                          "ext": c.ext, "dec_ext": c.dec_ext, "src": c.src, "qualifier": c.qualifier,
                          "tools": list(c.tools), "points": curves.get(c.name, [])} for c in all_codecs],
              "bd_vs_anchor": vs_anchor, "bd_nmc_vs_each": nmc_vs, "per_image": records}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    write_csvs(args.out, records, curves, all_codecs)
    plot(args.out, curves, all_codecs, len(images), "")
    print(text)
    print(f"\nsweep: {sweep_s:.0f} s wall on {args.workers} workers; wrote results.json, results.csv, "
          f"per_image.csv, rd_psnr.png, rd_msssim.png to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
