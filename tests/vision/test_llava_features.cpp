// Image and video feature packing against the tiny golden fixture
// (tests/data/vlm/llava_ov_tiny/features.safetensors), CPU and reference backends.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/thread_pool.h"
#include "nmc/vision/llava_onevision_config.h"
#include "nmc/vision/llava_onevision_features.h"

using namespace nmc;
using namespace nmc::vision;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";

// Largest |a - b| / (atol + rtol |b|) over all elements (<= 1 passes).
double tolerance_ratio(const Tensor& a, const float* b, int64_t n, double atol, double rtol) {
  REQUIRE(a.numel() == n);
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(double(a.data<float>()[i]) - b[i]) / (atol + rtol * std::abs(double(b[i]))));
  return worst;
}

}  // namespace

TEST_CASE("image and video features are packed as the model packs them", "[vision][features]") {
  auto file = SafetensorsFile::open(kDir + "/features.safetensors");
  REQUIRE(file.ok());
  auto get = [&](const char* name) {
    auto t = file->tensor(name);
    REQUIRE(t.ok());
    return std::move(t).value();
  };
  auto config = load_llava_onevision_config(kDir);
  REQUIRE(config.ok());
  const int64_t grid = config->vision.grid();
  auto layout = anyres_layout(*config, 166, 416);
  REQUIRE(layout.ok());
  const Tensor newline = get("image_newline"), b_proj = get("b.projector_out"), c_proj = get("c.projector_out");
  const Tensor b_want = get("b.image_features"), c_want = get("c.video_features");
  const Tensor b_final = get("b.image_grid_final"), b_unpadded = get("b.image_grid_unpadded");
  REQUIRE(b_final.dim(1) == layout->final_height);
  REQUIRE(b_final.dim(2) == layout->final_width);
  REQUIRE(b_unpadded.dim(1) == layout->unpadded_height);
  REQUIRE(b_unpadded.dim(2) == layout->unpadded_width);
  ThreadPool pool(2);
  for (const Backend* be : {&cpu_backend(), &reference_backend()}) {
    INFO("backend " << be->name());
    const Exec exec{be, &pool};
    auto img = pack_image_features(exec, *layout, grid, b_proj, newline);
    REQUIRE(img.ok());
    CHECK(img->dim(0) == 634);
    // Manifest tolerance of b.image_features: atol 6e-4, rtol 1e-4 (the packing adds only the resize's rounding).
    CHECK(tolerance_ratio(*img, b_want.data<float>(), b_want.numel(), 6e-4, 1e-4) <= 1.0);
    CHECK(tolerance_ratio(*img, b_want.data<float>(), b_want.numel(), 1e-4, 1e-5) <= 1.0);  // measured: ~3e-5
    auto vid = pack_video_features(exec, grid, c_proj, newline);
    REQUIRE(vid.ok());
    CHECK(vid->dim(0) == 129);
    CHECK(tolerance_ratio(*vid, c_want.data<float>(), c_want.numel(), 1e-5, 1e-5) <= 1.0);
  }
  // The unresized path: a layout whose budget is not exceeded keeps the cropped map as it is.
  AnyresLayout keep = *layout;
  keep.final_height = keep.unpadded_height;
  keep.final_width = keep.unpadded_width;
  keep.tokens = grid * grid + keep.final_height * (keep.final_width + 1);
  auto img = pack_image_features(Exec{&cpu_backend(), nullptr}, keep, grid, b_proj, newline);
  REQUIRE(img.ok());
  const int64_t d = newline.numel(), w = keep.final_width;
  // Token (row y, column x) of the map = b.image_grid_unpadded[:, y, x]; the newline closes each row.
  double worst = 0;
  for (int64_t y = 0; y < keep.final_height; ++y)
    for (int64_t x = 0; x <= w; ++x)
      for (int64_t c = 0; c < d; ++c) {
        const float got = img->data<float>()[(grid * grid + y * (w + 1) + x) * d + c];
        const float want = x == w ? newline.data<float>()[c]
                                  : b_unpadded.data<float>()[(c * keep.final_height + y) * w + x];
        worst = std::max(worst, double(std::abs(got - want)));
      }
  CHECK(worst == 0.0);  // a copy, bit for bit
}

TEST_CASE("feature packing refuses shapes that do not fit", "[vision][features]") {
  auto config = load_llava_onevision_config(kDir);
  REQUIRE(config.ok());
  auto layout = anyres_layout(*config, 166, 416);
  REQUIRE(layout.ok());
  const Exec exec{&cpu_backend(), nullptr};
  auto tiles = Tensor::zeros(Shape{19, 64, 64}, DType::kF32);
  auto newline = Tensor::zeros(Shape{64}, DType::kF32);
  REQUIRE(pack_image_features(exec, *layout, 8, *tiles, *newline).ok());
  auto few = Tensor::zeros(Shape{18, 64, 64}, DType::kF32);
  CHECK(pack_image_features(exec, *layout, 8, *few, *newline).status().code() == StatusCode::kInvalidArgument);
  auto wide = Tensor::zeros(Shape{65}, DType::kF32);
  CHECK(pack_image_features(exec, *layout, 8, *tiles, *wide).status().code() == StatusCode::kInvalidArgument);
  CHECK(pack_image_features(exec, *layout, 7, *tiles, *newline).status().code() == StatusCode::kInvalidArgument);
  AnyresLayout bad = *layout;
  bad.crop_top = 10;  // 10 + 20 > 24
  CHECK(pack_image_features(exec, bad, 8, *tiles, *newline).status().code() == StatusCode::kInvalidArgument);
  auto ints = Tensor::zeros(Shape{19, 64, 64}, DType::kI32);
  CHECK(pack_image_features(exec, *layout, 8, *ints, *newline).status().code() == StatusCode::kInvalidArgument);
  auto frames = Tensor::zeros(Shape{3, 64, 64}, DType::kF32);
  auto v = pack_video_features(exec, 8, *frames, *newline);
  REQUIRE(v.ok());
  CHECK(v->dim(0) == 3 * 16 + 1);
  CHECK(pack_video_features(exec, 7, *frames, *newline).status().code() == StatusCode::kInvalidArgument);
}
