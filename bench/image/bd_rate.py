#!/usr/bin/env python3
"""Bjontegaard delta rate (BD-rate) and delta quality (BD-PSNR) between two rate-distortion curves.

Definitions (G. Bjontegaard, VCEG-M33, 2001; interpolation as in the JCT-VC/JVET common test conditions):

  BD-rate  = 10^(mean over the overlapping quality range of [log10 R_test(Q) - log10 R_anchor(Q)]) - 1
  BD-PSNR  = mean over the overlapping log10-rate range of [Q_test(log R) - Q_anchor(log R)]

where each curve is interpolated through its measured points. Sign convention: a NEGATIVE BD-rate means the
test codec needs fewer bits than the anchor for the same quality (test saves bits); a POSITIVE BD-PSNR means
the test codec has higher quality at the same rate. The integration range is the overlap of the two curves
only; no extrapolation. Rates may be in any unit (bpp here) as long as both curves use the same one; the
quality axis is whatever the caller passes (PSNR in dB, or MS-SSIM in dB = -10*log10(1 - MS-SSIM)).

Interpolation methods:
  "pchip" (default): monotone piecewise cubic Hermite interpolation (Fritsch-Carlson slopes, the same
           formulas as scipy.interpolate.PchipInterpolator), integrated exactly. This is the interpolation of
           the JCT-VC CTC BD-rate spreadsheet and of the `bjontegaard` Python package's "pchip" method; it
           does not overshoot between points, unlike the classic cubic fit.
  "cubic": the original VCEG-M33 least-squares third-order polynomial fit (needs >= 4 points per curve).

Only numpy is required. Usable as a module (bd_rate, bd_psnr) or from the command line:

  bd_rate.py --self-test
  bd_rate.py --anchor "0.2,28.1 0.4,31.0 0.8,34.2 1.6,37.5" --test "0.15,28.3 0.3,31.2 0.6,34.4 1.2,37.6"
"""

import argparse
import sys

import numpy as np

METHODS = ("pchip", "cubic")


class BdError(ValueError):
    """Raised for curves that cannot be compared (too few points, no overlap, non-monotone quality)."""


def _prepare(rate, quality, name):
    """Returns (log10 rate, quality) as float64 arrays sorted by increasing quality, after validation."""
    r = np.asarray(rate, dtype=np.float64).ravel()
    q = np.asarray(quality, dtype=np.float64).ravel()
    if r.shape != q.shape:
        raise BdError(f"{name}: {r.size} rates but {q.size} quality values")
    if r.size < 2:
        raise BdError(f"{name}: need at least 2 points, got {r.size}")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(q))):
        raise BdError(f"{name}: rates and quality values must be finite")
    if np.any(r <= 0):
        raise BdError(f"{name}: rates must be > 0")
    order = np.argsort(q, kind="stable")
    r, q = r[order], q[order]
    if np.any(np.diff(q) <= 0):
        raise BdError(f"{name}: quality values must be distinct")
    if np.any(np.diff(r) <= 0):
        raise BdError(f"{name}: rate must increase strictly with quality (curve is not monotone)")
    return np.log10(r), q


def _pchip_slopes(x, y):
    """Fritsch-Carlson derivative estimates at the knots (scipy's PchipInterpolator formulas)."""
    h = np.diff(x)
    delta = np.diff(y) / h
    n = x.size
    d = np.zeros(n)
    if n == 2:
        d[:] = delta[0]
        return d
    for k in range(1, n - 1):
        a, b = delta[k - 1], delta[k]
        if a == 0 or b == 0 or np.sign(a) != np.sign(b):
            d[k] = 0.0
        else:
            w1 = 2 * h[k] + h[k - 1]
            w2 = h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / a + w2 / b)

    def end_slope(h0, h1, m0, m1):
        s = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
        if np.sign(s) != np.sign(m0):
            return 0.0
        if np.sign(m0) != np.sign(m1) and abs(s) > abs(3 * m0):
            return 3 * m0
        return s

    d[0] = end_slope(h[0], h[1], delta[0], delta[1])
    d[-1] = end_slope(h[-1], h[-2], delta[-1], delta[-2])
    return d


def _pchip_integral(x, y, lo, hi):
    """Exact integral over [lo, hi] (inside [x0, xn]) of the PCHIP interpolant through (x, y)."""
    d = _pchip_slopes(x, y)
    total = 0.0
    for k in range(x.size - 1):
        a, b = max(lo, x[k]), min(hi, x[k + 1])
        if b <= a:
            continue
        h = x[k + 1] - x[k]
        delta = (y[k + 1] - y[k]) / h
        # p(t) = y_k + d_k t + c2 t^2 + c3 t^3 with t = x - x_k
        c2 = (3 * delta - 2 * d[k] - d[k + 1]) / h
        c3 = (d[k] + d[k + 1] - 2 * delta) / (h * h)

        def antideriv(t, k=k, c2=c2, c3=c3):
            return y[k] * t + d[k] * t ** 2 / 2 + c2 * t ** 3 / 3 + c3 * t ** 4 / 4

        total += antideriv(b - x[k]) - antideriv(a - x[k])
    return total


def _cubic_integral(x, y, lo, hi):
    """Integral over [lo, hi] of the least-squares cubic fit y ~ poly3(x) (VCEG-M33)."""
    if x.size < 4:
        raise BdError(f"method 'cubic' needs at least 4 points per curve, got {x.size}")
    p = np.polyint(np.polyfit(x, y, 3))
    return np.polyval(p, hi) - np.polyval(p, lo)


def _integral(method, x, y, lo, hi):
    if method == "pchip":
        return _pchip_integral(x, y, lo, hi)
    if method == "cubic":
        return _cubic_integral(x, y, lo, hi)
    raise BdError(f"unknown method {method!r}; expected one of {METHODS}")


def _overlap(a, b, what):
    lo, hi = max(a.min(), b.min()), min(a.max(), b.max())
    if not hi > lo:
        raise BdError(f"the two curves do not overlap in {what} "
                      f"(anchor {a.min():.4g}..{a.max():.4g}, test {b.min():.4g}..{b.max():.4g})")
    return lo, hi


def bd_rate(anchor_rate, anchor_quality, test_rate, test_quality, method="pchip"):
    """BD-rate of test vs anchor in percent (negative = test needs fewer bits at equal quality)."""
    lra, qa = _prepare(anchor_rate, anchor_quality, "anchor")
    lrt, qt = _prepare(test_rate, test_quality, "test")
    lo, hi = _overlap(qa, qt, "quality")
    avg = (_integral(method, qt, lrt, lo, hi) - _integral(method, qa, lra, lo, hi)) / (hi - lo)
    return (10.0 ** avg - 1.0) * 100.0


def bd_psnr(anchor_rate, anchor_quality, test_rate, test_quality, method="pchip"):
    """BD-PSNR (BD-quality) of test vs anchor in quality units (positive = test is better at equal rate)."""
    lra, qa = _prepare(anchor_rate, anchor_quality, "anchor")
    lrt, qt = _prepare(test_rate, test_quality, "test")
    # Same curves, axes swapped: quality as a function of log10 rate (sorted by rate, already monotone).
    lo, hi = _overlap(lra, lrt, "rate")
    avg = (_integral(method, lrt, qt, lo, hi) - _integral(method, lra, qa, lo, hi)) / (hi - lo)
    return avg


def overlap_fraction(anchor_quality, test_quality):
    """Share of the anchor's quality span covered by the overlap (0..1); 0 when the curves do not overlap."""
    qa = np.asarray(anchor_quality, dtype=np.float64)
    qt = np.asarray(test_quality, dtype=np.float64)
    lo, hi = max(qa.min(), qt.min()), min(qa.max(), qt.max())
    span = qa.max() - qa.min()
    return max(0.0, hi - lo) / span if span > 0 else 0.0


def msssim_db(msssim):
    """MS-SSIM on a dB scale, -10*log10(1 - MS-SSIM): the usual axis for BD-rate on MS-SSIM."""
    m = np.asarray(msssim, dtype=np.float64)
    return -10.0 * np.log10(np.maximum(1.0 - m, 1e-12))


def self_test(verbose=True):
    """Checks known cases; returns the number of failures."""
    failures = 0

    def check(label, got, want, tol):
        nonlocal failures
        ok = abs(got - want) <= tol
        failures += 0 if ok else 1
        if verbose:
            print(f"{'ok  ' if ok else 'FAIL'} {label}: got {got:+.6f}, want {want:+.6f} (tol {tol:g})")

    # A realistic, non-linear anchor curve (JPEG-like: 6 points, PSNR vs bpp).
    rate = np.array([0.15, 0.25, 0.40, 0.65, 1.00, 1.60])
    psnr = np.array([26.0, 28.4, 30.6, 32.9, 35.0, 37.6])
    for m in METHODS:
        # Test curve needs 10% fewer... precisely: rate / 1.1 at every PSNR -> BD-rate = 1/1.1 - 1 = -9.0909%.
        check(f"[{m}] rate/1.1 vs anchor", bd_rate(rate, psnr, rate / 1.1, psnr, m), (1 / 1.1 - 1) * 100, 1e-9)
        check(f"[{m}] rate*1.1 vs anchor", bd_rate(rate, psnr, rate * 1.1, psnr, m), 10.0, 1e-9)
        check(f"[{m}] identical curves", bd_rate(rate, psnr, rate, psnr, m), 0.0, 1e-12)
        check(f"[{m}] BD-PSNR of psnr+0.5 dB", bd_psnr(rate, psnr, rate, psnr + 0.5, m), 0.5, 1e-9)
        check(f"[{m}] BD-PSNR of psnr-1 dB", bd_psnr(rate, psnr, rate, psnr - 1.0, m), -1.0, 1e-9)
    # A curve that is exactly linear in log10(rate) is reproduced exactly by both interpolants:
    # PSNR = 30 + 10*log10(R) (anchor) vs PSNR = 31 + 10*log10(R) (test): the test reaches each PSNR at
    # 10^(-1/10) of the anchor's rate -> BD-rate = 10^-0.1 - 1 = -20.5672%, BD-PSNR = +1 dB.
    r = np.array([0.1, 0.2, 0.4, 0.8, 1.6])
    for m in METHODS:
        check(f"[{m}] log-linear, +1 dB -> rate", bd_rate(r, 30 + 10 * np.log10(r), r, 31 + 10 * np.log10(r), m),
              (10 ** -0.1 - 1) * 100, 1e-9)
        check(f"[{m}] log-linear, +1 dB -> PSNR", bd_psnr(r, 30 + 10 * np.log10(r), r, 31 + 10 * np.log10(r), m),
              1.0, 1e-9)
    # Partial overlap on the same log-linear family: the test points cover 0.4..3.2 bpp, the anchor's
    # 0.1..1.6 bpp; only the shared quality range counts and the answer stays exact.
    r_hi = np.array([0.4, 0.8, 1.6, 3.2])
    for m in METHODS:
        check(f"[{m}] log-linear, partial overlap", bd_rate(r, 30 + 10 * np.log10(r), r_hi, 31 + 10 * np.log10(r_hi), m),
              (10 ** -0.1 - 1) * 100, 1e-9)
    # Swapping anchor and test inverts a constant-ratio shift: (1 + a)(1 + b) = 1.
    a = bd_rate(rate, psnr, rate * 0.8, psnr) / 100
    b = bd_rate(rate * 0.8, psnr, rate, psnr) / 100
    check("anchor/test swap inverts the ratio", (1 + a) * (1 + b), 1.0, 1e-12)
    # A genuinely curved pair: the two methods agree to within a fraction of a percent.
    rate_t = np.array([0.12, 0.22, 0.36, 0.62, 0.95, 1.50])
    psnr_t = np.array([26.3, 28.9, 31.2, 33.6, 35.6, 38.0])
    p, c = bd_rate(rate, psnr, rate_t, psnr_t, "pchip"), bd_rate(rate, psnr, rate_t, psnr_t, "cubic")
    check("pchip vs cubic on a curved pair (pchip - cubic)", p - c, 0.0, 1.0)
    # Cross-check the hand-written PCHIP against scipy when it is installed (optional dependency).
    try:
        from scipy.interpolate import PchipInterpolator
    except ImportError:
        if verbose:
            print("skip scipy cross-check (scipy not installed)")
    else:
        la, lt = np.log10(rate), np.log10(rate_t)
        lo, hi = max(psnr.min(), psnr_t.min()), min(psnr.max(), psnr_t.max())
        ref = (10 ** ((PchipInterpolator(psnr_t, lt).integrate(lo, hi)
                       - PchipInterpolator(psnr, la).integrate(lo, hi)) / (hi - lo)) - 1) * 100
        check("pchip BD-rate vs scipy.interpolate.PchipInterpolator", p, float(ref), 1e-9)
    # Errors are reported, not swallowed.
    for label, args in [("no overlap", (rate, psnr, rate, psnr + 20)),
                        ("non-monotone", (rate, psnr, rate[::-1], psnr)),
                        ("one point", (rate[:1], psnr[:1], rate, psnr))]:
        try:
            bd_rate(*args)
        except BdError as e:
            if verbose:
                print(f"ok   {label} raises BdError: {e}")
        else:
            failures += 1
            if verbose:
                print(f"FAIL {label} did not raise")
    if verbose:
        print("self-test:", "PASS" if failures == 0 else f"{failures} FAILURE(S)")
    return failures


def _parse_curve(text):
    pts = []
    for item in text.replace(";", " ").split():
        r, q = item.split(",")
        pts.append((float(r), float(q)))
    return [p[0] for p in pts], [p[1] for p in pts]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--self-test", action="store_true", help="run the built-in known-answer checks and exit")
    ap.add_argument("--anchor", help='anchor curve as "rate,quality rate,quality ..."')
    ap.add_argument("--test", help='test curve as "rate,quality rate,quality ..."')
    ap.add_argument("--method", choices=METHODS, default="pchip")
    args = ap.parse_args(argv)
    if args.self_test:
        return 1 if self_test() else 0
    if not (args.anchor and args.test):
        ap.error("give --anchor and --test, or --self-test")
    ra, qa = _parse_curve(args.anchor)
    rt, qt = _parse_curve(args.test)
    try:
        print(f"BD-rate: {bd_rate(ra, qa, rt, qt, args.method):+.3f} %  (negative = test saves bits)")
        print(f"BD-PSNR: {bd_psnr(ra, qa, rt, qt, args.method):+.4f}    (positive = test is better)")
        print(f"overlap: {100 * overlap_fraction(qa, qt):.1f} % of the anchor's quality span")
    except BdError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
