// AVX-512 instantiation of the pointwise / norm / rope / attention kernels.
// Runs only after cpu_features() reports AVX-512 F/BW/VL (see cpu_pointwise_dispatch.cpp).
#include "cpu/cpu_attention_impl.h"
#include "cpu/cpu_pointwise_impl.h"

namespace nmc::cpu {

const PointwiseKernels* pointwise_kernels_avx512() {
  using V = V512;
  static const PointwiseKernels table{
      "avx512",
      &unary_kernel<V>,
      &binary_kernel<V>,
      &snake_kernel<V>,
      &gdn_kernel<V>,
      &layer_norm_row_kernel<V>,
      &rms_norm_row_kernel<V>,
      &softmax_row_kernel<V>,
      &sin_kernel<V>,
      &rope_row_kernel<V>,
      // scores: 4 keys x 64 rows; P^T V: 4 rows x 64 dv (16 zmm accumulators each)
      &attention_item_kernel<V, 4, 4, 4, 4>,
  };
  return &table;
}

}  // namespace nmc::cpu
