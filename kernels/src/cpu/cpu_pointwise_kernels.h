// The ISA-specific inner kernels of the pointwise / norm / rope / attention
// ops, as a table of plain function pointers. One table per ISA is defined in
// cpu_pointwise_avx512.cpp and cpu_pointwise_avx2.cpp; the op drivers
// (cpu_pointwise_ops.cpp, cpu_attention.cpp) validate arguments, pick a table
// with cpu_features() and split the work over the thread pool. Kernels take raw
// f32 pointers, never allocate, and are safe to call concurrently on disjoint
// outputs.
#pragma once

#include <cstdint>

#include "nmc/kernels/ops.h"

namespace nmc::cpu {

// One attention problem, with strides in elements. Rows of a work item are
// (query, head-in-group) pairs of one (batch, kv head): item rows share K/V.
// One run of keys / values: rows [first, first + n) of the key sequence.
struct AttentionKvPart {
  const float* k = nullptr;
  const float* v = nullptr;
  int64_t k_sb = 0, k_st = 0, k_sh = 0;
  int64_t v_sb = 0, v_st = 0, v_sh = 0;
  int64_t first = 0, n = 0;
};

struct AttentionProblem {
  const float* q = nullptr;
  float* out = nullptr;
  float* lse = nullptr;     // [batch, tq, hq] contiguous, optional
  bool accumulate = false;  // merge into out / lse (AttentionArgs::accumulate)
  int64_t q_sb = 0, q_st = 0, q_sh = 0;
  const AttentionKvPart* parts = nullptr;  // keys in order (one part unless paged)
  int64_t num_parts = 0;
  int64_t o_sb = 0, o_st = 0, o_sh = 0;
  int64_t batch = 0, tq = 0, tk = 0, hq = 0, hkv = 0, d = 0, dv = 0, group = 1;
  float scale_log2e = 0;        // softmax scale * log2(e): scores are kept in base 2
  const AttentionArgs* mask = nullptr;  // mask kind, q_offset, window, block_size
  int64_t queries_per_item = 1;
  int64_t rows_padded = 16;     // queries_per_item * group rounded up to 16
  int64_t ld_o = 16;            // dv rounded up to 16
  int64_t num_qblocks = 0;      // ceil(tq / queries_per_item)
  int64_t num_items() const { return batch * hkv * num_qblocks; }
};

inline constexpr int64_t kAttentionKeyTile = 64;  // keys per K/V tile

// Floats of per-thread scratch one attention work item needs.
inline int64_t attention_scratch_floats(const AttentionProblem& p) {
  const int64_t rp = p.rows_padded;
  return p.d * rp + kAttentionKeyTile * rp + rp * p.ld_o + 5 * rp;
}

struct PointwiseKernels {
  const char* isa;
  // y[i] = f(x[i]), i < n. y may equal x.
  void (*unary)(const float* x, float* y, int64_t n, UnaryKind kind, float alpha, float beta);
  // y[i] = a[i] op b[b_step * i] with b_step 0 (scalar b) or 1. y may equal a.
  void (*binary)(const float* a, const float* b, int64_t b_step, float* y, int64_t n, BinaryKind kind);
  // y = x + sin(alpha x)^2 * inv_alpha over n values.
  void (*snake)(const float* x, float* y, int64_t n, float alpha, float inv_alpha);
  // GDN on npix pixels of one image: x/y point at channel 0 of the first pixel,
  // channels are chan_stride apart. scratch: c * npix floats. y may equal x.
  void (*gdn)(const float* x, float* y, int64_t npix, int64_t c, int64_t chan_stride, const float* beta,
              const float* gamma, bool inverse, float* scratch);
  // Row kernels over the last dim d (y may equal x). weight/bias may be null.
  void (*layer_norm_row)(const float* x, float* y, int64_t d, const float* weight, const float* bias, float eps);
  void (*rms_norm_row)(const float* x, float* y, int64_t d, const float* weight, float eps);
  void (*softmax_row)(const float* x, float* y, int64_t d, float scale);
  // y[i] = sin(x[i]), i < n (|x| <= 1e4 for full accuracy).
  void (*sin)(const float* x, float* y, int64_t n);
  // One rope row: y[j] = x[j] c[j] + x[partner(j)] s[j] for j < rot, y[j] = x[j]
  // beyond; partner(j) = j +- rot/2 (half-split) or j ^ 1 (interleaved). y may equal x.
  void (*rope_row)(const float* x, float* y, const float* c, const float* s, int64_t rot, int64_t d,
                   RopeLayout layout);
  // Runs attention work item `item` of `p` with `scratch` of attention_scratch_floats(p).
  void (*attention_item)(const AttentionProblem& p, int64_t item, float* scratch);
};

// The kernel table for the best ISA cpu_features() allows, or nullptr (scalar
// machine or NMC_CPU_ISA=scalar): the op then declines to the reference.
const PointwiseKernels* pointwise_kernels();
// The tables themselves, for tests that exercise a specific ISA. Callers must
// check cpu_features() first; nullptr when not compiled in.
const PointwiseKernels* pointwise_kernels_avx512();
const PointwiseKernels* pointwise_kernels_avx2();

}  // namespace nmc::cpu
