// LlavaOnevisionConfig: the tiny fixture's diff-form config.json, the real
// 0.5B layout, Hugging Face defaults, and refused configurations.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "vlm_test_data.h"
#include "nmc/vision/llava_onevision_config.h"

using namespace nmc;
using namespace nmc::vision;
using nmc::test::read_test_json;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm";


StatusCode code_of(const nlohmann::json& j) { return parse_llava_onevision_config(j.dump(), "t").status().code(); }

}  // namespace

TEST_CASE("tiny fixture config resolves to the values transformers used", "[vision][config]") {
  auto c = load_llava_onevision_config(kDir + "/llava_ov_tiny");
  REQUIRE(c.ok());
  // manifest.json:config_resolved of the fixture.
  CHECK(c->vision.hidden_size == 64);
  CHECK(c->vision.intermediate_size == 128);
  CHECK(c->vision.num_hidden_layers == 2);
  CHECK(c->vision.num_attention_heads == 4);
  CHECK(c->vision.image_size == 64);
  CHECK(c->vision.patch_size == 8);
  CHECK(c->vision.grid() == 8);
  CHECK(c->vision.num_channels == 3);          // default
  CHECK(c->vision.layer_norm_eps == 1e-6);     // default
  CHECK(c->text.vocab_size == 512);
  CHECK(c->text.hidden_size == 64);
  CHECK(c->text.intermediate_size == 128);
  CHECK(c->text.num_hidden_layers == 2);
  CHECK(c->text.num_attention_heads == 4);
  CHECK(c->text.num_key_value_heads == 2);
  CHECK(c->text.head_dim() == 16);
  CHECK(c->text.gqa_group() == 2);
  CHECK(c->text.rope_theta == 10000.0);        // default
  CHECK(c->text.rms_norm_eps == 1e-6);         // default
  CHECK(c->text.max_position_embeddings == 32768);
  CHECK(!c->text.tie_word_embeddings);
  CHECK(c->image_token_index == 500);
  CHECK(c->video_token_index == 501);
  CHECK(c->vision_feature_select_strategy == "full");
  CHECK(c->vision_feature_layer == -1);
  CHECK(c->anyres_max_tiles == 9);
  REQUIRE(c->image_grid_pinpoints.size() == 36);
  CHECK(c->image_grid_pinpoints.front() == std::pair<int64_t, int64_t>{64, 64});
  CHECK(c->image_grid_pinpoints[1] == std::pair<int64_t, int64_t>{64, 128});
  CHECK(c->image_grid_pinpoints.back() == std::pair<int64_t, int64_t>{384, 384});
}

TEST_CASE("the real 0.5B configuration is accepted", "[vision][config]") {
  auto c = parse_llava_onevision_config(read_test_json(kDir + "/llava_ov_0.5b_config.json").dump(), "0.5b");
  INFO(c.status().to_string());
  REQUIRE(c.ok());
  CHECK(c->vision.hidden_size == 1152);
  CHECK(c->vision.num_hidden_layers == 26);
  CHECK(c->vision.num_attention_heads == 16);
  CHECK(c->vision.head_dim() == 72);
  CHECK(c->vision.grid() == 27);
  CHECK(c->text.vocab_size == 152000);
  CHECK(c->text.hidden_size == 896);
  CHECK(c->text.num_hidden_layers == 24);
  CHECK(c->text.num_attention_heads == 14);
  CHECK(c->text.num_key_value_heads == 2);
  CHECK(c->text.head_dim() == 64);
  CHECK(c->text.gqa_group() == 7);
  CHECK(c->text.rope_theta == 1e6);
  CHECK(c->text.tie_word_embeddings);
  CHECK(c->image_token_index == 151646);
  CHECK(c->video_token_index == 151647);
  REQUIRE(c->image_grid_pinpoints.size() == 36);
  CHECK(c->image_grid_pinpoints.back() == std::pair<int64_t, int64_t>{2304, 2304});
}

TEST_CASE("absent sub-configs and fields take Hugging Face's defaults", "[vision][config]") {
  auto c = parse_llava_onevision_config(R"({"model_type": "llava_onevision"})", "bare");
  REQUIRE(c.ok());
  // LlavaOnevisionConfig's own default tower and Qwen2Config's defaults.
  CHECK(c->vision.hidden_size == 1152);
  CHECK(c->vision.image_size == 384);
  CHECK(c->vision.patch_size == 14);
  CHECK(c->vision.num_attention_heads == 16);
  CHECK(c->text.vocab_size == 151936);
  CHECK(c->text.hidden_size == 4096);
  CHECK(c->text.num_key_value_heads == 32);
  CHECK(c->image_grid_pinpoints.size() == 36);
  // A given vision_config starts from SiglipVisionConfig's defaults; absent KV heads equal the query heads;
  // transformers 5 spells rope_theta inside rope_parameters.
  auto d = parse_llava_onevision_config(R"({"architectures": ["LlavaOnevisionForConditionalGeneration"],
      "vision_config": {"image_size": 224}, "text_config": {"num_attention_heads": 8, "hidden_size": 512,
      "rope_parameters": {"rope_theta": 500000.0, "rope_type": "default"}},
      "image_grid_pinpoints": [[224, 448]]})", "v5");
  REQUIRE(d.ok());
  CHECK(d->vision.hidden_size == 768);
  CHECK(d->vision.patch_size == 16);
  CHECK(d->text.num_key_value_heads == 8);
  CHECK(d->text.rope_theta == 500000.0);
}

TEST_CASE("configurations the runtime does not implement are refused", "[vision][config]") {
  const nlohmann::json tiny = read_test_json(kDir + "/llava_ov_tiny/config.json");
  auto with = [&](auto&& edit) {
    nlohmann::json j = tiny;
    edit(j);
    return j;
  };
  CHECK(code_of(tiny) == StatusCode::kOk);
  CHECK(parse_llava_onevision_config("{", "t").status().code() == StatusCode::kInvalidData);
  CHECK(code_of(nlohmann::json::array()) == StatusCode::kInvalidData);
  CHECK(code_of({{"model_type", "llava"}}) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["text_config"]["use_sliding_window"] = true; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["text_config"]["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4}}; })) ==
        StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["text_config"]["hidden_act"] = "gelu"; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["text_config"]["model_type"] = "llama"; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["vision_config"]["vision_use_head"] = true; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["vision_feature_select_strategy"] = "cls"; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["vision_aspect_ratio"] = "square"; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["image_grid_pinpoints"] = {{64, 100}}; })) == StatusCode::kUnsupported);
  CHECK(code_of(with([](auto& j) { j["image_grid_pinpoints"] = {{64}}; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["text_config"]["num_key_value_heads"] = 3; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["text_config"]["hidden_size"] = 66; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["text_config"]["vocab_size"] = -1; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["text_config"]["vocab_size"] = "512"; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["vision_config"]["patch_size"] = 65; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["vision_feature_layer"] = -4; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["image_token_index"] = 512; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["video_token_index"] = 500; })) == StatusCode::kInvalidData);
  CHECK(code_of(with([](auto& j) { j["text_config"]["rms_norm_eps"] = 0; })) == StatusCode::kInvalidData);
  CHECK(load_llava_onevision_config(kDir + "/no_such_model").status().code() == StatusCode::kNotFound);
}

TEST_CASE("preprocessor_config.json is checked against what the runtime implements", "[vision][config]") {
  const std::string dir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";
  auto config = load_llava_onevision_config(dir);  // the folder holds the fixture's preprocessor_config.json
  REQUIRE(config.ok());
  const nlohmann::json good = test::read_test_json(dir + "/preprocessor_config.json");
  CHECK(check_preprocessor_config(good, *config, "p").ok());
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json p = good;
    p[key] = std::move(value);
    return check_preprocessor_config(p, *config, "p");
  };
  CHECK(with("image_mean", {0.48, 0.45, 0.40}).code() == StatusCode::kUnsupported);
  CHECK(with("image_std", {0.5, 0.5}).code() == StatusCode::kUnsupported);
  CHECK(with("resample", 2).code() == StatusCode::kUnsupported);
  CHECK(with("do_normalize", false).code() == StatusCode::kUnsupported);
  CHECK(with("rescale_factor", 1.0 / 127.5).code() == StatusCode::kUnsupported);
  CHECK(with("size", {{"height", 384}, {"width", 384}}).code() == StatusCode::kUnsupported);
  CHECK(with("image_grid_pinpoints", {{64, 64}}).code() == StatusCode::kInvalidData);
  CHECK(with("image_grid_pinpoints", "x").code() == StatusCode::kInvalidData);
  const auto msg = with("image_mean", {0.48, 0.45, 0.40}).message();
  CHECK_THAT(msg, Catch::Contains("image_mean"));
}
