// Anyres token geometry against what Hugging Face transformers computes
// (tests/data/vlm/llava_layout_cases.json, tools/fixtures/make_llava_layout_fixture.py)
// and the tiny golden fixture's documented example.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "vlm_test_data.h"
#include "nmc/vision/llava_onevision_config.h"
#include "nmc/vision/llava_onevision_layout.h"

using namespace nmc;
using namespace nmc::vision;
using nmc::test::read_test_json;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm";


LlavaOnevisionConfig config(const std::string& name) {
  auto c = name == "tiny" ? load_llava_onevision_config(kDir + "/llava_ov_tiny")
                          : parse_llava_onevision_config(read_test_json(kDir + "/llava_ov_0.5b_config.json").dump(), name);
  REQUIRE(c.ok());
  return *c;
}

}  // namespace

TEST_CASE("anyres layout of the tiny fixture's image", "[vision][layout]") {
  // tests/data: fixture README - raw 166x416 -> canvas 192x384 (3x6 tiles), resized 154x384 with 19 rows on
  // top, stitched 24x48, unpadded 20x48, budget ratio 1.291 -> 15x37, 64 + 15 * 38 = 634 tokens.
  auto l = anyres_layout(config("tiny"), 166, 416);
  REQUIRE(l.ok());
  CHECK(l->canvas_height == 192);
  CHECK(l->canvas_width == 384);
  CHECK(l->tiles_down == 3);
  CHECK(l->tiles_across == 6);
  CHECK(l->resized_height == 154);
  CHECK(l->resized_width == 384);
  CHECK(l->pad_top == 19);
  CHECK(l->pad_left == 0);
  CHECK(l->stitched_height == 24);
  CHECK(l->stitched_width == 48);
  CHECK(l->crop_top == 2);
  CHECK(l->unpadded_height == 20);
  CHECK(l->unpadded_width == 48);
  CHECK(l->final_height == 15);
  CHECK(l->final_width == 37);
  CHECK(l->tokens == 634);
  // Videos: 8 frames of 8x8 patches pooled to 4x4, plus one newline = 129 tokens.
  CHECK(video_frame_tokens(config("tiny")) == 16);
  CHECK(video_tokens(config("tiny"), 8) == 129);
}

TEST_CASE("anyres layout matches transformers on hundreds of image sizes", "[vision][layout]") {
  const nlohmann::json fx = read_test_json(kDir + "/llava_layout_cases.json");
  for (const char* name : {"tiny", "0.5b"}) {
    const LlavaOnevisionConfig c = config(name);
    const auto& set = fx[name];
    REQUIRE(set["cases"].size() >= 300);
    CHECK(video_frame_tokens(c) == set["video_frame_tokens"].get<int64_t>());
    for (const auto& k : set["cases"]) {
      const int64_t h = k["height"], w = k["width"];
      INFO(name << " " << h << "x" << w);
      auto l = anyres_layout(c, h, w);
      REQUIRE(l.ok());
      CHECK(l->canvas_height == k["canvas"][0].get<int64_t>());
      CHECK(l->canvas_width == k["canvas"][1].get<int64_t>());
      CHECK(l->resized_height == k["resized"][0].get<int64_t>());
      CHECK(l->resized_width == k["resized"][1].get<int64_t>());
      CHECK(l->pad_top == k["pad_top"].get<int64_t>());
      CHECK(l->pad_left == k["pad_left"].get<int64_t>());
      CHECK(l->stitched_height == k["stitched"][0].get<int64_t>());
      CHECK(l->stitched_width == k["stitched"][1].get<int64_t>());
      CHECK(l->crop_top == k["crop"][0].get<int64_t>());
      CHECK(l->crop_left == k["crop"][1].get<int64_t>());
      CHECK(l->unpadded_height == k["unpadded"][0].get<int64_t>());
      CHECK(l->unpadded_width == k["unpadded"][1].get<int64_t>());
      CHECK(l->final_height == k["final"][0].get<int64_t>());
      CHECK(l->final_width == k["final"][1].get<int64_t>());
      CHECK(l->tokens == k["tokens"].get<int64_t>());
    }
    // Extreme aspect ratios leave Hugging Face an empty feature map: nmc refuses them.
    for (const auto& e : set["empty"]) {
      INFO(name << " " << e.dump());
      auto l = anyres_layout(c, e[0].get<int64_t>(), e[1].get<int64_t>());
      REQUIRE(!l.ok());
      CHECK(l.status().code() == StatusCode::kInvalidArgument);
    }
  }
}

TEST_CASE("anyres layout rejects bad sizes and strategies", "[vision][layout]") {
  LlavaOnevisionConfig c = config("0.5b");
  for (auto [h, w] : {std::pair<int64_t, int64_t>{0, 10}, {10, 0}, {-5, 5}, {int64_t{1} << 21, 10}}) {
    auto l = anyres_layout(c, h, w);
    REQUIRE(!l.ok());
    CHECK(l.status().code() == StatusCode::kInvalidArgument);
  }
  c.vision_feature_select_strategy = "default";
  CHECK(anyres_layout(c, 100, 100).status().code() == StatusCode::kUnsupported);
}
