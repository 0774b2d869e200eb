#include "nmc/kernels/cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace nmc {

static CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.f16c = true;  // every AVX2 machine we dispatch to has F16C; checked below with cpuid
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
  f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
#else
  {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    f.avx512bf16 = (a >> 5) & 1u;
  }
#endif
  {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    f.f16c = (c >> 29) & 1u;
  }
#endif
  if (const char* cap = std::getenv("NMC_CPU_ISA")) {
    if (std::strcmp(cap, "scalar") == 0) {
      f = CpuFeatures{};
    } else if (std::strcmp(cap, "avx2") == 0) {
      f.avx512f = f.avx512bw = f.avx512vl = f.avx512bf16 = f.avx512vnni = false;
    } else if (std::strcmp(cap, "avx512") == 0) {
      f.avx512bf16 = false;
    }
  }
  return f;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

const char* cpu_isa_name() {
  const auto& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl) return f.avx512bf16 ? "avx512bf16" : "avx512";
  if (f.avx2 && f.fma) return "avx2";
  return "scalar";
}

}  // namespace nmc
