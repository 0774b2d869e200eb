#!/usr/bin/env python3
"""Write rANS reference streams made by the real CompressAI library.

Usage: make_rans_reference.py OUT_DIR [--seed S] [--checkpoint-table FILE] [--no-timing]

Needs torch, numpy, scipy, mpmath, safetensors and compressai (tools/reference/setup_venv.sh). For a set of random
configurations it builds CompressAI entropy models, lets CompressAI compute their quantized CDF tables
(`update()`, float32 with torch's erfc) and encodes random symbols with CompressAI's C++ coder
(`compressai.ans.RansEncoder.encode_with_indexes`). The C++ test `[.reference]` in
tests/codecs/entropy/test_rans_reference.cpp reads the result and checks nmc against it.

Configurations: GaussianConditional with the scale table of CompressAI's pretrained checkpoints
(gaussian_checkpoint, read from tests/data/entropy/compressai_gaussian_tables.safetensors), with
get_scale_table() as this torch computes it (gaussian_default), with random log-spaced scale tables
(gaussian_custom, one with tail mass 1e-6); EntropyBottleneck with random parameters
(entropy_bottleneck, quantiles found by update(update_quantiles=True)). About 0.1-0.5% of the inputs
are replaced by large values (up to 6e7) so every stream codes escapes.

One OUT_DIR/<NN>_<name>.safetensors per configuration:
  cdf_rows    i32[sum(cdf_length)]  the rows of `_quantized_cdf` concatenated without their zero padding
  cdf_length  i32[T]                `_cdf_length` (entries per row = symbols + 1, escape included)
  offset      i32[T]                `_offset`
  symbols     i32[N]                the coded integers, in coding order
  indexes     i32[N]                table index of each symbol
  bytes       u8[B]                 CompressAI's encoded string
  Gaussian configurations only:
  scale_table f32[T]                the float32 scale table CompressAI built its tables from
  tail_bound  f32[1]                float32(-Phi^-1(tail_mass / 2)): the multiplier of the scales as
                                    CompressAI applies it (scale_table * multiplier in float32)
  scales      f32[N]                the predicted scales after CompressAI's lower bound, from which
                                    `build_indexes` computed `indexes`
  cdf_rows_exact_erfc i32[...]      the tables update() computes when torch's float32 erfc is replaced by
                                    the correctly rounded float32 erfc (every other float32 step as torch
                                    does it; checked: with torch's erfc the same code gives cdf_rows)
metadata: kind (gaussian_checkpoint | gaussian_default | gaussian_custom | entropy_bottleneck), compressai_version,
torch_version, seed, tail_mass_denominator (Gaussian: tail mass = 1 / denominator), description.

Also writes OUT_DIR/compressai_throughput.json: CompressAI's encode_with_indexes / decode_with_indexes
speed on a 2^20-symbol indexed Gaussian stream, median of 5 runs, timed from Python including the
conversion of the numpy arrays to Python lists that CompressAI's bindings require.
"""
import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import mpmath
import numpy as np
import scipy.special
import torch
from safetensors.numpy import load_file, save_file

import compressai
from compressai._CXX import pmf_to_quantized_cdf
from compressai.ans import RansDecoder, RansEncoder
from compressai.entropy_models import EntropyBottleneck, GaussianConditional
from compressai.models.base import get_scale_table

# Escaped values stay below 2^26 in magnitude: CompressAI's escape code counts the nibbles of the raw
# value with an int32 shift that is undefined from 2^28 on (raw = 2|v| + 1), so larger values are not
# something it can be asked to code.
MAX_OUTLIER = 6.0e7


def unpadded_rows(quantized_cdf, cdf_length):
    cdf = quantized_cdf.cpu().numpy()
    lengths = cdf_length.cpu().numpy()
    return np.concatenate([cdf[t, : lengths[t]] for t in range(cdf.shape[0])]).astype(np.int32)


def encode(symbols, indexes, quantized_cdf, cdf_length, offset):
    return RansEncoder().encode_with_indexes(
        symbols.tolist(), indexes.tolist(), quantized_cdf.tolist(),
        cdf_length.reshape(-1).int().tolist(), offset.reshape(-1).int().tolist())


def add_outliers(rng, x, rate):
    """Replaces a fraction `rate` of x with large values of both signs (escapes in every table)."""
    flat = x.reshape(-1)
    n = int(rate * flat.numel())
    if n == 0:
        return x
    where = torch.from_numpy(rng.choice(flat.numel(), size=n, replace=False))
    magnitude = np.exp(rng.uniform(math.log(50.0), math.log(MAX_OUTLIER), size=n))
    sign = rng.choice([-1.0, 1.0], size=n)
    flat[where] = torch.from_numpy(sign * magnitude).float()
    return x


def erfc_f32_correctly_rounded(args):
    """float32 erfc of float32 `args`, correctly rounded (float64 erfc; mpmath where that is too close to call)."""
    d = scipy.special.erfc(args.astype(np.float64))
    f = d.astype(np.float32)
    # The float32 neighbour on d's side of f; d is at most a few float64 ulp off, so f is correctly rounded
    # unless d lies within ~1e-12 (relative) of the midpoint of f and that neighbour.
    toward = np.nextafter(f, np.where(d > f, np.float32(np.inf), np.float32(-np.inf)).astype(np.float32))
    midpoint = (f.astype(np.float64) + toward.astype(np.float64)) / 2
    close = np.abs(d - midpoint) <= 1e-12 * np.abs(d)
    mpmath.mp.prec = 128
    for i in np.flatnonzero(close.reshape(-1)):
        exact = mpmath.erfc(mpmath.mpf(float(args.reshape(-1)[i])))
        g = np.float32(float(exact))
        candidates = [g, np.nextafter(g, np.float32(np.inf)), np.nextafter(g, np.float32(-np.inf))]
        f.reshape(-1)[i] = min(candidates, key=lambda c: abs(mpmath.mpf(float(c)) - exact))
    return f


def gaussian_update_rows(scale_table, multiplier, erfc):
    """GaussianConditional.update() step by step in float32 with a given erfc; unpadded rows.

    Every operation is the float32 operation torch performs (numpy float32 arithmetic is IEEE); the
    quantization is CompressAI's own pmf_to_quantized_cdf. With erfc = torch.erfc it reproduces
    CompressAI's tables (checked by the caller), so the tables with a correctly rounded erfc differ from
    CompressAI's only where torch's float32 erfc is not correctly rounded."""
    st = scale_table.astype(np.float32)
    center = np.ceil(st * np.float32(multiplier)).astype(np.int32)
    lengths = 2 * center + 1
    samples = np.abs(np.arange(int(lengths.max()), dtype=np.int32)[None, :] - center[:, None]).astype(np.float32)
    const, half = np.float32(-(2**-0.5)), np.float32(0.5)
    upper = half * erfc(const * ((half - samples) / st[:, None]))
    lower = half * erfc(const * ((-half - samples) / st[:, None]))
    pmf = upper - lower
    tail = np.float32(2) * lower[:, 0]
    rows = []
    for t in range(st.size):
        rows += pmf_to_quantized_cdf(pmf[t, : lengths[t]].tolist() + [float(tail[t])], 16)
    return np.array(rows, dtype=np.int32)


def torch_erfc(args):
    return torch.erfc(torch.from_numpy(np.ascontiguousarray(args))).numpy()


def gaussian_config(rng, scale_table, tail_mass, shape, outlier_rate):
    """A GaussianConditional with `scale_table`, random scales and means, symbols = round(y - means)."""
    gc = GaussianConditional(None, scale_bound=min(0.11, float(scale_table[0])), tail_mass=tail_mass)
    gc.update_scale_table(scale_table, force=True)
    table = gc.scale_table
    lo, hi = math.log(float(table[0]) * 0.5), math.log(float(table[-1]) * 1.5)
    scales = torch.from_numpy(np.exp(rng.uniform(lo, hi, size=shape))).float()
    means = torch.from_numpy(rng.uniform(-20, 20, size=shape)).float()
    y = means + scales * torch.from_numpy(rng.standard_normal(size=shape)).float()
    y = add_outliers(rng, y, outlier_rate)
    indexes = gc.build_indexes(scales)
    symbols = gc.quantize(y, "symbols", means)
    strings = gc.compress(y, indexes, means)
    sym = symbols.reshape(-1).int().numpy()
    idx = indexes.reshape(-1).int().numpy()
    data = encode(sym, idx, gc._quantized_cdf, gc._cdf_length, gc._offset)
    assert len(strings) == 1 and strings[0] == data, "compress() and encode_with_indexes() disagree"
    multiplier = -float(gc._standardized_quantile(gc.tail_mass / 2))
    cdf_rows = unpadded_rows(gc._quantized_cdf, gc._cdf_length)
    scale_table = table.float().numpy().copy()
    assert np.array_equal(gaussian_update_rows(scale_table, multiplier, torch_erfc), cdf_rows), \
        "the float32 replica of GaussianConditional.update() does not reproduce CompressAI's tables"
    tensors = {
        "cdf_rows": cdf_rows,
        "cdf_length": gc._cdf_length.int().numpy(),
        "offset": gc._offset.int().numpy(),
        "symbols": sym,
        "indexes": idx,
        "bytes": np.frombuffer(data, dtype=np.uint8).copy(),
        "scale_table": scale_table,
        "cdf_rows_exact_erfc": gaussian_update_rows(scale_table, multiplier, erfc_f32_correctly_rounded),
        "tail_bound": np.array([multiplier], dtype=np.float32),
        "scales": gc.lower_bound_scale(scales).reshape(-1).float().numpy().copy(),
    }
    return tensors


def entropy_bottleneck_config(rng, channels, shape_hw, width_range, outlier_rate):
    """An EntropyBottleneck with random parameters, tables from update(force=True, update_quantiles=True)."""
    eb = EntropyBottleneck(channels)
    with torch.no_grad():
        widths = np.exp(rng.uniform(math.log(width_range[0]), math.log(width_range[1]), size=channels))
        for i, m in enumerate(eb.matrices):
            m.copy_(torch.from_numpy(rng.normal(0.0, 0.6, size=tuple(m.shape))).float() + m)
            if i == 0:  # the input scaling sets each channel's width
                m.copy_(torch.from_numpy(np.log(np.expm1(1.0 / widths / 3.0))).float()[:, None, None].expand_as(m)
                        + torch.from_numpy(rng.normal(0.0, 0.3, size=tuple(m.shape))).float())
        for b in eb.biases:
            b.copy_(torch.from_numpy(rng.uniform(-1.5, 1.5, size=tuple(b.shape))).float())
        for f in eb.factors:
            f.copy_(torch.from_numpy(rng.normal(0.0, 1.0, size=tuple(f.shape))).float())
    eb.eval()
    assert eb.update(force=True, update_quantiles=True)
    q = eb.quantiles.detach()[:, 0, :]
    medians = q[:, 1]
    spread = (q[:, 2] - q[:, 0]) / 10.0
    shape = (1, channels, *shape_hw)
    x = medians[None, :, None, None] + spread[None, :, None, None] * torch.from_numpy(
        rng.standard_normal(size=shape)).float()
    x = add_outliers(rng, x, outlier_rate)
    indexes = eb._build_indexes(x.size())
    symbols = eb.quantize(x, "symbols", medians[None, :, None, None].expand_as(x))
    strings = eb.compress(x)
    sym = symbols.reshape(-1).int().numpy()
    idx = indexes.reshape(-1).int().numpy()
    data = encode(sym, idx, eb._quantized_cdf, eb._cdf_length, eb._offset)
    assert len(strings) == 1 and strings[0] == data, "compress() and encode_with_indexes() disagree"
    return {
        "cdf_rows": unpadded_rows(eb._quantized_cdf, eb._cdf_length),
        "cdf_length": eb._cdf_length.int().numpy(),
        "offset": eb._offset.int().numpy(),
        "symbols": sym,
        "indexes": idx,
        "bytes": np.frombuffer(data, dtype=np.uint8).copy(),
    }


def random_scale_table(rng, count, lo_range, hi_range):
    lo = math.exp(rng.uniform(math.log(lo_range[0]), math.log(lo_range[1])))
    hi = math.exp(rng.uniform(math.log(hi_range[0]), math.log(hi_range[1])))
    return torch.exp(torch.linspace(math.log(lo), math.log(hi), count))


def checkpoint_scale_table(path):
    """The float32 scale table stored in CompressAI's pretrained checkpoints (as copied into the test data)."""
    return torch.from_numpy(load_file(str(path))["scale_table"].astype(np.float32))


def configurations(rng, checkpoint_table_path):
    """(name, kind, tail mass denominator or None, description, builder)."""
    # get_scale_table() as computed by this torch build: torch's float32 exp may round some of the 64 scales
    # differently from the table stored in CompressAI's checkpoints (gaussian_checkpoint below).
    default_table = get_scale_table()
    n20, n64, nr = 20, 64, int(rng.integers(21, 64))
    return [
        ("gaussian_checkpoint_4k", "gaussian_checkpoint", 10**9,
         "scale table of CompressAI's pretrained checkpoints, 4096 symbols",
         lambda: gaussian_config(rng, checkpoint_scale_table(checkpoint_table_path), 1e-9, (1, 16, 16, 16), 0.002)),
        ("gaussian_default_1k", "gaussian_default", 10**9, "default scale table, 1024 symbols",
         lambda: gaussian_config(rng, default_table, 1e-9, (1, 4, 16, 16), 0.002)),
        ("gaussian_default_196k", "gaussian_default", 10**9, "default scale table, 196608 symbols, 0.3% escapes",
         lambda: gaussian_config(rng, default_table, 1e-9, (1, 192, 32, 32), 0.003)),
        ("gaussian_custom_20", "gaussian_custom", 10**9, f"{n20} random log-spaced scales, 16384 symbols",
         lambda: gaussian_config(rng, random_scale_table(rng, n20, (0.05, 0.5), (4, 40)), 1e-9, (1, 16, 32, 32),
                                 0.001)),
        ("gaussian_custom_64", "gaussian_custom", 10**9, f"{n64} random log-spaced scales up to ~1000, 65536 symbols",
         lambda: gaussian_config(rng, random_scale_table(rng, n64, (0.1, 1.0), (100, 1000)), 1e-9,
                                 (1, 64, 32, 32), 0.005)),
        ("gaussian_custom_tail1e-6", "gaussian_custom", 10**6, f"{nr} random scales, tail mass 1e-6, 32768 symbols",
         lambda: gaussian_config(rng, random_scale_table(rng, nr, (0.08, 2.0), (10, 300)), 1e-6, (1, 32, 32, 32),
                                 0.002)),
        ("entropy_bottleneck_192", "entropy_bottleneck", None, "EntropyBottleneck(192), random parameters, 49152 symbols",
         lambda: entropy_bottleneck_config(rng, 192, (16, 16), (0.3, 30.0), 0.003)),
        ("entropy_bottleneck_8_wide", "entropy_bottleneck", None, "EntropyBottleneck(8), wide densities, 32768 symbols",
         lambda: entropy_bottleneck_config(rng, 8, (64, 64), (4.0, 60.0), 0.001)),
    ]


def time_compressai(rng, repeats=5):
    """Median encode / decode time of CompressAI's coder on a 2^20-symbol indexed Gaussian stream."""
    gc = GaussianConditional(None)
    gc.update_scale_table(get_scale_table(), force=True)
    shape = (1, 256, 64, 64)
    scales = torch.from_numpy(np.exp(rng.uniform(math.log(0.1), math.log(20.0), size=shape))).float()
    y = scales * torch.from_numpy(rng.standard_normal(size=shape)).float()
    symbols = gc.quantize(y, "symbols").reshape(-1).int().numpy()
    indexes = gc.build_indexes(scales).reshape(-1).int().numpy()
    cdf = gc._quantized_cdf.numpy()
    lengths = gc._cdf_length.int().numpy()
    offsets = gc._offset.int().numpy()
    enc_times, dec_times = [], []
    data = b""
    for _ in range(repeats):
        t0 = time.perf_counter()
        data = RansEncoder().encode_with_indexes(symbols.tolist(), indexes.tolist(), cdf.tolist(),
                                                 lengths.tolist(), offsets.tolist())
        enc_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = RansDecoder().decode_with_indexes(data, indexes.tolist(), cdf.tolist(), lengths.tolist(),
                                                offsets.tolist())
        dec_times.append(time.perf_counter() - t0)
        assert out == symbols.tolist()
    n = int(symbols.size)
    return {
        "what": "CompressAI 1-lane rANS (compressai.ans) called from Python, includes list conversion",
        "compressai_version": compressai.__version__,
        "symbols": n,
        "tables": int(lengths.size),
        "bytes": len(data),
        "repeats": repeats,
        "encode_median_s": statistics.median(enc_times),
        "decode_median_s": statistics.median(dec_times),
        "encode_symbols_per_s": n / statistics.median(enc_times),
        "decode_symbols_per_s": n / statistics.median(dec_times),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--checkpoint-table", type=Path,
                        default=Path(__file__).resolve().parents[1] / "data/entropy/compressai_gaussian_tables.safetensors",
                        help="safetensors with the checkpoints' scale_table (default: the entropy test data)")
    parser.add_argument("--no-timing", action="store_true", help="skip the throughput measurement")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for old in args.out_dir.glob("*.safetensors"):
        old.unlink()
    torch.manual_seed(args.seed)
    torch.set_grad_enabled(False)
    rng = np.random.default_rng(args.seed)
    for k, (name, kind, tail_den, description, build) in enumerate(configurations(rng, args.checkpoint_table)):
        tensors = build()
        metadata = {
            "kind": kind,
            "compressai_version": compressai.__version__,
            "torch_version": torch.__version__,
            "seed": str(args.seed),
            "description": description,
        }
        if tail_den is not None:
            metadata["tail_mass_denominator"] = str(tail_den)
        path = args.out_dir / f"{k:02d}_{name}.safetensors"
        save_file(tensors, str(path), metadata=metadata)
        print(f"{path.name}: {kind}, {tensors['cdf_length'].size} tables, {tensors['symbols'].size} symbols, "
              f"{tensors['bytes'].size} bytes")
    if not args.no_timing:
        result = time_compressai(rng)
        (args.out_dir / "compressai_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"CompressAI from Python: encode {result['encode_symbols_per_s'] / 1e6:.2f} M symbols/s, "
              f"decode {result['decode_symbols_per_s'] / 1e6:.2f} M symbols/s ({result['symbols']} symbols)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
