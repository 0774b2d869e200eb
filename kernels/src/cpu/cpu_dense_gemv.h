// Matrix-vector kernels for matmul with M == 1 (decode steps):
//   y[n] = alpha * dot(x[0:k], w[n * ldw : n * ldw + k]) + (bias ? bias[n] : 0)
// for rows n in [n0, n1). w holds f32, bf16 or f16 rows (a Linear weight
// [N, K]); x and y are f32. Weights are widened to f32 exactly and
// accumulated in f32. Callers split [0, N) across threads; rows are
// independent so results do not depend on the split.
//
// The _avx512 / _avx2 variants live in files built for that ISA and must only
// be called after the matching cpu_features() check.
#pragma once

#include <cstdint>

#include "nmc/kernels/dtype.h"

namespace nmc::cpu {

struct GemvArgs {
  const float* x = nullptr;
  const void* w = nullptr;  // element type `wtype`
  DType wtype = DType::kF32;
  int64_t ldw = 0;  // row stride of w in elements
  int64_t k = 0;
  const float* bias = nullptr;  // optional
  float alpha = 1.0f;
  float* y = nullptr;
  // bf16 weights on the AVX-512 path: x split into even and odd elements
  // (x_even[i] = x[2i], x_odd[i] = x[2i+1], k/2 each), so pairs of bf16
  // weights widen with one shift/mask instead of a lane-crossing convert.
  const float* x_even = nullptr;
  const float* x_odd = nullptr;
};

void gemv_rows_avx512(const GemvArgs& a, int64_t n0, int64_t n1);
void gemv_rows_avx2(const GemvArgs& a, int64_t n0, int64_t n1);

// f32 -> bf16 (round to nearest even) of n values; AVX-512 BF16 variant.
void convert_f32_to_bf16_avx512bf16(const float* src, uint16_t* dst, int64_t n);

}  // namespace nmc::cpu
