// Reference unary and binary elementwise ops: scalar, evaluated in double and
// rounded once to f32.
#include <cmath>

#include "nmc/kernels/ops.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::reference {

namespace {

double apply_unary(UnaryKind kind, double x, double alpha, double beta) {
  switch (kind) {
    case UnaryKind::kIdentity: return x;
    case UnaryKind::kRelu: return x > 0 ? x : 0.0;
    case UnaryKind::kGelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case UnaryKind::kGeluTanh: {
      const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
      return 0.5 * x * (1.0 + std::tanh(u));
    }
    case UnaryKind::kSilu: return x / (1.0 + std::exp(-x));
    case UnaryKind::kElu: return x > 0 ? x : alpha * std::expm1(x);
    case UnaryKind::kLeakyRelu: return x > 0 ? x : alpha * x;
    case UnaryKind::kTanh: return std::tanh(x);
    case UnaryKind::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryKind::kExp: return std::exp(x);
    case UnaryKind::kAbs: return std::fabs(x);
    case UnaryKind::kSquare: return x * x;
    case UnaryKind::kSqrt: return std::sqrt(x);
    case UnaryKind::kAffine: return alpha * x + beta;
    case UnaryKind::kCount: break;
  }
  return x;
}

double apply_binary(BinaryKind kind, double a, double b) {
  switch (kind) {
    case BinaryKind::kAdd: return a + b;
    case BinaryKind::kSub: return a - b;
    case BinaryKind::kMul: return a * b;
    case BinaryKind::kDiv: return a / b;
    case BinaryKind::kMax: return a > b ? a : b;
    case BinaryKind::kMin: return a < b ? a : b;
    case BinaryKind::kCount: break;
  }
  return a;
}

}  // namespace

Status unary(const Exec&, const UnaryArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_unary(args));
  const float* x = args.x->data<float>();
  float* y = args.out->data<float>();
  const int64_t n = args.x->numel();
  for (int64_t i = 0; i < n; ++i)
    y[i] = static_cast<float>(apply_unary(args.kind, x[i], args.alpha, args.beta));
  return Status::Ok();
}

Status binary(const Exec&, const BinaryArgs& args) {
  NMC_RETURN_IF_ERROR(pointwise::validate_binary(args));
  const Tensor& a = *args.a;
  const Shape bstr = pointwise::broadcast_strides(a, *args.b);
  const float* pa = a.data<float>();
  const float* pb = args.b->data<float>();
  float* po = args.out->data<float>();
  const int64_t n = a.numel();
  // Walk a's index in row-major order, tracking b's offset.
  Shape idx;
  idx.rank = a.rank();
  int64_t boff = 0;
  for (int64_t i = 0; i < n; ++i) {
    po[i] = static_cast<float>(apply_binary(args.kind, pa[i], pb[boff]));
    for (int d = a.rank() - 1; d >= 0; --d) {
      boff += bstr[d];
      if (++idx[d] < a.dim(d)) break;
      boff -= bstr[d] * a.dim(d);
      idx[d] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace nmc::reference
