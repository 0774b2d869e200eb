#!/usr/bin/env python3
"""Rate cost of the integer hyper-synthesis against CompressAI's float h_s.

Usage:
  measure_int_h_s_cost.py IMAGE_DIR CHECKPOINT [CHECKPOINT ...] [--calibration-images DIR] [--unsafe-pickle]

For every checkpoint (a CompressAI mbt2018-mean or bmshj2018-hyperprior state dict) and every PNG image of
IMAGE_DIR (cropped to multiples of 64), y = g_a(x) and z_hat come from CompressAI in float32. The y bits are then
counted twice with the checkpoint's quantized Gaussian CDF tables (the entropy coder's real probabilities):
once with the indexes and means of the float h_s (CompressAI build_indexes), once with those of the integer
h_s (quantize_hyper_synthesis.run_integer). Escaped symbols cost -log2 p(escape) plus 4 bits per bypass nibble
(CompressAI's overflow coding). Prints per checkpoint the y bpp of both, the difference in %, the fraction of
indexes that differ and the largest |mean difference|. Needs torch, compressai, Pillow.
"""
import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quantize_hyper_synthesis as q  # noqa: E402
from compressai_to_safetensors import detect, load_state_dict  # noqa: E402


def gaussian_bits(sd, symbols, indexes):
    cdf = sd["gaussian_conditional._quantized_cdf"].astype(np.int64)
    offset = sd["gaussian_conditional._offset"].astype(np.int64)
    length = sd["gaussian_conditional._cdf_length"].astype(np.int64)
    bits = 0.0
    s = symbols.reshape(-1).astype(np.int64)
    idx = indexes.reshape(-1).astype(np.int64)
    v = s - offset[idx]
    max_v = length[idx] - 2
    escape = (v < 0) | (v >= max_v)
    ok = ~escape
    freq = cdf[idx[ok], v[ok] + 1] - cdf[idx[ok], v[ok]]
    bits += float(np.sum(16 - np.log2(freq)))
    for i in np.nonzero(escape)[0]:
        t = idx[i]
        f_esc = cdf[t, max_v[i] + 1] - cdf[t, max_v[i]]
        raw = -2 * v[i] - 1 if v[i] < 0 else 2 * (v[i] - max_v[i])
        n = 0
        while raw >> (4 * n):
            n += 1
        nibbles_for_n = 1 + n // 15
        bits += 16 - math.log2(f_esc) + 4 * (nibbles_for_n + n)
    return bits


def load_png(path):
    from PIL import Image
    x = np.asarray(Image.open(path).convert("RGB"), np.float32) / 255.0
    h, w = x.shape[0] // 64 * 64, x.shape[1] // 64 * 64
    return torch.from_numpy(np.ascontiguousarray(x[:h, :w])).permute(2, 0, 1)[None]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image_dir", type=Path)
    ap.add_argument("checkpoints", type=Path, nargs="+")
    ap.add_argument("--calibration-images", type=Path)
    ap.add_argument("--unsafe-pickle", action="store_true")
    args = ap.parse_args()
    from compressai.models import MeanScaleHyperprior, ScaleHyperprior
    images = sorted(args.image_dir.glob("*.png"))
    for ckpt in args.checkpoints:
        sd_t = load_state_dict(ckpt, args.unsafe_pickle)
        arch, n, m = detect(sd_t)
        model = (MeanScaleHyperprior if arch == "mbt2018-mean" else ScaleHyperprior)(n, m)
        model.load_state_dict(sd_t)
        model.eval()
        sd = {k: v.detach().numpy() for k, v in sd_t.items()}
        maxima = q.calibrate_data_free(sd, arch)
        if args.calibration_images:
            maxima = np.maximum(maxima, q.calibrate_images(sd, arch, args.calibration_images))
        t = q.quantize(sd, arch, maxima)
        k = int(t[q.PREFIX + "mean_frac_bits"][0]) if arch == "mbt2018-mean" else 0
        med = q.medians(sd).astype(np.float32)
        bits_f = bits_i = 0.0
        pixels = 0
        differ = total = 0
        max_mean_err = 0.0
        for path in images:
            x = load_png(path)
            with torch.no_grad():
                y = model.g_a(x)
                z = model.h_a(y if arch == "mbt2018-mean" else torch.abs(y))
                z_sym = torch.round(z - torch.from_numpy(med)[None, :, None, None])
                z_hat = z_sym + torch.from_numpy(med)[None, :, None, None]
                out = model.h_s(z_hat)
            y_np = y[0].numpy()
            if arch == "mbt2018-mean":
                scales_f, means_f = out[0, :m].numpy(), out[0, m:].numpy()
            else:
                scales_f, means_f = out[0].numpy(), np.zeros_like(y_np)
            idx_f = q.float_indexes(sd, scales_f)
            idx_i, mean_int = q.run_integer(t, z_sym[0].numpy().astype(np.int64), arch)
            means_i = (mean_int.astype(np.float64) * 2.0 ** -k).astype(np.float32) if mean_int is not None \
                else np.zeros_like(y_np)
            sym_f = np.round(y_np - means_f)
            sym_i = np.round(y_np - means_i)
            bits_f += gaussian_bits(sd, sym_f, idx_f)
            bits_i += gaussian_bits(sd, sym_i, idx_i)
            pixels += x.shape[2] * x.shape[3]
            differ += int(np.sum(idx_f != idx_i))
            total += idx_f.size
            max_mean_err = max(max_mean_err, float(np.abs(means_f - means_i).max()))
        bpp_f, bpp_i = bits_f / pixels, bits_i / pixels
        print(f"{ckpt.name}: {arch} N={n} M={m} act_bound={t[q.PREFIX + 'act_bound'].tolist()} "
              f"act_frac_bits={t[q.PREFIX + 'act_frac_bits'].tolist()} mean_frac_bits={k}: "
              f"y bpp float {bpp_f:.5f} int {bpp_i:.5f} diff {100 * (bpp_i / bpp_f - 1):+.4f}% | "
              f"indexes differ {differ / total:.5f} | max |mean diff| {max_mean_err:.5f}", flush=True)


if __name__ == "__main__":
    main()
