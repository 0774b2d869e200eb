// Run-time choice of the pointwise kernel table: AVX-512 first, then AVX2.
#include "cpu/cpu_pointwise_kernels.h"
#include "nmc/kernels/cpu_features.h"

namespace nmc::cpu {

const PointwiseKernels* pointwise_kernels() {
  const CpuFeatures& f = cpu_features();
  // Every CPU with AVX-512 BW and VL also has DQ, which the AVX-512 file is built with.
  if (f.avx512f && f.avx512bw && f.avx512vl && f.fma) return pointwise_kernels_avx512();
  if (f.avx2 && f.fma) return pointwise_kernels_avx2();
  return nullptr;
}

}  // namespace nmc::cpu
