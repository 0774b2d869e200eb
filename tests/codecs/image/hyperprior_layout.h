// Synthetic CompressAI state_dicts for the full-size layouts listed in
// tests/data/image/compressai_shapes.json (names, dtypes and shapes of the
// released pretrained checkpoints).
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include "image_test_util.h"
#include "nmc/codecs/entropy/table_builders.h"

namespace nmc::image::test {

inline nlohmann::json load_layouts() {
  std::ifstream in(image_data("compressai_shapes.json"));
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// Row width of the layout's entropy_bottleneck._quantized_cdf.
inline int64_t layout_cdf_width(const nlohmann::json& layout) {
  for (const auto& entry : layout)
    if (entry.at("name") == "entropy_bottleneck._quantized_cdf") return entry.at("shape").at(1).get<int64_t>();
  FAIL("layout has no entropy_bottleneck._quantized_cdf");
  return 0;
}

// CompressAI's default Gaussian tables as [64, stride] zero-padded rows (+ lengths, offsets).
struct PaddedGaussianTables {
  std::vector<int32_t> cdf, lengths, offsets;
  int64_t stride = 0;
};

inline PaddedGaussianTables default_gaussian_buffers() {
  auto rows = entropy::build_gaussian_rows(entropy::default_gaussian_scale_table());
  REQUIRE(rows.ok());
  PaddedGaussianTables t;
  for (int32_t len : rows->cdf_lengths) t.stride = std::max<int64_t>(t.stride, len);
  const size_t tables = rows->cdf_lengths.size();
  t.cdf.assign(tables * static_cast<size_t>(t.stride), 0);
  size_t src = 0;
  for (size_t i = 0; i < tables; ++i) {
    std::copy_n(rows->cdf_rows.begin() + static_cast<std::ptrdiff_t>(src), rows->cdf_lengths[i],
                t.cdf.begin() + static_cast<std::ptrdiff_t>(i * t.stride));
    src += static_cast<size_t>(rows->cdf_lengths[i]);
  }
  t.lengths = rows->cdf_lengths;
  t.offsets = rows->offsets;
  return t;
}

// The tensors of one layout (a JSON array of {name, dtype, shape}). Float tensors
// are zero, or, with `rng`, drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
// convolution weights and biases (GDN: raw beta 1, raw gamma 0.01). The buffers
// that must hold valid values whatever the weights are filled consistently:
// the Gaussian scale table and CDFs (CompressAI's defaults, which are what
// released checkpoints hold) and EntropyBottleneck CDFs (a uniform table per
// channel over the layout's row width).
inline NamedTensors layout_tensors(const nlohmann::json& layout, std::mt19937* rng = nullptr) {
  static const PaddedGaussianTables gaussian = default_gaussian_buffers();
  NamedTensors out;
  for (const auto& entry : layout) {
    const std::string name = entry.at("name");
    const std::string dtype = entry.at("dtype");
    Shape shape;
    for (const auto& d : entry.at("shape")) shape[shape.rank++] = d.get<int64_t>();
    REQUIRE((dtype == "float32" || dtype == "int32"));
    auto made = Tensor::zeros(shape, dtype == "float32" ? DType::kF32 : DType::kI32);
    REQUIRE(made.ok());
    Tensor t = std::move(made).value();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    const bool eb = name.rfind("entropy_bottleneck.", 0) == 0;
    const bool gc = name.rfind("gaussian_conditional.", 0) == 0;
    if (gc && ends_with("scale_table")) {
      REQUIRE(t.numel() == 64);
      std::copy_n(entropy::default_gaussian_scale_table().begin(), 64, t.data<float>());
    } else if (gc && ends_with("_quantized_cdf")) {
      REQUIRE(t.dim(1) == gaussian.stride);
      std::copy(gaussian.cdf.begin(), gaussian.cdf.end(), t.data<int32_t>());
    } else if (gc && ends_with("_cdf_length")) {
      std::copy(gaussian.lengths.begin(), gaussian.lengths.end(), t.data<int32_t>());
    } else if (gc && ends_with("_offset")) {
      std::copy(gaussian.offsets.begin(), gaussian.offsets.end(), t.data<int32_t>());
    } else if (eb && ends_with("_quantized_cdf")) {
      const int64_t width = t.dim(1);  // every row uses the full width: width - 1 symbols
      for (int64_t c = 0; c < t.dim(0); ++c)
        for (int64_t i = 0; i < width; ++i)
          t.data<int32_t>()[c * width + i] = static_cast<int32_t>(i * 65536 / (width - 1));
    } else if (eb && ends_with("_cdf_length")) {
      std::fill_n(t.data<int32_t>(), t.numel(), static_cast<int32_t>(layout_cdf_width(layout)));
    } else if (eb && ends_with("_offset")) {
      std::fill_n(t.data<int32_t>(), t.numel(), -static_cast<int32_t>((layout_cdf_width(layout) - 2) / 2));
    } else if (rng && (ends_with(".weight") || ends_with(".bias"))) {
      const int64_t fan_in = ends_with(".weight") ? t.numel() / t.dim(0) : 1;
      std::uniform_real_distribution<float> u(-1.0f / std::sqrt(float(fan_in)), 1.0f / std::sqrt(float(fan_in)));
      for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(*rng);
    } else if (rng && ends_with(".beta")) {
      std::fill_n(t.data<float>(), t.numel(), 1.0f);
    } else if (rng && ends_with(".gamma")) {
      std::fill_n(t.data<float>(), t.numel(), 0.01f);
    }
    out.emplace_back(name, std::move(t));
  }
  return out;
}

}  // namespace nmc::image::test
