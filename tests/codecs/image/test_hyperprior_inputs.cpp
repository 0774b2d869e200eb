// HyperpriorModel on invalid inputs: every stage and entropy helper answers
// with a Status (never a crash), and the scale-index and rounding edge cases.
#include <limits>

#include "image_test_util.h"

using namespace nmc;
using namespace nmc::image;
using namespace nmc::image::test;

namespace {

Tensor zeros(const Shape& shape, DType dtype = DType::kF32) {
  auto t = Tensor::zeros(shape, dtype);
  REQUIRE(t.ok());
  return std::move(t).value();
}

void require_invalid(const Status& s, const std::string& needle) {
  INFO(s.to_string());
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("hyperprior stages reject malformed tensors", "[hyperprior][hostile]") {
  const Fixture fx = load_fixture("mbt2018-mean");
  const HyperpriorModel model = load_model(fx);
  const Exec exec{&cpu_backend(), nullptr};

  SECTION("analysis") {
    require_invalid(model.analysis(exec, zeros({2, 3, 64, 64})).status(), "batch 1");
    require_invalid(model.analysis(exec, zeros({1, 4, 64, 64})).status(), "3 channels");
    require_invalid(model.analysis(exec, zeros({1, 3, 200, 256})).status(), "multiples of 16");
    require_invalid(model.analysis(exec, zeros({1, 3, 64, 72})).status(), "multiples of 16");
    require_invalid(model.analysis(exec, zeros({3, 64, 64})).status(), "rank 4");
    require_invalid(model.analysis(exec, zeros({1, 3, 64, 64}, DType::kI32)).status(), "f32");
    require_invalid(model.analysis(exec, Tensor()).status(), "undefined");
    const Tensor hwc = zeros({1, 64, 64, 3});
    auto nchw = hwc.permute({0, 3, 1, 2});  // right shape, not contiguous
    REQUIRE(nchw.ok());
    require_invalid(model.analysis(exec, *nchw).status(), "contiguous");
  }
  SECTION("hyper analysis needs multiples of 4 (an image whose sides are not multiples of 64)") {
    // A 80 x 64 image gives y 5 x 4.
    auto y = model.analysis(exec, zeros({1, 3, 80, 64}));
    REQUIRE(y.ok());
    CHECK(y->shape() == Shape{1, 96, 5, 4});
    require_invalid(model.hyper_analysis(exec, *y).status(), "multiples of 4");
    require_invalid(model.hyper_analysis(exec, zeros({1, 64, 4, 4})).status(), "96 channels");
    require_invalid(model.hyper_analysis(exec, zeros({2, 96, 4, 4})).status(), "batch 1");
  }
  SECTION("hyper synthesis and synthesis") {
    require_invalid(model.hyper_synthesis(exec, zeros({1, 96, 1, 1})).status(), "64 channels");
    require_invalid(model.hyper_synthesis(exec, zeros({2, 64, 1, 1})).status(), "batch 1");
    require_invalid(model.synthesis(exec, zeros({1, 64, 2, 2})).status(), "96 channels");
    require_invalid(model.synthesis(exec, zeros({1, 96, 0, 2})).status(), "positive");
    // Any positive size is fine for the synthesis side.
    auto params = model.hyper_synthesis(exec, zeros({1, 64, 1, 3}));
    REQUIRE(params.ok());
    CHECK(params->scales.shape() == Shape{1, 96, 4, 12});
    CHECK(params->means.shape() == Shape{1, 96, 4, 12});
    auto x_hat = model.synthesis(exec, zeros({1, 96, 1, 2}));
    REQUIRE(x_hat.ok());
    CHECK(x_hat->shape() == Shape{1, 3, 16, 32});
  }
  SECTION("an unloaded model") {
    const HyperpriorModel empty;
    CHECK_FALSE(empty.loaded());
    require_invalid(empty.analysis(exec, zeros({1, 3, 64, 64})).status(), "not loaded");
    require_invalid(empty.quantize_z(zeros({1, 64, 1, 1})).status(), "not loaded");
  }
}

TEST_CASE("hyperprior entropy helpers reject malformed input", "[hyperprior][hostile]") {
  const Fixture fx = load_fixture("mbt2018-mean");
  const HyperpriorModel model = load_model(fx);
  const Tensor z_symbols = fx.get("z_symbols");
  const Tensor indexes = fx.get("indexes");
  const auto z_string = bytes_of(fx.get("z_string"));
  const auto y_string = bytes_of(fx.get("y_string"));

  SECTION("quantization") {
    Tensor z = zeros({1, 64, 1, 1});
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 3e9f}) {
      z.data<float>()[5] = bad;
      require_invalid(model.quantize_z(z).status(), "element 5");
    }
    require_invalid(model.quantize_z(zeros({1, 96, 1, 1})).status(), "[1, 64, h, w]");
    const Tensor y = zeros({1, 96, 2, 2});
    require_invalid(model.quantize_y(y, nullptr).status(), "means");
    const Tensor wrong_means = zeros({1, 96, 2, 3});
    require_invalid(model.quantize_y(y, &wrong_means).status(), "differs");
    require_invalid(model.dequantize_y(zeros({1, 96, 2, 2}, DType::kF32), &y).status(), "i32");
  }
  SECTION("bmshj2018-hyperprior takes no means") {
    const Fixture fb = load_fixture("bmshj2018-hyperprior");
    const HyperpriorModel scale_model = load_model(fb);
    const Tensor y = zeros({1, 96, 2, 2});
    require_invalid(scale_model.quantize_y(y, &y).status(), "no means");
    CHECK(scale_model.quantize_y(y, nullptr).ok());
  }
  SECTION("coding") {
    require_invalid(model.compress_z(z_symbols, 3).status(), "lanes");
    require_invalid(model.decompress_z(z_string, 3, 4, 2).status(), "lanes");
    require_invalid(model.decompress_z(z_string, 0, 4).status(), "latent size");
    require_invalid(model.decompress_z(z_string, 3, 1 << 20).status(), "latent size");
    require_invalid(model.compress_y(fx.get("y_symbols"), zeros({1, 96, 12, 15}, DType::kI32)).status(),
                    "differs");
    // A table index outside the 64 Gaussian tables.
    Tensor bad_indexes = zeros({1, 96, 12, 16}, DType::kI32);
    bad_indexes.data<int32_t>()[7] = 64;
    CHECK(model.compress_y(fx.get("y_symbols"), bad_indexes).status().code() == StatusCode::kInvalidArgument);
    CHECK(model.decompress_y(y_string, bad_indexes).status().code() != StatusCode::kOk);
  }
  SECTION("corrupt strings") {
    const std::vector<uint8_t> truncated(z_string.begin(), z_string.end() - 4);
    CHECK(model.decompress_z(truncated, 3, 4).status().code() == StatusCode::kInvalidData);
    CHECK(model.decompress_y(std::span<const uint8_t>(y_string).first(100), indexes).status().code() ==
          StatusCode::kInvalidData);
    CHECK(model.decompress_z({}, 3, 4).status().code() == StatusCode::kInvalidData);
    // The right string decoded with the wrong latent size does not finish cleanly.
    CHECK(model.decompress_z(z_string, 3, 3).status().code() == StatusCode::kInvalidData);
    std::vector<uint8_t> garbage(4096);
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
    CHECK_FALSE(model.decompress_y(garbage, indexes).ok());
  }
}

TEST_CASE("hyperprior scale indexes and rounding follow CompressAI at the edges", "[hyperprior][parity]") {
  const Fixture fx = load_fixture("bmshj2018-hyperprior");
  const HyperpriorModel model = load_model(fx);
  const Tensor table = [&] {
    auto w = fx.weights.tensor("gaussian_conditional.scale_table");
    REQUIRE(w.ok());
    return std::move(w).value();
  }();
  const float* t = table.data<float>();
  Tensor scales = zeros({1, 96, 1, 1});
  float* s = scales.data<float>();
  s[0] = 0.0f;                                       // below the 0.11 bound -> 0
  s[1] = -5.0f;                                      // negative -> 0
  s[2] = t[0];                                       // exactly 0.11 -> 0
  s[3] = std::nextafter(t[0], 1.0f);                 // just above -> 1
  s[4] = t[10];                                      // a table entry takes that entry
  s[5] = std::nextafter(t[10], 0.0f);                // just below it -> same entry
  s[6] = std::nextafter(t[10], 1000.0f);             // just above it -> next entry
  s[7] = 1e6f;                                       // beyond the table -> 63
  s[8] = std::numeric_limits<float>::quiet_NaN();    // NaN -> 63 (as CompressAI)
  s[9] = std::numeric_limits<float>::infinity();     // -> 63
  auto idx = model.gaussian_indexes(scales);
  REQUIRE(idx.ok());
  const int32_t expected[10] = {0, 0, 0, 1, 10, 10, 11, 63, 63, 63};
  for (int i = 0; i < 10; ++i) {
    INFO("scale " << i);
    CHECK(idx->data<int32_t>()[i] == expected[i]);
  }

  // Ties round half to even, as torch.round.
  Tensor y = zeros({1, 96, 1, 1});
  const float values[6] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4999998f};
  const int32_t rounded[6] = {0, 2, 2, 0, -2, 2};
  for (int i = 0; i < 6; ++i) y.data<float>()[i] = values[i];
  auto q = model.quantize_y(y, nullptr);
  REQUIRE(q.ok());
  for (int i = 0; i < 6; ++i) {
    INFO("value " << values[i]);
    CHECK(q->symbols.data<int32_t>()[i] == rounded[i]);
    CHECK(q->values.data<float>()[i] == static_cast<float>(rounded[i]));
  }
}
