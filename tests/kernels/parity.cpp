#include "parity.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace nmc::test {

static std::vector<std::string>& registry() {
  static std::vector<std::string> r;
  return r;
}

int register_parity_ops(std::initializer_list<const char*> names) {
  for (const char* n : names) registry().emplace_back(n);
  return 0;
}

const std::vector<std::string>& parity_ops() { return registry(); }

static double get_as_double(const Tensor& t, int64_t linear) {
  // Walk strides for possibly non-contiguous tensors.
  int64_t off = 0, rem = linear;
  for (int i = t.rank() - 1; i >= 0; --i) {
    const int64_t idx = rem % t.dim(i);
    rem /= t.dim(i);
    off += idx * t.stride(i);
  }
  const char* p = static_cast<const char*>(t.raw()) + off * static_cast<int64_t>(dtype_size(t.dtype()));
  switch (t.dtype()) {
    case DType::kF32: { float v; std::memcpy(&v, p, 4); return v; }
    case DType::kF16: { uint16_t v; std::memcpy(&v, p, 2); return f16_to_f32(v); }
    case DType::kBF16: { uint16_t v; std::memcpy(&v, p, 2); return bf16_to_f32(v); }
    case DType::kF64: { double v; std::memcpy(&v, p, 8); return v; }
    case DType::kI8: return *reinterpret_cast<const int8_t*>(p);
    case DType::kU8: case DType::kBool: return *reinterpret_cast<const uint8_t*>(p);
    case DType::kI16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::kI32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::kI64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
  }
  return 0;
}

Tensor zeros(const Shape& shape, DType dtype) { return Tensor::zeros(shape, dtype).value(); }

Tensor random_tensor(const Shape& shape, DType dtype, std::mt19937& rng, float lo, float hi) {
  Tensor t = zeros(shape, dtype);
  const int64_t n = t.numel();
  std::uniform_real_distribution<float> uf(lo, hi);
  for (int64_t i = 0; i < n; ++i) {
    const float f = uf(rng);
    switch (dtype) {
      case DType::kF32: t.data<float>()[i] = f; break;
      case DType::kF16: t.data<uint16_t>()[i] = f32_to_f16(f); break;
      case DType::kBF16: t.data<uint16_t>()[i] = f32_to_bf16(f); break;
      case DType::kF64: t.data<double>()[i] = f; break;
      case DType::kI8: t.data<int8_t>()[i] = static_cast<int8_t>(std::floor(f)); break;
      case DType::kU8: case DType::kBool: t.data<uint8_t>()[i] = static_cast<uint8_t>(std::floor(f)); break;
      case DType::kI16: t.data<int16_t>()[i] = static_cast<int16_t>(std::floor(f)); break;
      case DType::kI32: t.data<int32_t>()[i] = static_cast<int32_t>(std::floor(f)); break;
      case DType::kI64: t.data<int64_t>()[i] = static_cast<int64_t>(std::floor(f)); break;
    }
  }
  return t;
}

Tensor to_backend(const Tensor& host, const Backend& backend) {
  if (backend.device() == Device::kCpu) return host;
  Tensor d = backend.zeros(host.shape(), host.dtype()).value();
  Status s = backend.transfer(host, d);
  if (!s.ok()) throw std::runtime_error(s.to_string());
  return d;
}

Tensor to_host(const Tensor& t, const Backend& backend) {
  if (t.device() == Device::kCpu) return t;
  Tensor h = zeros(t.shape(), t.dtype());
  Status s = backend.transfer(t, h);
  if (!s.ok()) throw std::runtime_error(s.to_string());
  return h;
}

double tolerance_ratio(const Tensor& a, const Tensor& b, double atol, double rtol, std::string* where) {
  if (a.shape() != b.shape()) {
    if (where) *where = "shape mismatch " + a.shape().to_string() + " vs " + b.shape().to_string();
    return INFINITY;
  }
  double worst = 0;
  int64_t worst_i = -1;
  const int64_t n = a.numel();
  for (int64_t i = 0; i < n; ++i) {
    const double x = get_as_double(a, i), y = get_as_double(b, i);
    double r;
    if (std::isnan(x) || std::isnan(y)) r = (std::isnan(x) && std::isnan(y)) ? 0 : INFINITY;
    else if (std::isinf(x) || std::isinf(y)) r = (x == y) ? 0 : INFINITY;
    else r = std::fabs(x - y) / (atol + rtol * std::fabs(y));
    if (r > worst) {
      worst = r;
      worst_i = i;
    }
  }
  if (where && worst_i >= 0) {
    std::ostringstream os;
    os << "worst at " << worst_i << ": " << get_as_double(a, worst_i) << " vs " << get_as_double(b, worst_i);
    *where = os.str();
  }
  return worst;
}

std::vector<const Backend*> backends_under_test() {
  std::vector<const Backend*> v{&cpu_backend()};
  if (const Backend* c = cuda_backend()) v.push_back(c);
  return v;
}

}  // namespace nmc::test
