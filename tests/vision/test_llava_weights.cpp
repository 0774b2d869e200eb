// Checkpoint layouts: the tiny fixture's weights (transformers 4.46 names),
// the real 0.5B checkpoint's tensor list, the newer transformers spelling, and
// broken checkpoints.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "nmc/kernels/checkpoint.h"
#include "nmc/vision/llava_onevision_config.h"
#include "nmc/vision/llava_onevision_weights.h"
#include "vlm_test_data.h"

using namespace nmc;
using namespace nmc::vision;
using nmc::test::read_test_json;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm";

std::vector<TensorSpec> real_05b_tensors() {
  const nlohmann::json j = read_test_json(kDir + "/llava_ov_0.5b_tensors.json");
  std::vector<TensorSpec> out;
  for (const auto& t : j["tensors"]) {
    REQUIRE(t["dtype"] == "F16");
    out.push_back({t["name"].get<std::string>(), DType::kF16, t["shape"].get<std::vector<int64_t>>()});
  }
  return out;
}

LlavaOnevisionConfig config_05b() {
  auto c = parse_llava_onevision_config(read_test_json(kDir + "/llava_ov_0.5b_config.json").dump(), "0.5b");
  REQUIRE(c.ok());
  return *c;
}

StatusCode code_of(const LlavaOnevisionConfig& c, const std::vector<TensorSpec>& t) {
  return match_llava_onevision_tensors(c, t).status().code();
}

}  // namespace

TEST_CASE("the tiny fixture's checkpoint matches its config", "[vision][weights]") {
  auto config = load_llava_onevision_config(kDir + "/llava_ov_tiny");
  REQUIRE(config.ok());
  auto ckpt = Checkpoint::open(kDir + "/llava_ov_tiny/model.safetensors");
  REQUIRE(ckpt.ok());
  const auto specs = tensor_specs(*ckpt);
  CHECK(specs.size() == 69);
  auto m = match_llava_onevision_tensors(*config, specs);
  INFO(m.status().to_string());
  REQUIRE(m.ok());
  CHECK(m->size() == llava_onevision_tensors(*config).size());
  CHECK(m->at("language_model.lm_head.weight") == "language_model.lm_head.weight");  // untied here
}

TEST_CASE("the real 0.5B checkpoint layout is accepted, tied or not stored twice", "[vision][weights]") {
  const LlavaOnevisionConfig c = config_05b();
  auto specs = real_05b_tensors();
  CHECK(specs.size() == 717);
  CHECK(llava_onevision_tensors(c).size() == 715);  // without the two post-layernorm tensors
  auto m = match_llava_onevision_tensors(c, specs);
  INFO(m.status().to_string());
  REQUIRE(m.ok());
  // save_pretrained stores a tied lm_head once: without it, lm_head maps to embed_tokens.
  std::erase_if(specs, [](const TensorSpec& t) { return t.name == "language_model.lm_head.weight"; });
  auto tied = match_llava_onevision_tensors(c, specs);
  REQUIRE(tied.ok());
  CHECK(tied->at("language_model.lm_head.weight") == "language_model.model.embed_tokens.weight");
  // The same checkpoint in transformers >= 4.52's spelling.
  std::vector<TensorSpec> renamed = specs;
  for (auto& t : renamed) {
    if (t.name.rfind("language_model.model.", 0) == 0) {
      t.name = "model.language_model." + t.name.substr(21);
    } else if (t.name == "image_newline" || t.name.rfind("vision_tower.", 0) == 0 ||
               t.name.rfind("multi_modal_projector.", 0) == 0) {
      t.name = "model." + t.name;
    }
  }
  auto m5 = match_llava_onevision_tensors(c, renamed);
  INFO(m5.status().to_string());
  REQUIRE(m5.ok());
  CHECK(m5->at("language_model.model.layers.3.mlp.up_proj.weight") == "model.language_model.layers.3.mlp.up_proj.weight");
  CHECK(canonical_llava_tensor_name("lm_head.weight") == "language_model.lm_head.weight");
  CHECK(canonical_llava_tensor_name("model.image_newline") == "image_newline");
}

TEST_CASE("broken checkpoints are refused with the tensor named", "[vision][weights]") {
  const LlavaOnevisionConfig c = config_05b();
  const auto good = real_05b_tensors();
  auto edited = [&](auto&& edit) {
    auto t = good;
    edit(t);
    return t;
  };
  auto message = [&](const std::vector<TensorSpec>& t) {
    return match_llava_onevision_tensors(c, t).status().message();
  };
  const auto missing = edited([](auto& t) { t.erase(t.begin() + 40); });
  CHECK(code_of(c, missing) == StatusCode::kInvalidData);
  CHECK(message(missing).find("missing '" + good[40].name + "'") != std::string::npos);
  const auto reshaped = edited([](auto& t) {
    for (auto& x : t)
      if (x.name == "language_model.model.layers.5.self_attn.k_proj.weight") x.shape = {896, 896};
  });
  CHECK(message(reshaped).find("layers.5.self_attn.k_proj.weight' has shape [896, 896], expected [128, 896]") !=
        std::string::npos);
  CHECK(code_of(c, edited([](auto& t) { t[3].dtype = DType::kI8; })) == StatusCode::kInvalidData);
  CHECK(code_of(c, edited([](auto& t) { t.push_back({"vision_tower.vision_model.head.weight", DType::kF16, {1}}); })) ==
        StatusCode::kInvalidData);
  CHECK(code_of(c, edited([](auto& t) { t.push_back({"model.image_newline", DType::kF16, {896}}); })) ==
        StatusCode::kInvalidData);  // the same tensor under two spellings
  LlavaOnevisionConfig untied = c;
  untied.text.tie_word_embeddings = false;
  const auto no_head = edited([](auto& t) {
    std::erase_if(t, [](const TensorSpec& x) { return x.name == "language_model.lm_head.weight"; });
  });
  CHECK(code_of(c, no_head) == StatusCode::kOk);
  CHECK(code_of(untied, no_head) == StatusCode::kInvalidData);
  // A config with another depth does not fit.
  LlavaOnevisionConfig deeper = c;
  deeper.text.num_hidden_layers = 25;
  CHECK(code_of(deeper, good) == StatusCode::kInvalidData);
}
