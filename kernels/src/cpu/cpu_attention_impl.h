// Flash-attention style kernel for one work item, written once over a
// cpu_simd.h wrapper V and instantiated per ISA (internal linkage).
//
// A work item is one (batch, kv head, block of queries); its rows are the
// (query, head-in-group) pairs, so GQA heads that share a kv head share every
// K/V tile. Rows live in vector lanes ("transposed" layout):
//   Qt[d][row]   queries pre-scaled by scale*log2(e), rows padded to rows_padded
//   S[j][row]    scores of one tile of up to kAttentionKeyTile keys, then P
//   O[row][dv]   unnormalised output, m/l the running max and sum per row
// so the online-softmax max/sum are vertical vector ops. Per tile:
//   S = K_tile Qt, masked by per-row key intervals only when the tile is not
//   fully visible to every row, m' = max(m, max_j S), P = 2^(S - m'),
//   l = l 2^(m - m') + sum_j P, O = O 2^(m - m') + P^T V_tile.
// Tiles outside the union of the rows' visible intervals are never touched.
#pragma once

#include <cmath>
#include <cstdint>

#include "cpu/cpu_math.h"
#include "cpu/cpu_pointwise_kernels.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::cpu {
namespace {

#define NMC_UNROLL _Pragma("GCC unroll 16")

// S[r][v*W..] = sum_dd K[r][dd] * Qt[dd][v*W..] for R keys and NV row vectors.
template <class V, int R, int NV>
inline void score_tile(const float* qt, int64_t rp, int64_t d, const float* k0, int64_t k_st, float* s) {
  using F = typename V::F;
  F acc[R][NV];
  const float* kr[R];
  NMC_UNROLL for (int r = 0; r < R; ++r) {
    kr[r] = k0 + r * k_st;
    NMC_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
  }
  for (int64_t dd = 0; dd < d; ++dd) {
    F qv[NV];
    NMC_UNROLL for (int v = 0; v < NV; ++v) qv[v] = V::load(qt + dd * rp + v * V::W);
    NMC_UNROLL for (int r = 0; r < R; ++r) {
      const F kb = V::set1(kr[r][dd]);
      NMC_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(kb, qv[v], acc[r][v]);
    }
  }
  NMC_UNROLL for (int r = 0; r < R; ++r)
    NMC_UNROLL for (int v = 0; v < NV; ++v) V::store(s + r * rp + v * V::W, acc[r][v]);
}

// score_tile with a run-time number of row vectors nv in [1, NV].
template <class V, int R, int NV>
inline void score_cols(int64_t nv, const float* qt, int64_t rp, int64_t d, const float* k0, int64_t k_st, float* s) {
  if constexpr (NV > 1) {
    if (nv < NV) return score_cols<V, R, NV - 1>(nv, qt, rp, d, k0, k_st, s);
  }
  score_tile<V, R, NV>(qt, rp, d, k0, k_st, s);
}

// Scores of keys [0, nk) of the tile (rows k0 + j*k_st) against all padded rows.
template <class V, int R, int NV>
inline void scores(const float* qt, int64_t rp, int64_t d, const float* k0, int64_t k_st, int64_t nk, float* s) {
  for (int64_t c0 = 0; c0 < rp; c0 += NV * V::W) {
    const int64_t nv = (rp - c0) / V::W < NV ? (rp - c0) / V::W : NV;
    int64_t j = 0;
    for (; j + R <= nk; j += R) score_cols<V, R, NV>(nv, qt + c0, rp, d, k0 + j * k_st, k_st, s + j * rp + c0);
    const int64_t rem = nk - j;
    if (rem == 0) continue;
    if constexpr (R > 3) if (rem == 3) { score_cols<V, 3, NV>(nv, qt + c0, rp, d, k0 + j * k_st, k_st, s + j * rp + c0); continue; }
    if constexpr (R > 2) if (rem == 2) { score_cols<V, 2, NV>(nv, qt + c0, rp, d, k0 + j * k_st, k_st, s + j * rp + c0); continue; }
    for (; j < nk; ++j) score_cols<V, 1, NV>(nv, qt + c0, rp, d, k0 + j * k_st, k_st, s + j * rp + c0);
  }
}

// O[r][c..] = O[r][c..] * alpha[r] + sum_j P[j][r] * V[j][c..] for R rows and NV
// dv vectors; with Tail the last vector holds tail_n < W values.
template <class V, int R, int NV, bool Tail>
inline void pv_tile(float* o, int64_t ldo, const float* alpha, const float* p, int64_t rp, const float* v0,
                    int64_t v_st, int64_t nk, int64_t tail_n) {
  using F = typename V::F;
  F acc[R][NV];
  NMC_UNROLL for (int r = 0; r < R; ++r) {
    const F a = V::set1(alpha[r]);
    NMC_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::mul(V::load(o + r * ldo + v * V::W), a);
  }
  for (int64_t j = 0; j < nk; ++j) {
    const float* vr = v0 + j * v_st;
    F vv[NV];
    NMC_UNROLL for (int v = 0; v < NV; ++v)
      vv[v] = (Tail && v == NV - 1) ? V::load_n(vr + v * V::W, tail_n) : V::load(vr + v * V::W);
    const float* pr = p + j * rp;
    NMC_UNROLL for (int r = 0; r < R; ++r) {
      const F pb = V::set1(pr[r]);
      NMC_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(pb, vv[v], acc[r][v]);
    }
  }
  NMC_UNROLL for (int r = 0; r < R; ++r)
    NMC_UNROLL for (int v = 0; v < NV; ++v) V::store(o + r * ldo + v * V::W, acc[r][v]);
}

template <class V, int R, int NV, bool Tail>
inline void pv_rows(int64_t nrows, float* o, int64_t ldo, const float* alpha, const float* p, int64_t rp,
                    const float* v0, int64_t v_st, int64_t nk, int64_t tail_n) {
  int64_t r = 0;
  for (; r + R <= nrows; r += R) pv_tile<V, R, NV, Tail>(o + r * ldo, ldo, alpha + r, p + r, rp, v0, v_st, nk, tail_n);
  for (; r < nrows; ++r) pv_tile<V, 1, NV, Tail>(o + r * ldo, ldo, alpha + r, p + r, rp, v0, v_st, nk, tail_n);
}

template <class V, int R, int NV>
inline void pv_cols(int64_t nv, bool tail, int64_t nrows, float* o, int64_t ldo, const float* alpha, const float* p,
                    int64_t rp, const float* v0, int64_t v_st, int64_t nk, int64_t tail_n) {
  if constexpr (NV > 1) {
    if (nv < NV) return pv_cols<V, R, NV - 1>(nv, tail, nrows, o, ldo, alpha, p, rp, v0, v_st, nk, tail_n);
  }
  if (tail) pv_rows<V, R, NV, true>(nrows, o, ldo, alpha, p, rp, v0, v_st, nk, tail_n);
  else pv_rows<V, R, NV, false>(nrows, o, ldo, alpha, p, rp, v0, v_st, nk, tail_n);
}

// One tile's online-softmax update over all padded rows; S becomes P.
// Masked scores are set to -inf (P = 0) when `partial`.
template <class V>
inline void softmax_tile(float* s, int64_t rp, int64_t nk, int64_t j0, bool partial, const float* lo,
                         const float* hi, float* m, float* l, float* alpha) {
  using F = typename V::F;
  const F neg_inf = V::set1(-__builtin_inff());
  for (int64_t c = 0; c < rp; c += V::W) {
    F mx = neg_inf;
    if (partial) {
      const F vlo = V::load(lo + c), vhi = V::load(hi + c);
      for (int64_t j = 0; j < nk; ++j) {
        const F jv = V::set1(static_cast<float>(j0 + j));
        const F sv = V::select(V::mand(V::ge(jv, vlo), V::lt(jv, vhi)), V::load(s + j * rp + c), neg_inf);
        V::store(s + j * rp + c, sv);
        mx = V::max(mx, sv);
      }
    } else {
      for (int64_t j = 0; j < nk; ++j) mx = V::max(mx, V::load(s + j * rp + c));
    }
    const F m_old = V::load(m + c);
    const F m_new = V::max(m_old, mx);
    const F m_use = V::select(V::eq(m_new, neg_inf), V::zero(), m_new);  // no key seen yet: keep exp2 finite
    const F a = exp2_clamped<V>(V::sub(m_old, m_use));
    F sum = V::zero();
    for (int64_t j = 0; j < nk; ++j) {
      const F pv = exp2_clamped<V>(V::sub(V::load(s + j * rp + c), m_use));
      V::store(s + j * rp + c, pv);
      sum = V::add(sum, pv);
    }
    V::store(m + c, m_new);
    V::store(l + c, V::fma(V::load(l + c), a, sum));
    V::store(alpha + c, a);
  }
}

// Tile shapes per ISA: SR keys x SNV row vectors for scores, PR rows x PNV dv
// vectors for P^T V (accumulators stay in registers).
template <class V, int SR, int SNV, int PR, int PNV>
void attention_item_kernel(const AttentionProblem& p, int64_t item, float* scratch) {
  using F = typename V::F;
  const int64_t rp = p.rows_padded, ldo = p.ld_o, d = p.d, dv = p.dv, g = p.group;
  float* qt = scratch;
  float* s = qt + d * rp;
  float* o = s + kAttentionKeyTile * rp;
  float* m = o + rp * ldo;
  float* l = m + rp;
  float* alpha = l + rp;
  float* lo = alpha + rp;
  float* hi = lo + rp;

  const int64_t bh = p.batch * p.hkv;
  const int64_t qb = p.num_qblocks - 1 - item / bh;  // latest (costliest under causal masks) blocks first
  const int64_t b = (item % bh) / p.hkv, kvh = (item % bh) % p.hkv;
  const int64_t i0 = qb * p.queries_per_item;
  const int64_t nq = p.tq - i0 < p.queries_per_item ? p.tq - i0 : p.queries_per_item;
  const int64_t nrows = nq * g;

  // Per-row visible key intervals, the tiles' range and the fully visible range.
  int64_t jlo = p.tk, jhi = 0, full_lo = 0, full_hi = p.tk;
  for (int64_t qi = 0; qi < nq; ++qi) {
    const pointwise::KeyRange kr = pointwise::visible_keys(*p.mask, i0 + qi + p.mask->q_offset, p.tk);
    if (kr.lo < kr.hi) {
      jlo = kr.lo < jlo ? kr.lo : jlo;
      jhi = kr.hi > jhi ? kr.hi : jhi;
    }
    full_lo = kr.lo > full_lo ? kr.lo : full_lo;
    full_hi = kr.hi < full_hi ? kr.hi : full_hi;
    for (int64_t hr = 0; hr < g; ++hr) {
      lo[qi * g + hr] = static_cast<float>(kr.lo);
      hi[qi * g + hr] = static_cast<float>(kr.hi);
    }
  }
  for (int64_t r = nrows; r < rp; ++r) lo[r] = hi[r] = 0.0f;

  // Qt, pre-scaled; padded rows are zero.
  for (int64_t r = 0; r < rp; ++r) {
    if (r < nrows) {
      const int64_t qi = r / g, h = kvh * g + r % g;
      const float* qr = p.q + b * p.q_sb + (i0 + qi) * p.q_st + h * p.q_sh;
      for (int64_t dd = 0; dd < d; ++dd) qt[dd * rp + r] = qr[dd] * p.scale_log2e;
    } else {
      for (int64_t dd = 0; dd < d; ++dd) qt[dd * rp + r] = 0.0f;
    }
  }
  for (int64_t r = 0; r < rp; ++r) {
    m[r] = -__builtin_inff();
    l[r] = 0.0f;
  }
  for (int64_t i = 0; i < nrows * ldo; ++i) o[i] = 0.0f;

  const int64_t nvec = (dv + V::W - 1) / V::W;
  const int64_t tail_n = dv - (nvec - 1) * V::W;
  for (int64_t pi = 0; pi < p.num_parts; ++pi) {
    const AttentionKvPart& part = p.parts[pi];
    const int64_t plo = jlo > part.first ? jlo : part.first;
    const int64_t phi = jhi < part.first + part.n ? jhi : part.first + part.n;
    const float* kbase = part.k + b * part.k_sb + kvh * part.k_sh;  // row j of the part is key part.first + j
    const float* vbase = part.v + b * part.v_sb + kvh * part.v_sh;
    for (int64_t j0 = plo; j0 < phi; j0 += kAttentionKeyTile) {
      const int64_t nk = phi - j0 < kAttentionKeyTile ? phi - j0 : kAttentionKeyTile;
      const bool partial = !(j0 >= full_lo && j0 + nk <= full_hi);
      scores<V, SR, SNV>(qt, rp, d, kbase + (j0 - part.first) * part.k_st, part.k_st, nk, s);
      softmax_tile<V>(s, rp, nk, j0, partial, lo, hi, m, l, alpha);
      for (int64_t c = 0; c < nvec; c += PNV) {
        const int64_t nv = nvec - c < PNV ? nvec - c : PNV;
        const bool tail = c + nv == nvec && tail_n < V::W;
        pv_cols<V, PR, PNV>(nv, tail, nrows, o + c * V::W, ldo, alpha, s, rp, vbase + (j0 - part.first) * part.v_st + c * V::W,
                            part.v_st, nk, tail_n);
      }
    }
  }

  // out = O / l (rows that saw no key are zeros), or merged into the previous
  // parts' result (accumulate); lse = ln(2) * (m + log2(l)) in natural units.
  for (int64_t r = 0; r < nrows; ++r) {
    const int64_t qi = r / g, h = kvh * g + r % g;
    float* orow = p.out + b * p.o_sb + (i0 + qi) * p.o_st + h * p.o_sh;
    const double part_lse = l[r] > 0.0f ? 0.6931471805599453 * (m[r] + std::log2(static_cast<double>(l[r])))
                                        : -__builtin_inf();
    float* lse = p.lse ? p.lse + (b * p.tq + i0 + qi) * p.hq + h : nullptr;
    const pointwise::AttentionMerge mg =
        p.accumulate ? pointwise::attention_merge(*lse, part_lse) : pointwise::AttentionMerge{0.0, 1.0, part_lse};
    if (lse) *lse = static_cast<float>(mg.lse);
    const F take = V::set1(l[r] > 0.0f ? static_cast<float>(mg.take / l[r]) : 0.0f);
    const float* src = o + r * ldo;
    int64_t c = 0;
    if (mg.keep == 0.0) {
      for (; c + V::W <= dv; c += V::W) V::store(orow + c, V::mul(V::load(src + c), take));
      if (c < dv) V::store_n(orow + c, V::mul(V::load(src + c), take), dv - c);
    } else {
      const F keep = V::set1(static_cast<float>(mg.keep));
      for (; c + V::W <= dv; c += V::W)
        V::store(orow + c, V::fma(V::load(orow + c), keep, V::mul(V::load(src + c), take)));
      if (c < dv)
        V::store_n(orow + c, V::fma(V::load_n(orow + c, dv - c), keep, V::mul(V::load(src + c), take)), dv - c);
    }
  }
}

#undef NMC_UNROLL

}  // namespace
}  // namespace nmc::cpu
