#!/usr/bin/env python3
"""Integer hyper-synthesis (h_s) for the CompressAI hyperprior image models.

Usage:
  quantize_hyper_synthesis.py MODEL_DIR [--calibration-images DIR] [--seed S]

Adds the `nmc.int_h_s.*` tensors to MODEL_DIR/model.safetensors in place (made by compressai_to_safetensors.py;
the other tensors and the metadata are kept). The C++ decoder (codecs/image IntHyperSynthesis) runs h_s with them
in integer arithmetic only, so the Gaussian table indexes (and the means of mbt2018-mean) are bit-identical on
every machine. The module is importable: `quantize(state_dict, arch)` returns the tensors and
`run_integer(tensors, z_symbols, arch)` is the integer reference of the C++ executor.

Format version 1 (all values integers; l = 0, 1, 2 are h_s.0, h_s.2, h_s.4):
  nmc.int_h_s.version            i32 [1]        1
  nmc.int_h_s.{l}.weight         i8  [..]       round(w / s_o) with s_o = max|w[o]| / 127 per output channel o,
                                                in the float layout (ConvTranspose2d [C_in, C_out, k, k] for l = 0, 1;
                                                Conv2d [C_out, C_in, 3, 3] for l = 2); values in [-127, 127]
  nmc.int_h_s.{l}.bias           i32 [C_out]    round(b[o] * 2^f_l / s_o): the accumulator scale of layer l
  nmc.int_h_s.{l}.multiplier     i32 [C_out]    l = 0, 1: requantization of the accumulator to the next activation
  nmc.int_h_s.{l}.shift          i32 [C_out]      x = clamp((acc * multiplier + 2^(shift-1)) >> shift, -A, A),
                                                  multiplier in [0, 2^31), shift in [1, 62], A = act_bound[l + 1]
  nmc.int_h_s.act_bound          i32 [3]        A_l: |input of layer l| <= A_l <= 32767 (saturation bound)
  nmc.int_h_s.act_frac_bits      i32 [3]        f_l: the input of layer l is x_int * 2^-f_l (f_l in [0, 24]; the
                                                executor uses f_0 only, the multipliers already hold f_1, f_2)
  nmc.int_h_s.input_offset       i32 [N]        round(median[c] * 2^f_0); x0 = clamp(z_sym * 2^f_0 + offset[c], -A_0, A_0)
  nmc.int_h_s.scale_thresholds   i32 [M, L-1]   per scale channel: index = #{j : acc >= T[c][j]} (non-decreasing rows)
  nmc.int_h_s.mean_multiplier    i32 [M]        mbt2018-mean only: mean_int = clamp((acc * mult + 2^(shift-1)) >> shift,
  nmc.int_h_s.mean_shift         i32 [M]          -(2^24 - 1), 2^24 - 1), mean = mean_int * 2^-mean_frac_bits
  nmc.int_h_s.mean_frac_bits     i32 [1]        (exact in float32)

Arithmetic (the C++ executor and run_integer below): activations int16 (|x| <= A_l), weights int8, products and
sums in int32 (proved below), requantization in int64 with `>>` the arithmetic (flooring) shift, so the rounding
is half up. Activation after requantization and saturation: mbt2018-mean LeakyReLU(0.01) as
x >= 0 ? x : (x * 10486 + 2^19) >> 20; bmshj2018-hyperprior ReLU max(x, 0). Scales are the first M output channels of
the last layer (mbt) or all M of them (bmshj, whose final ReLU is absorbed by the thresholds); means are channels
M..2M-1 (mbt). Zero padding of every layer input is an exact integer zero.

Overflow proof (checked here and again by the C++ loader): for every layer l and output channel o,
|bias[o]| + A_l * max_phase sum |w_int[o, taps of that phase]| <= 2^31 - 2, where a phase is one of the
stride^2 output parities of a transposed convolution (the taps that reach one output element); the plain
convolution has one phase with all taps. If the bound fails for A_l = 32767, A_l is lowered.

Scale thresholds: the dequantized scale of channel c is acc * q_c with q_c = s_c * 2^-f_2 (exact rational);
CompressAI's build_indexes gives index = #{j < L-1 : table[j] < max(scale, lower_bound)}, so
T[c][j] = floor(table[j] / q_c) + 1 computed exactly with fractions (table[j] < scale <=> acc >= T), and
T = -2^31 when table[j] < lower_bound (always counted), clamped to int32 otherwise (acc <= 2^31 - 2 never
reaches an unreachable threshold clamped to 2^31 - 1).

Calibration (activation ranges f_l): data-free by default. z symbols are drawn from each channel's
EntropyBottleneck CDF table (numpy default_rng(seed), escape excluded), z_hat = z + median, and the float h_s
(float64 numpy) gives max |activation| per layer input; f_l = largest integer with 2 * max * 2^f_l <= A_l
(factor 2: headroom for spatially correlated real latents). f_0 uses the whole table support of z_hat instead.
--calibration-images runs CompressAI's g_a / h_a on PNG images (needs compressai) and uses the larger of the
two maxima.
"""
import argparse
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
PREFIX = "nmc.int_h_s."
LEAKY_MULT, LEAKY_SHIFT = 10486, 20  # 10486 / 2^20 = 0.0100002 (nn.LeakyReLU slope 0.01)
MEAN_LIMIT = (1 << 24) - 1
ACC_LIMIT = (1 << 31) - 2
ACT_MAX = 32767
HEADROOM = 2.0
MAX_FRAC_BITS = 24
LAYERS = ("h_s.0", "h_s.2", "h_s.4")
TRANSPOSED = (True, True, False)


# ---------------------------------------------------------------------------------------------------------------
# Convolutions on [C, H, W] arrays. With int64 input they are exact: the float64 matmul of integers whose partial
# sums stay below 2^53 (here < 2^31 by the overflow proof) is exact in any summation order.

def _matmul_exact(a, b):
    if np.issubdtype(a.dtype, np.integer):
        r = np.asarray(a, np.float64) @ np.asarray(b, np.float64)
        assert np.all(np.abs(r) < 2.0 ** 52)
        return r.astype(np.int64)
    return a @ b


def conv_transpose2d(x, w, b):
    """ConvTranspose2d(k, stride 2, padding k // 2, output_padding 1): x [C_in, H, W], w [C_in, C_out, k, k]."""
    c_in, h, wd = x.shape
    k = w.shape[2]
    p = k // 2
    full = np.zeros((w.shape[1], 2 * (h - 1) + k + 1, 2 * (wd - 1) + k + 1), dtype=x.dtype)
    xf = x.reshape(c_in, h * wd)
    for kh in range(k):
        for kw in range(k):
            full[:, kh:kh + 2 * h - 1:2, kw:kw + 2 * wd - 1:2] += _matmul_exact(
                np.ascontiguousarray(w[:, :, kh, kw].T), xf).reshape(-1, h, wd)
    return full[:, p:p + 2 * h, p:p + 2 * wd] + b[:, None, None]


def conv2d(x, w, b):
    """Conv2d(k, stride 1, padding k // 2): x [C_in, H, W], w [C_out, C_in, k, k]."""
    c_in, h, wd = x.shape
    k = w.shape[2]
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    out = np.zeros((w.shape[0], h, wd), dtype=x.dtype)
    for kh in range(k):
        for kw in range(k):
            out += _matmul_exact(np.ascontiguousarray(w[:, :, kh, kw]),
                                 xp[:, kh:kh + h, kw:kw + wd].reshape(c_in, -1)).reshape(-1, h, wd)
    return out + b[:, None, None]


def _layer(i, x, w, b):
    return conv_transpose2d(x, w, b) if TRANSPOSED[i] else conv2d(x, w, b)


def float_h_s(sd, arch, z_hat):
    """Float h_s (float64) of z_hat [N, h, w]; returns (layer inputs [3], output [C_out, 4h, 4w])."""
    inputs = []
    x = z_hat.astype(np.float64)
    for i, name in enumerate(LAYERS):
        inputs.append(x)
        x = _layer(i, x, sd[name + ".weight"].astype(np.float64), sd[name + ".bias"].astype(np.float64))
        if i < 2:
            x = np.where(x >= 0, x, 0.01 * x) if arch == "mbt2018-mean" else np.maximum(x, 0)
    return inputs, x


# ---------------------------------------------------------------------------------------------------------------
# Quantization.

def _phase_abs_sums(w_int, transposed):
    """Per output channel: max over output phases of sum |w| over the taps reaching one output element."""
    a = np.abs(w_int.astype(np.int64))
    if not transposed:
        return a.sum(axis=(1, 2, 3))
    k = a.shape[2]
    p = k // 2
    best = np.zeros(a.shape[1], dtype=np.int64)
    for ry in range(2):
        for rx in range(2):
            kh = [t for t in range(k) if (t - ry - p) % 2 == 0]
            kw = [t for t in range(k) if (t - rx - p) % 2 == 0]
            best = np.maximum(best, a[:, :, kh][:, :, :, kw].sum(axis=(0, 2, 3)))
    return best


def requant_params(real):
    """(multiplier, shift) with multiplier * 2^-shift ~= real, multiplier in [2^30, 2^31) when shift allows."""
    real = float(real)
    if not real > 0:
        return 0, 1
    e = int(np.floor(np.log2(real)))
    shift = 30 - e
    if shift < 1:
        raise ValueError(f"requantization factor {real} too large")
    shift = min(shift, 62)
    mult = int(round(real * 2.0 ** shift))
    if mult >= 1 << 31:  # rounding reached 2^31
        mult //= 2
        shift -= 1
    return mult, shift


def _frac_bits(bound, max_abs):
    if max_abs <= 0:
        return MAX_FRAC_BITS
    return int(min(MAX_FRAC_BITS, max(0, np.floor(np.log2(bound / max_abs)))))


def eb_tables(sd):
    cdf = sd["entropy_bottleneck._quantized_cdf"].astype(np.int64)
    return cdf, sd["entropy_bottleneck._offset"].astype(np.int64), sd["entropy_bottleneck._cdf_length"].astype(np.int64)


def medians(sd):
    return sd["entropy_bottleneck.quantiles"][:, 0, 1].astype(np.float64)


def sample_z_symbols(sd, count, h, w, seed):
    """count z symbol maps [N, h, w] drawn independently from each channel's CDF table (escape excluded)."""
    cdf, offset, length = eb_tables(sd)
    rng = np.random.default_rng(seed)
    n = cdf.shape[0]
    out = np.zeros((count, n, h, w), dtype=np.int64)
    for c in range(n):
        pmf = np.diff(cdf[c, :length[c]])[:-1].astype(np.float64)  # symbols offset .. offset + len - 3
        pmf = pmf / pmf.sum()
        out[:, c] = offset[c] + rng.choice(len(pmf), size=(count, h, w), p=pmf)
    return out


def calibrate_data_free(sd, arch, seed=0, count=8, size=16):
    maxima = np.zeros(3)
    med = medians(sd)
    for z in sample_z_symbols(sd, count, size, size, seed):
        inputs, _ = float_h_s(sd, arch, z + med[:, None, None])
        maxima = np.maximum(maxima, [np.abs(a).max() for a in inputs])
    return maxima


def calibrate_images(sd, arch, image_dir):
    """max |layer input| of h_s on the z_hat that CompressAI's g_a / h_a give for the PNG images of image_dir."""
    import torch
    from compressai.models import MeanScaleHyperprior, ScaleHyperprior
    from PIL import Image
    n, m = sd["g_a.0.weight"].shape[0], sd["g_a.6.weight"].shape[0]
    model = (MeanScaleHyperprior if arch == "mbt2018-mean" else ScaleHyperprior)(n, m)
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items() if not k.startswith(PREFIX)},
                          strict=False)
    model.eval()
    maxima = np.zeros(3)
    med = medians(sd)
    with torch.no_grad():
        for path in sorted(Path(image_dir).glob("*.png")):
            x = torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), np.float32) / 255).permute(2, 0, 1)[None]
            h, w = x.shape[2] // 64 * 64, x.shape[3] // 64 * 64
            y = model.g_a(x[:, :, :h, :w])
            z = model.h_a(y if arch == "mbt2018-mean" else torch.abs(y))[0].numpy().astype(np.float64)
            z_hat = np.round(z - med[:, None, None]) + med[:, None, None]
            inputs, _ = float_h_s(sd, arch, z_hat)
            maxima = np.maximum(maxima, [np.abs(a).max() for a in inputs])
    return maxima


def _scale_thresholds(table, lower_bound, q):
    """T[j] = floor(table[j] / q) + 1, or -2^31 when table[j] < lower_bound; q > 0 a Fraction."""
    out = []
    for t in table[:-1]:
        t = Fraction(float(t))
        if t < lower_bound:
            out.append(-(1 << 31))
        else:
            v = (t / q).__floor__() + 1
            out.append(int(min(max(v, -(1 << 31)), (1 << 31) - 1)))
    return out


def quantize(sd, arch, calibration_maxima=None, seed=0):
    """The nmc.int_h_s.* tensors (numpy arrays) for state dict `sd` (numpy arrays, CompressAI names)."""
    n, m = sd["g_a.0.weight"].shape[0], sd["g_a.6.weight"].shape[0]
    mean_scale = arch == "mbt2018-mean"
    if calibration_maxima is None:
        calibration_maxima = calibrate_data_free(sd, arch, seed)
    cdf, offset, length = eb_tables(sd)
    med = medians(sd)
    z_lo = offset + med
    z_hi = offset + length - 3 + med
    z_max = float(max(np.abs(z_lo).max(), np.abs(z_hi).max()))
    maxima = [z_max, float(calibration_maxima[1]), float(calibration_maxima[2])]
    headroom = [1.0, HEADROOM, HEADROOM]

    w_int, scales, biases, bounds, fracs = [], [], [], [], []
    for i, name in enumerate(LAYERS):
        w = sd[name + ".weight"].astype(np.float64)
        b = sd[name + ".bias"].astype(np.float64)
        axes = (0, 2, 3) if TRANSPOSED[i] else (1, 2, 3)
        s = np.abs(w).max(axis=axes) / 127.0
        s = np.where(s > 0, s, 1.0)
        shape = (1, -1, 1, 1) if TRANSPOSED[i] else (-1, 1, 1, 1)
        wi = np.clip(np.round(w / s.reshape(shape)), -127, 127).astype(np.int8)
        sums = _phase_abs_sums(wi, TRANSPOSED[i])
        bound = ACT_MAX
        while True:
            f = _frac_bits(bound, maxima[i] * headroom[i])
            bi = np.round(b * 2.0 ** f / s)
            total = np.abs(bi) + sums * bound
            if np.all(np.abs(bi) < 2 ** 31) and total.max() <= ACC_LIMIT:
                break
            fit = int((ACC_LIMIT - np.abs(bi).max()) // max(int(sums.max()), 1))
            bound = max(1, min(bound - 1, fit))
        w_int.append(wi)
        scales.append(s)
        biases.append(bi.astype(np.int32))
        bounds.append(bound)
        fracs.append(f)

    t = {PREFIX + "version": np.array([FORMAT_VERSION], np.int32),
         PREFIX + "act_bound": np.array(bounds, np.int32),
         PREFIX + "act_frac_bits": np.array(fracs, np.int32),
         PREFIX + "input_offset": np.round(med * 2.0 ** fracs[0]).astype(np.int32)}
    for i in range(3):
        t[f"{PREFIX}{i}.weight"] = w_int[i]
        t[f"{PREFIX}{i}.bias"] = biases[i]
    for i in range(2):
        params = [requant_params(s * 2.0 ** (fracs[i + 1] - fracs[i])) for s in scales[i]]
        t[f"{PREFIX}{i}.multiplier"] = np.array([p[0] for p in params], np.int32)
        t[f"{PREFIX}{i}.shift"] = np.array([p[1] for p in params], np.int32)

    table = sd["gaussian_conditional.scale_table"].astype(np.float32)
    lb_key = "gaussian_conditional.lower_bound_scale.bound"
    lower = Fraction(float(np.float32(sd[lb_key].reshape(-1)[0]))) if lb_key in sd else Fraction(float(np.float32(0.11)))
    if not mean_scale:
        lower = max(lower, Fraction(0))  # final ReLU
    f2 = fracs[2]
    t[PREFIX + "scale_thresholds"] = np.array(
        [_scale_thresholds(table, lower, Fraction(float(scales[2][c])) / 2 ** f2) for c in range(m)], np.int32)
    if mean_scale:
        # Worst-case |mean| from the overflow bound fixes the mean precision so that nothing saturates.
        sums = _phase_abs_sums(w_int[2], False)
        worst = float(((np.abs(biases[2].astype(np.int64)) + sums * bounds[2]) * scales[2] * 2.0 ** -f2)[m:].max())
        k = _frac_bits(MEAN_LIMIT, worst)
        k = min(k, 16)
        params = [requant_params(s * 2.0 ** (k - f2)) for s in scales[2][m:]]
        t[PREFIX + "mean_multiplier"] = np.array([p[0] for p in params], np.int32)
        t[PREFIX + "mean_shift"] = np.array([p[1] for p in params], np.int32)
        t[PREFIX + "mean_frac_bits"] = np.array([k], np.int32)
    check_overflow(t)
    return t


def check_overflow(t):
    bounds = t[PREFIX + "act_bound"].astype(np.int64)
    for i in range(3):
        sums = _phase_abs_sums(t[f"{PREFIX}{i}.weight"], TRANSPOSED[i])
        total = np.abs(t[f"{PREFIX}{i}.bias"].astype(np.int64)) + sums * bounds[i]
        if total.max() > ACC_LIMIT:
            raise ValueError(f"layer {i}: accumulator bound {total.max()} exceeds {ACC_LIMIT}")


# ---------------------------------------------------------------------------------------------------------------
# Integer reference of the C++ executor (int64 numpy; asserts the int32 accumulator range).

def _requant(acc, mult, shift, lo, hi):
    mult = mult.astype(np.int64)[:, None, None]
    shift = shift.astype(np.int64)[:, None, None]
    return np.clip((acc * mult + (np.int64(1) << (shift - 1))) >> shift, lo, hi)


def run_integer(t, z_symbols, arch):
    """z_symbols int [N, h, w] -> (indexes int32 [M, 4h, 4w], mean_int int32 [M, 4h, 4w] or None)."""
    mean_scale = arch == "mbt2018-mean"
    bounds = t[PREFIX + "act_bound"].astype(np.int64)
    f0 = int(t[PREFIX + "act_frac_bits"][0])
    z = z_symbols.astype(np.int64)
    x = np.clip(z * (np.int64(1) << f0) + t[PREFIX + "input_offset"].astype(np.int64)[:, None, None],
                -bounds[0], bounds[0])
    for i in range(3):
        acc = _layer(i, x, t[f"{PREFIX}{i}.weight"].astype(np.int64), t[f"{PREFIX}{i}.bias"].astype(np.int64))
        assert np.abs(acc).max(initial=0) <= ACC_LIMIT
        if i == 2:
            break
        x = _requant(acc, t[f"{PREFIX}{i}.multiplier"], t[f"{PREFIX}{i}.shift"], -bounds[i + 1], bounds[i + 1])
        if mean_scale:
            x = np.where(x >= 0, x, (x * LEAKY_MULT + (1 << (LEAKY_SHIFT - 1))) >> LEAKY_SHIFT)
        else:
            x = np.maximum(x, 0)
    thr = t[PREFIX + "scale_thresholds"].astype(np.int64)
    m = thr.shape[0]
    scale_acc = acc[:m]
    indexes = (scale_acc[:, :, :, None] >= thr[:, None, None, :]).sum(axis=3).astype(np.int32)
    means = None
    if mean_scale:
        means = _requant(acc[m:], t[PREFIX + "mean_multiplier"], t[PREFIX + "mean_shift"],
                         -MEAN_LIMIT, MEAN_LIMIT).astype(np.int32)
    return indexes, means


def float_indexes(sd, scales):
    """CompressAI build_indexes on float scales (numpy float32)."""
    table = sd["gaussian_conditional.scale_table"].astype(np.float32)
    lb_key = "gaussian_conditional.lower_bound_scale.bound"
    lb = np.float32(sd[lb_key].reshape(-1)[0]) if lb_key in sd else np.float32(0.11)
    s = np.maximum(scales.astype(np.float32), lb)
    idx = np.full(s.shape, len(table) - 1, np.int32)
    for v in table[:-1]:
        idx -= (s <= v)
    return idx


# ---------------------------------------------------------------------------------------------------------------

def add_to_model(model_path, arch=None, calibration_images=None, seed=0):
    """Adds (or replaces) the nmc.int_h_s.* tensors of a model.safetensors in place."""
    from safetensors import safe_open
    from safetensors.numpy import save_file
    model_path = Path(model_path)
    with safe_open(str(model_path), framework="numpy") as f:
        metadata = f.metadata() or {}
        sd = {k: f.get_tensor(k) for k in f.keys() if not k.startswith(PREFIX)}
    if arch is None:
        arch = metadata.get("architecture") or ("mbt2018-mean" if sd["h_s.4.weight"].shape[0] ==
                                                2 * sd["g_a.6.weight"].shape[0] else "bmshj2018-hyperprior")
    maxima = calibrate_data_free(sd, arch, seed)
    if calibration_images:
        maxima = np.maximum(maxima, calibrate_images(sd, arch, calibration_images))
    t = quantize(sd, arch, maxima, seed)
    sd.update(t)
    mode = model_path.stat().st_mode & 0o777
    save_file(sd, str(model_path), metadata=metadata)
    model_path.chmod(mode)
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--calibration-images", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = add_to_model(args.model_dir / "model.safetensors", None, args.calibration_images, args.seed)
    print(f"{args.model_dir}: nmc.int_h_s v{FORMAT_VERSION}, act_bound {t[PREFIX + 'act_bound'].tolist()}, "
          f"act_frac_bits {t[PREFIX + 'act_frac_bits'].tolist()}", file=sys.stderr)


if __name__ == "__main__":
    main()
