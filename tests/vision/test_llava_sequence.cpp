// Input sequences against the tiny golden fixture: text only, one image (634
// feature tokens), one 8-frame video (129).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "nmc/kernels/safetensors.h"
#include "nmc/vision/llava_onevision_config.h"
#include "nmc/vision/llava_onevision_layout.h"
#include "nmc/vision/llava_onevision_sequence.h"

using namespace nmc;
using namespace nmc::vision;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";

std::vector<int64_t> ints(const SafetensorsFile& f, const std::string& name) {
  auto t = f.tensor(name);
  REQUIRE(t.ok());
  return std::vector<int64_t>(t->data<int64_t>(), t->data<int64_t>() + t->numel());
}

// The fixture's ids with each run of one placeholder collapsed to a single one.
std::vector<int32_t> collapsed(const std::vector<int64_t>& ids, const LlavaOnevisionConfig& c) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool media = ids[i] == c.image_token_index || ids[i] == c.video_token_index;
    if (media && i > 0 && ids[i - 1] == ids[i]) continue;
    out.push_back(static_cast<int32_t>(ids[i]));
  }
  return out;
}

}  // namespace

TEST_CASE("placeholders expand to the processor's input ids and positions", "[vision][sequence]") {
  auto file = SafetensorsFile::open(kDir + "/sequence.safetensors");
  REQUIRE(file.ok());
  auto config = load_llava_onevision_config(kDir);
  REQUIRE(config.ok());
  auto image = anyres_layout(*config, 166, 416);
  REQUIRE(image.ok());
  struct Case {
    const char* prefix;
    std::vector<int64_t> images, videos;
  };
  for (const Case& k : {Case{"a", {}, {}}, Case{"b", {image->tokens}, {}}, Case{"c", {}, {video_tokens(*config, 8)}}}) {
    INFO("case " << k.prefix);
    const auto want_ids = ints(*file, std::string(k.prefix) + ".input_ids");
    const auto want_pos = ints(*file, std::string(k.prefix) + ".position_ids");
    const auto text = collapsed(want_ids, *config);
    auto s = expand_media_placeholders(*config, text, k.images, k.videos, 1 << 20);
    REQUIRE(s.ok());
    REQUIRE(s->ids.size() == want_ids.size());
    CHECK(std::vector<int64_t>(s->ids.begin(), s->ids.end()) == want_ids);
    REQUIRE(s->positions.size() == want_pos.size());
    for (size_t i = 0; i < want_pos.size(); ++i) CHECK(s->positions[i] == static_cast<float>(want_pos[i]));
    REQUIRE(s->media.size() == k.images.size() + k.videos.size());
    for (const MediaSpan& m : s->media) {
      const int64_t id = m.video ? config->video_token_index : config->image_token_index;
      CHECK(m.count == (m.video ? k.videos[0] : k.images[0]));
      CHECK(want_ids[static_cast<size_t>(m.begin)] == id);
      CHECK(want_ids[static_cast<size_t>(m.begin - 1)] != id);
      CHECK(want_ids[static_cast<size_t>(m.begin + m.count - 1)] == id);
      CHECK(want_ids[static_cast<size_t>(m.begin + m.count)] != id);
    }
  }
}

TEST_CASE("placeholder and media counts must agree", "[vision][sequence]") {
  auto config = load_llava_onevision_config(kDir);
  REQUIRE(config.ok());
  const std::vector<int32_t> ids = {1, 500, 2, 501, 3, 500};
  REQUIRE(expand_media_placeholders(*config, ids, std::vector<int64_t>{4, 5}, std::vector<int64_t>{6}, 100).ok());
  CHECK(expand_media_placeholders(*config, ids, std::vector<int64_t>{4}, std::vector<int64_t>{6}, 100)
            .status().code() == StatusCode::kInvalidArgument);
  CHECK(expand_media_placeholders(*config, ids, std::vector<int64_t>{4, 5, 6}, std::vector<int64_t>{6}, 100)
            .status().code() == StatusCode::kInvalidArgument);
  CHECK(expand_media_placeholders(*config, ids, std::vector<int64_t>{4, 5}, std::vector<int64_t>{}, 100)
            .status().code() == StatusCode::kInvalidArgument);
  CHECK(expand_media_placeholders(*config, ids, std::vector<int64_t>{4, 0}, std::vector<int64_t>{6}, 100)
            .status().code() == StatusCode::kInvalidArgument);
  CHECK(expand_media_placeholders(*config, ids, std::vector<int64_t>{4, 5}, std::vector<int64_t>{6}, 17)
            .status().code() == StatusCode::kInvalidArgument);  // 18 tokens
  const std::vector<int32_t> bad = {1, 512};
  CHECK(expand_media_placeholders(*config, bad, {}, {}, 100).status().code() == StatusCode::kInvalidArgument);
  auto s = expand_media_placeholders(*config, ids, std::vector<int64_t>{4, 5}, std::vector<int64_t>{6}, 18);
  REQUIRE(s.ok());
  CHECK(s->ids.size() == 18);
  REQUIRE(s->media.size() == 3);
  CHECK(s->media[0].begin == 1);
  CHECK(s->media[1].begin == 6);
  CHECK(s->media[1].video);
  CHECK(s->media[2].begin == 13);
}
