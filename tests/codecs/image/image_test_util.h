// Shared helpers for the hyperprior image model tests: fixture loading,
// tensor comparison, and in-memory checkpoints built from named tensors.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nmc/codecs/image/hyperprior_model.h"
#include "nmc/kernels/backend.h"
#include "nmc/kernels/safetensors.h"

namespace nmc::image::test {

inline std::string image_data(const std::string& name) { return std::string(NMC_TEST_DATA) + "/image/" + name; }

inline SafetensorsFile open_file(const std::string& path) {
  auto f = SafetensorsFile::open(path);
  INFO(path << ": " << f.status().to_string());
  REQUIRE(f.ok());
  return std::move(f).value();
}

// The CompressAI golden fixture of one model (tests/data/image/<model>/, see its README.md).
struct Fixture {
  std::string model;
  HyperpriorKind kind;
  SafetensorsFile weights;
  SafetensorsFile io;
  // Suggested max-abs tolerances from the fixture README ("Tolerances and how to test").
  float tol_y, tol_z, tol_scales, tol_means, tol_x_hat;
  // Rounding-risk counts from the README: stored y elements whose y - mean lies within the
  // y (+ means) tolerance of a half-integer, z elements within the z tolerance, and scales
  // within the scale tolerance of a table threshold.
  int risk_y, risk_z, risk_scales;

  Tensor get(const std::string& name) const {
    auto t = io.tensor(name);
    INFO(model << " io tensor " << name << ": " << t.status().to_string());
    REQUIRE(t.ok());
    return std::move(t).value();
  }
  bool mean_scale() const { return kind == HyperpriorKind::kMeanScaleHyperprior; }
};

inline Fixture load_fixture(const std::string& model) {
  const std::string dir = image_data(model) + "/";
  if (model == "mbt2018-mean")
    return {model, HyperpriorKind::kMeanScaleHyperprior, open_file(dir + "weights.safetensors"),
            open_file(dir + "io.safetensors"), 0.00022f, 0.00016f, 0.00038f, 4.9e-05f, 1.4e-05f, 13, 0, 60};
  REQUIRE(model == "bmshj2018-hyperprior");
  return {model, HyperpriorKind::kScaleHyperprior, open_file(dir + "weights.safetensors"),
          open_file(dir + "io.safetensors"), 0.00022f, 0.00017f, 0.0014f, 0.0f, 1.6e-05f, 11, 0, 220};
}

inline HyperpriorModel load_model(const Fixture& fx, int64_t n = 0, int64_t m = 0) {
  auto model = HyperpriorModel::load(fx.weights, HyperpriorConfig{fx.kind, n, m});
  INFO(model.status().to_string());
  REQUIRE(model.ok());
  return std::move(model).value();
}

// Max |a - b| over two f32 tensors of the same shape (NaN on either side counts as infinite).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.dtype() == DType::kF32);
  REQUIRE(b.dtype() == DType::kF32);
  REQUIRE(a.shape() == b.shape());
  double m = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(a.data<float>()[i]) - b.data<float>()[i]);
    m = std::isnan(d) ? INFINITY : std::max(m, d);
  }
  return m;
}

// Number of elements that differ (bitwise for f32, by value for i32 / u8).
inline int64_t count_differences(const Tensor& a, const Tensor& b) {
  REQUIRE(a.dtype() == b.dtype());
  REQUIRE(a.shape() == b.shape());
  const size_t size = dtype_size(a.dtype());
  int64_t n = 0;
  const auto* pa = static_cast<const uint8_t*>(a.raw());
  const auto* pb = static_cast<const uint8_t*>(b.raw());
  for (int64_t i = 0; i < a.numel(); ++i) n += std::memcmp(pa + i * size, pb + i * size, size) != 0;
  return n;
}

inline std::vector<uint8_t> bytes_of(const Tensor& t) {
  REQUIRE(t.dtype() == DType::kU8);
  return {t.data<uint8_t>(), t.data<uint8_t>() + t.numel()};
}

// Every tensor of a file, as (name, tensor) pairs ready for serialize_safetensors.
inline NamedTensors all_tensors(const SafetensorsFile& file) {
  NamedTensors out;
  for (const auto& name : file.names()) {
    auto t = file.tensor(name);
    REQUIRE(t.ok());
    out.emplace_back(name, std::move(t).value());
  }
  return out;
}

// A SafetensorsFile in memory holding `tensors`.
inline SafetensorsFile in_memory(const NamedTensors& tensors) {
  auto bytes = serialize_safetensors(tensors);
  REQUIRE(bytes.ok());
  auto file = SafetensorsFile::open_from_memory(*bytes);
  REQUIRE(file.ok());
  return std::move(file).value();
}

}  // namespace nmc::image::test
