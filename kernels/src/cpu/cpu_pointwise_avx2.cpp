// AVX2 + FMA instantiation of the pointwise / norm / rope / attention kernels.
// Runs only after cpu_features() reports AVX2 and FMA (see cpu_pointwise_dispatch.cpp).
#include "cpu/cpu_attention_impl.h"
#include "cpu/cpu_pointwise_impl.h"

namespace nmc::cpu {

const PointwiseKernels* pointwise_kernels_avx2() {
  using V = V256;
  static const PointwiseKernels table{
      "avx2",
      &unary_kernel<V>,
      &binary_kernel<V>,
      &snake_kernel<V>,
      &gdn_kernel<V>,
      &layer_norm_row_kernel<V>,
      &rms_norm_row_kernel<V>,
      &softmax_row_kernel<V>,
      &sin_kernel<V>,
      &rope_row_kernel<V>,
      // scores: 3 keys x 24 rows; P^T V: 3 rows x 24 dv (9 ymm accumulators each)
      &attention_item_kernel<V, 3, 3, 3, 3>,
  };
  return &table;
}

}  // namespace nmc::cpu
