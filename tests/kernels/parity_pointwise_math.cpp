// Accuracy of the vectorised math in cpu_math.h, through each ISA table's
// unary and sin kernels, against double-precision libm on dense sweeps.
// Bounds: relative error <= 5e-7 (a few ulp) for exp, sigmoid, silu, tanh,
// gelu and elu over their whole sweep, plus an absolute floor of 1e-37 where
// results underflow; gelu_tanh the same for x >= -2 and 2e-5 relative below
// (the float cubic in its argument limits it there); sin <= 3e-7 absolute for |x| <= 1e4.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "parity_pointwise_util.h"

using namespace nmc;

namespace {

std::vector<const cpu::PointwiseKernels*> tables() {
  std::vector<const cpu::PointwiseKernels*> v;
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.fma) v.push_back(cpu::pointwise_kernels_avx2());
  if (f.avx512f && f.avx512bw && f.avx512vl) v.push_back(cpu::pointwise_kernels_avx512());
  return v;
}

double exact(UnaryKind k, double x) {
  switch (k) {
    case UnaryKind::kExp: return std::exp(x);
    case UnaryKind::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryKind::kSilu: return x / (1.0 + std::exp(-x));
    case UnaryKind::kTanh: return std::tanh(x);
    case UnaryKind::kGelu: return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case UnaryKind::kGeluTanh: {
      const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
      return x / (1.0 + std::exp(-2.0 * u));  // = 0.5 x (1 + tanh(u)) without cancellation
    }
    case UnaryKind::kElu: return x > 0 ? x : std::expm1(x);
    default: return x;
  }
}

// Sweep points: dense over [-lo_range, hi_range] plus values near 0.
std::vector<float> sweep(float lo, float hi) {
  std::vector<float> v;
  for (int i = 0; i <= 200000; ++i) v.push_back(lo + (hi - lo) * static_cast<float>(i) / 200000.0f);
  for (float s = 1e-8f; s < 1.0f; s *= 1.37f) {
    v.push_back(s);
    v.push_back(-s);
  }
  return v;
}

}  // namespace

TEST_CASE("vector math is accurate to a few ulp", "[pointwise][math]") {
  struct Range { UnaryKind kind; const char* name; float lo, hi; float loose_below = -1e30f; };
  const Range ranges[] = {
      {UnaryKind::kExp, "exp", -103.0f, 88.5f},      {UnaryKind::kSigmoid, "sigmoid", -80.0f, 80.0f},
      {UnaryKind::kSilu, "silu", -80.0f, 80.0f},     {UnaryKind::kTanh, "tanh", -12.0f, 12.0f},
      {UnaryKind::kGelu, "gelu", -12.0f, 12.0f},     {UnaryKind::kGeluTanh, "gelu_tanh", -12.0f, 12.0f, -2.0f},
      {UnaryKind::kElu, "elu", -30.0f, 5.0f},
  };
  for (const auto* t : tables()) {
    for (const auto& r : ranges) {
      const std::vector<float> x = sweep(r.lo, r.hi);
      std::vector<float> y(x.size());
      t->unary(x.data(), y.data(), static_cast<int64_t>(x.size()), r.kind, 1.0f, 0.0f);
      double worst = 0;
      float worst_x = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double want = exact(r.kind, x[i]);
        double err = std::fabs(y[i] - want) / (std::fabs(want) + 1e-37 / 5e-7);
        if (x[i] < r.loose_below) err *= 5e-7 / 2e-5;  // the looser bound, scaled to the same check
        if (err > worst) {
          worst = err;
          worst_x = x[i];
        }
      }
      INFO(t->isa << " " << r.name << ": worst relative error " << worst << " at x = " << worst_x);
      CHECK(worst <= 5e-7);
    }
    // sin: absolute error, the reduction by pi keeps it flat up to |x| = 1e4.
    const std::vector<float> x = sweep(-1e4f, 1e4f);
    std::vector<float> y(x.size());
    t->sin(x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::fmax(worst, std::fabs(y[i] - std::sin(static_cast<double>(x[i]))));
    INFO(t->isa << " sin: worst absolute error " << worst);
    CHECK(worst <= 3e-7);
  }
}
