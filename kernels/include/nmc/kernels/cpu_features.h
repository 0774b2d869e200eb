// Run-time CPU feature detection for kernel dispatch.
#pragma once

namespace nmc {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512bf16 = false;
  bool avx512vnni = false;
};

// Detected once; NMC_CPU_ISA=scalar|avx2|avx512 in the environment caps it (for tests).
const CpuFeatures& cpu_features();
// "avx512bf16", "avx512", "avx2" or "scalar": the best path the dispatcher will use.
const char* cpu_isa_name();

}  // namespace nmc
