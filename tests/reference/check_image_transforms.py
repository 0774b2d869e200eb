#!/usr/bin/env python3
"""Reference check of nmc's hyperprior image transforms against the real CompressAI.

Usage: check_image_transforms.py --driver PATH WORK_DIR [--reference-backend-pixels P] [--quick]

For each configuration (mbt2018-mean N/M = 32/48, 64/96, 128/192; bmshj2018-hyperprior N/M = 32/32,
128/192; fixed seeds) this builds the CompressAI model with random initialisation, calibrates it so that
every code path is exercised (perturbed GDN parameters with asymmetric and clamped entries; every
convolution rescaled on a calibration image so that activations have unit spread, latents y a spread of
about 4, z a spread of about 3 around random non-zero medians with some channels' quantile ranges narrower
than the data, mbt scales mostly positive, x_hat around 0.5 with some values clamped), runs
update(force=True), saves the state dict, converts it with tools/convert/compressai_to_safetensors.py and,
for images of 64x64, 128x192 and 256x384 (random smooth 8-bit images), runs nmc_image_transforms_driver
(tests/reference/image_transforms_driver.cpp) on the CPU backend, and on the reference backend for images
of at most --reference-backend-pixels pixels (default 128*192).

WORK_DIR receives the checkpoints, converted models, driver inputs/outputs and results.json (every
measured error and tolerance). Checks (exit status 1 if any fails):
  stage-wise (nmc fed with CompressAI's float32 intermediates):
    y = g_a(x), z = h_a(y) (h_a(|y|) for bmshj), scales/means = h_s(z_hat), x_hat = g_s(y_hat).clamp(0, 1)
      within max-abs tolerances; z_symbols/z_hat (EntropyBottleneck quantization around the medians),
      indexes (GaussianConditional.build_indexes) and y_symbols/y_hat (rounding around the means) exactly.
  end to end (nmc's own chain from x against CompressAI's chain from x):
    z within tolerance; z_symbols may differ only where CompressAI's z - median lies within the z
    tolerance of a rounding boundary, at most ceil(0.1%) of the elements. Outside the receptive field of
    such flips (h_s reaches +-7 latent rows/columns of 4*i) scales/means must be within tolerance, and
    indexes / y_symbols may differ only next to a boundary (a scale table entry within the scale tolerance;
    y - means within the y + means tolerance of a half-integer), again at most ceil(0.1%) of the elements
    each. x_hat must equal CompressAI's g_s applied to nmc's own y_hat within the x_hat tolerance.

Tolerance of each stage: the larger of the static fixtures' suggested value (tests/data/image/*/README.md)
and 20 times the difference between CompressAI's float32 result and a float64 recomputation of the same
stage on the same float32 input - the rule those fixtures' tolerances were derived with - so that layers
whose outputs are larger than the fixtures' get proportionally larger tolerances.

The calibration must not be degenerate: over each configuration's images the script also requires more
than 20% non-zero z and y symbols, escape-coded z and y symbols, more than 20 distinct Gaussian table
indexes, non-zero medians, and some (less than half) clamped x_hat values per image.
"""
import argparse
import copy
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from compressai.models import MeanScaleHyperprior, ScaleHyperprior
from safetensors.torch import load_file, save_file
from torch import nn

CONVERTER = Path(__file__).resolve().parents[2] / "tools" / "convert" / "compressai_to_safetensors.py"

# (architecture, N, M, seed)
CONFIGS = [
    ("mbt2018-mean", 32, 48, 101),
    ("mbt2018-mean", 64, 96, 102),
    ("mbt2018-mean", 128, 192, 103),
    ("bmshj2018-hyperprior", 32, 32, 201),
    ("bmshj2018-hyperprior", 128, 192, 202),
]
SIZES = [(64, 64), (128, 192), (256, 384)]

# Suggested max-abs tolerances of the static fixtures (tests/data/image/<arch>/README.md).
FIXTURE_TOL = {
    "mbt2018-mean": {"y": 2.2e-4, "z": 1.6e-4, "scales": 3.8e-4, "means": 4.9e-5, "x_hat": 1.4e-5},
    "bmshj2018-hyperprior": {"y": 2.2e-4, "z": 1.7e-4, "scales": 1.4e-3, "means": 0.0, "x_hat": 1.6e-5},
}
FP64_FACTOR = 20.0
MISMATCH_FRACTION = 0.001
# Receptive-field half widths: one z element reaches h_s outputs 4*i-7 .. 4*i+7 (two stride-2 5x5 deconvs
# and a 3x3 conv); one y element reaches g_s outputs 16*i-30 .. 16*i+30 (four stride-2 5x5 deconvs).
HS_STRIDE, HS_REACH = 4, 7
GS_STRIDE, GS_REACH = 16, 30


# ---- model construction ---------------------------------------------------------------------------------


def smooth_image(h, w, gen):
    """Random smooth RGB image in [0, 1], 8-bit values, [1, 3, h, w] float32."""
    low = torch.rand(1, 3, h // 16 + 3, w // 16 + 3, generator=gen)
    img = F.interpolate(low, size=(h, w), mode="bicubic", align_corners=False)
    ramp = (torch.linspace(0, 1, h)[:, None] + torch.linspace(0, 1, w)[None, :]) / 2
    img = 0.75 * img + 0.2 * ramp + 0.04 * torch.randn(1, 3, h, w, generator=gen)
    return torch.round(img.clamp(0, 1) * 255) / 255


def perturb_gdn(model, gen):
    """Asymmetric gamma (some off-diagonal entries, some clamped to the bound) and varied beta."""
    for name, m in model.named_modules():
        if not hasattr(m, "gamma_reparam"):
            continue
        c = m.beta.numel()
        m.beta.mul_(0.6 + 0.8 * torch.rand(c, generator=gen))
        m.beta[0] = -0.5  # below the bound: clamped, effective beta ~1e-6
        mask = torch.rand(c, c, generator=gen) < 0.3
        m.gamma.add_(mask * 0.12 * torch.rand(c, c, generator=gen))
        neg = torch.rand(c, c, generator=gen) < 0.05
        m.gamma[neg] = -0.01  # below the bound: effective gamma 0


def rescale_sequential(seq, x, inner, final):
    """Scales each convolution so that its output has standard deviation `inner` (`final` for the last)."""
    convs = [i for i, m in enumerate(seq) if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    for i, m in enumerate(seq):
        out = m(x)
        if i in convs:
            k = (final if i == convs[-1] else inner) / out.std().item()
            m.weight.mul_(k)
            m.bias.mul_(k)
            out = m(x)
        x = out
    return x


@torch.no_grad()
def build_model(arch, n, m, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    mean_scale = arch == "mbt2018-mean"
    model = (MeanScaleHyperprior if mean_scale else ScaleHyperprior)(n, m).eval()
    perturb_gdn(model, gen)
    x = torch.cat([smooth_image(128, 128, gen), smooth_image(128, 128, gen)])
    y = rescale_sequential(model.g_a, x, inner=1.5, final=4.0)
    z = rescale_sequential(model.h_a, y if mean_scale else y.abs(), inner=1.0, final=3.0)

    # EntropyBottleneck quantiles: random non-zero medians near the data, ranges of 1 to 4 spreads (the
    # narrow ones give escape-coded symbols).
    eb = model.entropy_bottleneck
    zc = z.transpose(0, 1).reshape(n, -1)
    med = zc.median(dim=1).values + (torch.rand(n, generator=gen) - 0.5)
    spread = zc.std(dim=1)
    eb.quantiles[:, 0, 1] = med
    eb.quantiles[:, 0, 0] = med - spread * (1 + 3 * torch.rand(n, generator=gen))
    eb.quantiles[:, 0, 2] = med + spread * (1 + 3 * torch.rand(n, generator=gen))
    z_hat = torch.round(z - med[None, :, None, None]) + med[None, :, None, None]

    params = rescale_sequential(model.h_s, z_hat, inner=1.0, final=3.0)
    if mean_scale:
        model.h_s[-1].bias[:m] += 4.0  # mostly positive scales; some still below the 0.11 bound
        params = model.h_s(z_hat)
        scales, means = params.chunk(2, 1)
        y_hat = torch.round(y - means) + means
    else:
        y_hat = torch.round(y)
    rescale_sequential(model.g_s, y_hat, inner=1.0, final=0.3)
    model.g_s[-1].bias += 0.5  # x_hat around 0.5, some values clamped at 0 and 1
    model.update(force=True)
    return model


# ---- CompressAI reference -----------------------------------------------------------------------------


def medians_of(model, z):
    return model.entropy_bottleneck._get_medians().detach().reshape(1, -1, 1, 1).expand_as(z)


@torch.no_grad()
def reference(model, model64, arch, x):
    """CompressAI's chain from x (float32), and the float64 error of each stage on the same float32 input."""
    mean_scale = arch == "mbt2018-mean"
    eb, gc = model.entropy_bottleneck, model.gaussian_conditional
    r = {"x": x}
    r["y"] = model.g_a(x)
    ha_in = r["y"] if mean_scale else r["y"].abs()
    r["z"] = model.h_a(ha_in)
    med = medians_of(model, r["z"])
    r["z_symbols"] = eb.quantize(r["z"], "symbols", med)
    r["z_hat"] = eb.dequantize(r["z_symbols"], med)
    params = model.h_s(r["z_hat"])
    if mean_scale:
        r["scales"], r["means"] = (t.contiguous() for t in params.chunk(2, 1))
    else:
        r["scales"], r["means"] = params, None
    r["indexes"] = gc.build_indexes(r["scales"])
    r["y_symbols"] = gc.quantize(r["y"], "symbols", r["means"])
    r["y_hat"] = gc.dequantize(r["y_symbols"], r["means"])
    r["x_hat"] = model.g_s(r["y_hat"]).clamp_(0, 1)

    d = lambda t: t.double()  # noqa: E731
    err = {"y": (model64.g_a(d(x)) - r["y"]).abs().max().item(),
           "z": (model64.h_a(d(ha_in)) - r["z"]).abs().max().item()}
    y64 = model64.g_a(d(x))
    z64_chain = model64.h_a(y64 if mean_scale else y64.abs())
    err["z_chain"] = (z64_chain - r["z"]).abs().max().item()
    p64 = model64.h_s(d(r["z_hat"]))
    if mean_scale:
        s64, m64 = p64.chunk(2, 1)
        err["scales"] = (s64 - r["scales"]).abs().max().item()
        err["means"] = (m64 - r["means"]).abs().max().item()
    else:
        err["scales"] = (p64 - r["scales"]).abs().max().item()
        err["means"] = 0.0
    err["x_hat"] = (model64.g_s(d(r["y_hat"])).clamp(0, 1) - r["x_hat"]).abs().max().item()
    return r, err


# ---- comparison helpers ---------------------------------------------------------------------------------


def max_abs(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype == torch.float32, (a.shape, b.shape, a.dtype, b.dtype)
    d = (a.double() - b.double()).abs()
    return math.inf if torch.isnan(d).any() else d.max().item()


def half_integer_distance(v):
    """Distance of each value to the nearest rounding boundary (half-integer)."""
    return ((v.double() - torch.floor(v.double())) - 0.5).abs()


def table_distance(scales, table, lower):
    """Distance of each bounded scale to the nearest threshold of build_indexes (table[0..L-2])."""
    s = scales.double().clamp(min=lower)
    return (s.unsqueeze(-1) - table[:-1].double()).abs().min(dim=-1).values


def influence(flips, stride, reach, out_hw):
    """Elements of a [1, C, H, W] output whose receptive field contains a flipped input element."""
    f = flips.any(dim=1, keepdim=True).float()
    up = torch.zeros(1, 1, f.shape[2] * stride, f.shape[3] * stride)
    up[:, :, ::stride, ::stride] = f
    grown = F.max_pool2d(up, kernel_size=2 * reach + 1, stride=1, padding=reach) > 0
    assert tuple(grown.shape[2:]) == tuple(out_hw)
    return grown


class Checks:
    def __init__(self, label):
        self.label = label
        self.failures = []

    def require(self, ok, what):
        if not ok:
            self.failures.append(f"{self.label}: {what}")


def compare(arch, model, ref, err64, out, checks, row):
    mean_scale = arch == "mbt2018-mean"
    tol = {k: max(FIXTURE_TOL[arch][k], FP64_FACTOR * err64[k]) for k in ("y", "z", "scales", "means", "x_hat")}
    tol["z_chain"] = max(FIXTURE_TOL[arch]["z"], FP64_FACTOR * err64["z_chain"])
    row["tol"] = tol
    gc = model.gaussian_conditional
    table = gc.scale_table
    lower = float(gc.lower_bound_scale.bound)

    # Stage-wise.
    stage_cont = [("y", "y", "y"), ("z", "stage.z", "z"), ("scales", "stage.scales", "scales"),
                  ("x_hat", "stage.x_hat", "x_hat")]
    if mean_scale:
        stage_cont.append(("means", "stage.means", "means"))
    for key, name, ref_name in stage_cont:
        e = max_abs(out[name], ref[ref_name])
        row["err_" + key] = e
        checks.require(e <= tol[key], f"stage {key}: max abs error {e:.3g} > tolerance {tol[key]:.3g}")
    stage_exact = [("stage.z_symbols", "z_symbols"), ("stage.z_hat", "z_hat"), ("stage.indexes", "indexes"),
                   ("stage.y_symbols", "y_symbols"), ("stage.y_hat", "y_hat")]
    row["stage_exact_diff"] = 0
    for name, ref_name in stage_exact:
        a, b = out[name], ref[ref_name].to(out[name].dtype)
        checks.require(a.shape == b.shape, f"stage {ref_name}: shape {tuple(a.shape)} != {tuple(b.shape)}")
        n = int((a != b).sum()) if a.shape == b.shape else a.numel()
        row["stage_exact_diff"] += n
        checks.require(n == 0, f"stage {ref_name}: {n} of {a.numel()} elements differ (must be exact)")

    # End to end.
    e = max_abs(out["z"], ref["z"])
    row["e2e_z"] = e
    checks.require(e <= tol["z_chain"], f"end-to-end z: max abs error {e:.3g} > tolerance {tol['z_chain']:.3g}")

    def flips(name, candidates, near, margin, what):
        """Mismatches of a discrete tensor among `candidates`; each must lie within `margin` of a boundary."""
        diff = out[name] != ref[name].to(torch.int32)
        counted = diff & candidates
        n = int(counted.sum())
        allowed = math.ceil(MISMATCH_FRACTION * diff.numel())
        worst = near[counted].max().item() if n else 0.0
        checks.require(n <= allowed, f"end-to-end {name}: {n} mismatches > {allowed} allowed ({what})")
        checks.require(worst <= margin,
                       f"end-to-end {name}: a mismatch {worst:.3g} from a boundary (> {margin:.3g}, {what})")
        return diff, n

    med = medians_of(model, ref["z"])
    z_near = half_integer_distance(ref["z"] - med)
    z_diff, row["e2e_z_flips"] = flips("z_symbols", torch.ones_like(z_near, dtype=torch.bool), z_near,
                                       tol["z_chain"], "z - median near a half-integer")
    y_hw = tuple(ref["y"].shape[2:])
    touched = influence(z_diff, HS_STRIDE, HS_REACH, y_hw).expand_as(ref["y"])
    free = ~touched
    row["e2e_z_touched"] = int(touched[:, 0].sum())
    for key in ("scales",) + (("means",) if mean_scale else ()):
        a, b = out[key][free], ref[key][free]
        e = (a.double() - b.double()).abs().max().item() if a.numel() else 0.0
        row["e2e_" + key] = e
        checks.require(e <= tol[key], f"end-to-end {key} outside z flips: {e:.3g} > {tol[key]:.3g}")
    idx_near = table_distance(ref["scales"], table, lower)
    idx_diff, row["e2e_index_flips"] = flips("indexes", free, idx_near, tol["scales"], "scale near a table entry")
    y_centre = ref["y"] - ref["means"] if mean_scale else ref["y"]
    y_margin = tol["y"] + (tol["means"] if mean_scale else 0.0)
    y_diff, row["e2e_y_flips"] = flips("y_symbols", free, half_integer_distance(y_centre), y_margin,
                                       "y - means near a half-integer")
    row["e2e_y_diff_all"] = int(y_diff.sum())
    # x_hat: nmc's synthesis of its own y_hat against CompressAI's synthesis of the same y_hat.
    with torch.no_grad():
        x_ref = model.g_s(out["y_hat"]).clamp_(0, 1)
    e = max_abs(out["x_hat"], x_ref)
    row["e2e_x_hat"] = e
    checks.require(e <= tol["x_hat"], f"end-to-end x_hat vs g_s(nmc y_hat): {e:.3g} > {tol['x_hat']:.3g}")
    # Against CompressAI's own chain (informative): outside the reach of every differing y symbol.
    x_free = ~influence(y_diff, GS_STRIDE, GS_REACH, tuple(ref["x"].shape[2:])).expand_as(ref["x_hat"])
    a, b = out["x_hat"][x_free], ref["x_hat"][x_free]
    row["e2e_x_hat_chain"] = (a.double() - b.double()).abs().max().item() if a.numel() else float("nan")


def coverage(model, ref):
    """What one image exercises: non-zero symbols, escapes, Gaussian tables used, clamped x_hat."""
    eb, gc = model.entropy_bottleneck, model.gaussian_conditional
    zs, ys, idx, xh = ref["z_symbols"], ref["y_symbols"], ref["indexes"], ref["x_hat"]
    vz = zs - eb._offset.reshape(1, -1, 1, 1)
    len_z = (eb._cdf_length - 2).reshape(1, -1, 1, 1)
    vy = ys - gc._offset[idx.long()]
    len_y = gc._cdf_length[idx.long()] - 2
    return {
        "z_nonzero": float((zs != 0).float().mean()),
        "y_nonzero": float((ys != 0).float().mean()),
        "indexes": set(idx.unique().tolist()),
        "x_hat_clamped": float(((xh == 0) | (xh == 1)).float().mean()),
        "z_escapes": int(((vz < 0) | (vz >= len_z)).sum()),
        "y_escapes": int(((vy < 0) | (vy >= len_y)).sum()),
    }


def require_coverage(model, per_size, checks):
    """The calibration must exercise every code path over a configuration's images."""
    z_nonzero = min(s["z_nonzero"] for s in per_size)
    y_nonzero = min(s["y_nonzero"] for s in per_size)
    tables = len(set().union(*(s["indexes"] for s in per_size)))
    clamped = [s["x_hat_clamped"] for s in per_size]
    z_escapes = sum(s["z_escapes"] for s in per_size)
    y_escapes = sum(s["y_escapes"] for s in per_size)
    checks.require(z_nonzero > 0.2, f"degenerate calibration: {z_nonzero:.2f} of the z symbols non-zero")
    checks.require(y_nonzero > 0.2, f"degenerate calibration: {y_nonzero:.2f} of the y symbols non-zero")
    checks.require(tables > 20, f"degenerate calibration: {tables} Gaussian tables used")
    checks.require(all(0 < c < 0.5 for c in clamped), f"x_hat clamping not exercised: {clamped}")
    checks.require(z_escapes > 0 and y_escapes > 0, f"no escapes: z {z_escapes}, y {y_escapes}")
    checks.require(bool((model.entropy_bottleneck._get_medians() != 0).all()),
                   "some EntropyBottleneck medians are zero")
    return f"z non-zero >= {z_nonzero:.2f}, y non-zero >= {y_nonzero:.2f}, {tables} of " \
           f"{model.gaussian_conditional.scale_table.numel()} Gaussian tables, escapes z {z_escapes} y {y_escapes}, " \
           f"x_hat clamped {min(clamped):.3f}..{max(clamped):.3f}"


# ---- driver ---------------------------------------------------------------------------------------------


def run_driver(driver, model_path, arch, in_path, out_path, backend):
    cmd = [str(driver), "--backend", backend, str(model_path), arch, str(in_path), str(out_path)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"driver failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return load_file(str(out_path)), time.perf_counter() - t0


def fmt(v):
    return "-" if v is None else f"{v:.1e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work_dir", type=Path)
    ap.add_argument("--driver", type=Path, required=True, help="nmc_image_transforms_driver")
    ap.add_argument("--reference-backend-pixels", type=int, default=128 * 192,
                    help="also run nmc's reference backend for images of at most this many pixels")
    ap.add_argument("--quick", action="store_true", help="first two configurations and the two smaller sizes")
    args = ap.parse_args()
    if not args.driver.exists():
        raise SystemExit(f"{args.driver} does not exist (build the nmc_image_transforms_driver target)")
    torch.set_num_threads(2)
    args.work_dir.mkdir(parents=True, exist_ok=True)

    configs = CONFIGS[:2] if args.quick else CONFIGS
    sizes = SIZES[:2] if args.quick else SIZES
    rows, failures, coverage_lines = [], [], []
    t_start = time.perf_counter()
    for arch, n, m, seed in configs:
        tag = f"{arch}-N{n}-M{m}"
        model = build_model(arch, n, m, seed)
        model64 = copy.deepcopy(model).double()
        ckpt = args.work_dir / f"{tag}.pth"
        torch.save(model.state_dict(), ckpt)
        conv_dir = args.work_dir / f"{tag}.nmc"
        subprocess.run([sys.executable, "-W", "ignore", str(CONVERTER), str(ckpt), str(conv_dir)], check=True,
                       stdout=subprocess.DEVNULL)
        model_path = conv_dir / "model.safetensors"
        gen = torch.Generator().manual_seed(seed + 1000)
        per_size = []
        for h, w in sizes:
            x = smooth_image(h, w, gen)
            ref, err64 = reference(model, model64, arch, x)
            in_path = args.work_dir / f"{tag}-{h}x{w}.in.safetensors"
            feed = {k: ref[k].contiguous() for k in ("x", "y", "z", "z_hat", "scales", "y_hat")}
            if ref["means"] is not None:
                feed["means"] = ref["means"].contiguous()
            save_file(feed, str(in_path))
            stats = coverage(model, ref)
            per_size.append(stats)
            backends = ["cpu"] + (["reference"] if h * w <= args.reference_backend_pixels else [])
            for backend in backends:
                out_path = args.work_dir / f"{tag}-{h}x{w}.{backend}.out.safetensors"
                out, seconds = run_driver(args.driver, model_path, arch, in_path, out_path, backend)
                checks = Checks(f"{tag} {h}x{w} {backend}")
                row = {"config": tag, "size": f"{h}x{w}", "backend": backend, "seconds": seconds,
                       "stats": stats, "err64": err64}
                compare(arch, model, ref, err64, out, checks, row)
                row["ok"] = not checks.failures
                failures += checks.failures
                rows.append(row)
                print(f"{tag} {h}x{w} {backend}: {'ok' if row['ok'] else 'FAIL'} ({seconds:.1f} s)", flush=True)
        cov_checks = Checks(tag)
        coverage_lines.append(f"{tag}: {require_coverage(model, per_size, cov_checks)}")
        failures += cov_checks.failures

    print()
    print("Stage-wise max abs error (tolerance) - nmc fed with CompressAI's float32 intermediates; "
          "discrete stages must be exact")
    hdr = f"{'config':<30} {'size':>8} {'backend':>9} | {'y':>16} {'z':>16} {'scales':>16} {'means':>16} " \
          f"{'x_hat':>16} | {'exact':>5}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        t = r["tol"]
        cell = lambda k: "-" if ("err_" + k) not in r else f"{r['err_' + k]:.1e} ({t[k]:.0e})"  # noqa: E731
        print(f"{r['config']:<30} {r['size']:>8} {r['backend']:>9} | {cell('y'):>16} {cell('z'):>16} "
              f"{cell('scales'):>16} {cell('means'):>16} {cell('x_hat'):>16} | "
              f"{'ok' if r['stage_exact_diff'] == 0 else r['stage_exact_diff']:>5}")
    print()
    print("End to end from x (nmc chain vs CompressAI chain): z error, symbol/index mismatches at rounding "
          "boundaries (outside the reach of z flips), x_hat vs g_s(nmc y_hat) and vs CompressAI's chain "
          "outside the reach of differing y symbols")
    hdr = f"{'config':<30} {'size':>8} {'backend':>9} | {'z':>8} {'z flip':>6} {'idx flip':>8} " \
          f"{'y flip':>6} {'y diff':>6} {'scales':>8} {'means':>8} {'x_hat':>8} {'x chain':>8} | " \
          f"{'y nz':>5} {'idx':>4} {'y esc':>6} {'z esc':>5} {'clamp':>6}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        s = r["stats"]
        print(f"{r['config']:<30} {r['size']:>8} {r['backend']:>9} | {r['e2e_z']:>8.1e} {r['e2e_z_flips']:>6} "
              f"{r['e2e_index_flips']:>8} {r['e2e_y_flips']:>6} {r['e2e_y_diff_all']:>6} "
              f"{r['e2e_scales']:>8.1e} {fmt(r.get('e2e_means')):>8} {r['e2e_x_hat']:>8.1e} "
              f"{r['e2e_x_hat_chain']:>8.1e} | {s['y_nonzero']:>5.2f} {len(s['indexes']):>4} "
              f"{s['y_escapes']:>6} {s['z_escapes']:>5} {s['x_hat_clamped']:>6.3f}")
    print()
    print("Coverage of the calibrated models (CompressAI's own symbols over all sizes):")
    for line in coverage_lines:
        print("  " + line)
    print()
    print(f"{len(rows)} runs, {time.perf_counter() - t_start:.0f} s")
    summary = [{k: v for k, v in r.items() if k != "stats"} for r in rows]
    (args.work_dir / "results.json").write_text(json.dumps({"runs": summary, "failures": failures}, indent=1))
    if failures:
        print(f"\n{len(failures)} FAILURES:")
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
