// The LLaVA-OneVision runtime against the tiny golden fixture
// (tests/data/vlm/llava_ov_tiny/stack.safetensors, transformers 4.46.1):
// vision tower + projector, merged embeddings, every decoder layer, final norm,
// logits, layer 0's KV cache and 8 greedy tokens with their logits, for a text,
// an image and a video prompt. Tolerances are the fixture manifest's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/thread_pool.h"
#include "nmc/vision/llava_onevision_features.h"
#include "nmc/vision/llava_onevision_layout.h"
#include "nmc/vision/llava_onevision_model.h"

using namespace nmc;
using namespace nmc::vision;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";

struct Files {
  SafetensorsFile stack, pixels, features, sequence;
  static Files open() {
    Files f;
    for (auto [file, name] : {std::pair{&f.stack, "stack"}, std::pair{&f.pixels, "pixels"},
                              std::pair{&f.features, "features"}, std::pair{&f.sequence, "sequence"}}) {
      auto r = SafetensorsFile::open(kDir + "/" + name + ".safetensors");
      REQUIRE(r.ok());
      *file = std::move(r).value();
    }
    return f;
  }
  Tensor get(const std::string& name) const {
    for (const auto* f : {&stack, &pixels, &features, &sequence}) {
      if (f->find(name)) {
        auto t = f->tensor(name);
        REQUIRE(t.ok());
        return std::move(t).value();
      }
    }
    FAIL("no fixture tensor " << name);
    return {};
  }
};

// Largest |got - want| / (atol + rtol |want|) over n floats (<= 1 passes).
double ratio(const float* got, const float* want, int64_t n, double atol, double rtol = 1e-4) {
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    worst = std::max(worst, std::abs(double(got[i]) - want[i]) / (atol + rtol * std::abs(double(want[i]))));
  return worst;
}
double ratio(const Tensor& got, const Tensor& want, double atol) {
  REQUIRE(got.numel() == want.numel());
  return ratio(got.data<float>(), want.data<float>(), want.numel(), atol);
}

std::vector<int32_t> ids_of(const Tensor& t) {
  std::vector<int32_t> ids(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(t.data<int64_t>()[i]);
  return ids;
}

std::shared_ptr<const LlavaOnevisionModel> tiny_model() {
  auto m = LlavaOnevisionModel::load(kDir);
  REQUIRE(m.ok());
  return std::move(m).value();
}

// Stage tolerances (manifest.json of the fixture).
struct Tolerances {
  double embeds, layers, norm, logits;
};

// Runs the decoder on `embeds` [S, hidden] through a KV cache with the given
// page size, checking the listed rows of every stage against the fixture
// (prefix p, rows `rows` or all when empty), then 8 greedy steps.
void check_decoder(const Exec& exec, const LlavaOnevisionModel& model, const Files& f, const std::string& p,
                   Tensor embeds, const std::vector<int64_t>& rows, const Tolerances& tol, int64_t page) {
  const int64_t s = embeds.dim(0), c = model.config().text.hidden_size, vocab = model.config().text.vocab_size;
  const std::string sel = rows.empty() ? "" : "_sel";
  auto pick = [&](const Tensor& t) {  // the checked rows of t [S, X]
    if (rows.empty()) return t;
    auto out = Tensor::zeros({static_cast<int64_t>(rows.size()), t.dim(1)}, DType::kF32).value();
    for (size_t i = 0; i < rows.size(); ++i)
      std::memcpy(out.data<float>() + i * t.dim(1), t.data<float>() + rows[i] * t.dim(1), t.dim(1) * sizeof(float));
    return out;
  };
  CHECK(ratio(pick(embeds), f.get(p + ".inputs_embeds" + sel), tol.embeds) <= 1.0);

  auto cache = model.new_kv_cache(s + 16, page);
  REQUIRE(cache.ok());
  std::vector<float> pos(static_cast<size_t>(s));
  for (int64_t i = 0; i < s; ++i) pos[i] = static_cast<float>(i);
  const Tensor positions = Tensor::wrap(pos.data(), {s}, DType::kF32);
  Tensor x = embeds.reshape({1, s, c}).value();
  REQUIRE(cache->reserve(s).ok());
  const Tensor want_layers = f.get(p + ".text_layer_outputs" + sel);
  const int layers = model.text().config().layers;
  for (int l = 0; l < layers; ++l) {
    INFO("layer " << l);
    REQUIRE(model.text().forward(exec, x, &positions, &*cache, l, l + 1).ok());
    const Tensor got = pick(x.reshape({s, c}).value());
    CHECK(ratio(got.data<float>(), want_layers.data<float>() + l * got.numel(), got.numel(), tol.layers) <= 1.0);
  }
  REQUIRE(cache->commit(s).ok());
  CHECK(cache->tokens() == s);
  CHECK(cache->bytes() == static_cast<uint64_t>((s + page - 1) / page * page) * cache->bytes_per_token());
  Tensor normed = Tensor::zeros({s, c}, DType::kF32).value();
  REQUIRE(model.final_norm(exec, x.reshape({s, c}).value(), normed).ok());
  CHECK(ratio(pick(normed), f.get(p + ".text_final_norm" + sel), tol.norm) <= 1.0);
  Tensor logits = Tensor::zeros({s, vocab}, DType::kF32).value();
  REQUIRE(model.logits(exec, normed, logits).ok());
  CHECK(ratio(pick(logits), f.get(p + ".logits" + sel), tol.logits) <= 1.0);

  if (p == "a") {  // layer 0's cache: keys after RoPE, [kv heads, S, head dim] in the fixture
    auto parts = cache->parts(0, 0);
    REQUIRE(parts.ok());
    const Tensor wk = f.get("a.kv_layer0_key"), wv = f.get("a.kv_layer0_value");
    const int64_t hkv = wk.dim(0), d = wk.dim(2);
    double worst_k = 0, worst_v = 0;
    for (const auto& part : *parts)
      for (int64_t t = 0; t < part.k.dim(1); ++t)
        for (int64_t h = 0; h < hkv; ++h) {
          const int64_t at = (h * s + part.first + t) * d;
          const float* gk = part.k.data<float>() + t * part.k.stride(1) + h * part.k.stride(2);
          const float* gv = part.v.data<float>() + t * part.v.stride(1) + h * part.v.stride(2);
          worst_k = std::max(worst_k, ratio(gk, wk.data<float>() + at, d, 3e-5));
          worst_v = std::max(worst_v, ratio(gv, wv.data<float>() + at, d, 2e-5));
        }
    CHECK(worst_k <= 1.0);
    CHECK(worst_v <= 1.0);
  }

  // Greedy decoding: step k's logits choose token k, fed back at position S + k.
  const Tensor want_tokens = f.get(p + ".gen_tokens"), want_logits = f.get(p + ".gen_logits");
  Tensor last = Tensor::zeros({1, vocab}, DType::kF32).value();
  std::memcpy(last.data<float>(), logits.data<float>() + (s - 1) * vocab, vocab * sizeof(float));
  for (int64_t k = 0; k < want_tokens.numel(); ++k) {
    INFO("step " << k);
    CHECK(ratio(last.data<float>(), want_logits.data<float>() + k * vocab, vocab, tol.logits) <= 1.0);
    const float* l = last.data<float>();
    const int32_t token = static_cast<int32_t>(std::max_element(l, l + vocab) - l);
    REQUIRE(token == want_tokens.data<int64_t>()[k]);
    auto e = model.embed(exec, std::span<const int32_t>(&token, 1));
    REQUIRE(e.ok());
    Tensor xs = e->reshape({1, 1, c}).value();
    float at = static_cast<float>(s + k);
    const Tensor one = Tensor::wrap(&at, {1}, DType::kF32);
    REQUIRE(cache->reserve(1).ok());
    REQUIRE(model.text().forward(exec, xs, &one, &*cache).ok());
    REQUIRE(cache->commit(1).ok());
    Tensor n1 = Tensor::zeros({1, c}, DType::kF32).value();
    REQUIRE(model.final_norm(exec, xs.reshape({1, c}).value(), n1).ok());
    REQUIRE(model.logits(exec, n1, last).ok());
  }
}

// Embeddings of `ids` with the placeholder rows (id `placeholder`) replaced by `features` rows in order.
Tensor merged_embeddings(const Exec& exec, const LlavaOnevisionModel& model, const std::vector<int32_t>& ids,
                         int32_t placeholder, const Tensor& features) {
  auto e = model.embed(exec, ids);
  REQUIRE(e.ok());
  const int64_t c = e->dim(1);
  int64_t next = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != placeholder) continue;
    REQUIRE(next < features.dim(0));
    std::memcpy(e->data<float>() + i * c, features.data<float>() + next * c, c * sizeof(float));
    ++next;
  }
  REQUIRE(next == features.dim(0));
  return std::move(e).value();
}

}  // namespace

TEST_CASE("the vision tower and projector match the reference", "[vision][model][parity]") {
  const Files f = Files::open();
  auto model = tiny_model();
  ThreadPool pool(2);
  const int64_t t = model->tile_tokens();
  for (const Backend* be : {&cpu_backend(), &reference_backend()}) {
    INFO("backend " << be->name());
    const Exec exec{be, &pool};
    // Image tiles 0, 1, 6, 18 of the one-image prompt.
    Tensor emb, selected;
    auto proj = model->encode_tiles(exec, f.get("b.pixel_values_sel"), &emb, &selected);
    REQUIRE(proj.ok());
    CHECK(ratio(emb, f.get("b.vision_embeddings_sel"), 6e-5) <= 1.0);
    CHECK(ratio(selected, f.get("b.vision_selected_sel"), 3e-4) <= 1.0);
    const Tensor idx = f.get("b.pixel_values_idx"), all = f.get("b.projector_out");
    const int64_t row = t * all.dim(2);
    for (int64_t i = 0; i < idx.numel(); ++i)
      CHECK(ratio(proj->data<float>() + i * row, all.data<float>() + idx.data<int64_t>()[i] * row, row, 4e-4) <= 1.0);
    // Video frames 0 and 5.
    auto vproj = model->encode_tiles(exec, f.get("c.pixel_values_videos_sel"), &emb, &selected);
    REQUIRE(vproj.ok());
    CHECK(ratio(emb, f.get("c.vision_embeddings_sel"), 4e-5) <= 1.0);
    CHECK(ratio(selected, f.get("c.vision_selected_sel"), 2e-4) <= 1.0);
    CHECK(ratio(*vproj, f.get("c.projector_out_sel"), 4e-4) <= 1.0);
  }
}

TEST_CASE("the decoder matches the reference on text, image and video prompts", "[vision][model][parity]") {
  const Files f = Files::open();
  auto model = tiny_model();
  const auto& cfg = model->config();
  ThreadPool pool(2);
  for (const Backend* be : {&cpu_backend(), &reference_backend()}) {
    for (int64_t page : {int64_t{8}, int64_t{256}}) {
      INFO("backend " << be->name() << ", KV page " << page);
      const Exec exec{be, &pool};
      {
        INFO("text prompt");
        auto e = model->embed(exec, ids_of(f.get("a.input_ids")));
        REQUIRE(e.ok());
        check_decoder(exec, *model, f, "a", std::move(e).value(), {}, {1e-6, 3e-4, 4e-5, 7e-5}, page);
      }
      {
        INFO("image prompt");
        auto layout = anyres_layout(cfg, 166, 416);
        REQUIRE(layout.ok());
        auto feats = pack_image_features(exec, *layout, cfg.vision.grid(), f.get("b.projector_out"),
                                         model->image_newline());
        REQUIRE(feats.ok());
        const auto ids = ids_of(f.get("b.input_ids"));
        Tensor e = merged_embeddings(exec, *model, ids, static_cast<int32_t>(cfg.image_token_index), *feats);
        const Tensor rows = f.get("b.rows");
        check_decoder(exec, *model, f, "b", e, {rows.data<int64_t>(), rows.data<int64_t>() + rows.numel()},
                      {6e-4, 7e-4, 7e-5, 2e-4}, page);
      }
      {
        INFO("video prompt");
        auto feats = pack_video_features(exec, cfg.vision.grid(), f.get("c.projector_out"), model->image_newline());
        REQUIRE(feats.ok());
        const auto ids = ids_of(f.get("c.input_ids"));
        Tensor e = merged_embeddings(exec, *model, ids, static_cast<int32_t>(cfg.video_token_index), *feats);
        const Tensor rows = f.get("c.rows");
        check_decoder(exec, *model, f, "c", e, {rows.data<int64_t>(), rows.data<int64_t>() + rows.numel()},
                      {2e-4, 4e-4, 4e-5, 7e-5}, page);
      }
    }
  }
}

TEST_CASE("f16 and sharded checkpoints load; precision conversions keep the greedy tokens", "[vision][model]") {
  // The tiny fixture's weights rewritten as f16 in two shards with an index, as Hugging Face shards them.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "nmc_llava_f16_sharded";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kDir + "/config.json", dir / "config.json");
  auto src = SafetensorsFile::open(kDir + "/model.safetensors");
  REQUIRE(src.ok());
  NamedTensors shard[2];
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  size_t i = 0;
  for (const auto& info : src->tensors()) {
    const Tensor t = src->tensor(info.name).value();
    Tensor h = Tensor::zeros(t.shape(), DType::kF16).value();
    CopyArgs c;
    c.src = &t;
    c.dst = &h;
    REQUIRE(ops::copy(Exec{}, c).ok());
    const int s = static_cast<int>(i++ % 2);
    shard[s].emplace_back(info.name, h);
    index["weight_map"][info.name] = "model-0000" + std::to_string(s + 1) + "-of-00002.safetensors";
  }
  for (int s = 0; s < 2; ++s)
    REQUIRE(write_safetensors((dir / ("model-0000" + std::to_string(s + 1) + "-of-00002.safetensors")).string(),
                              shard[s])
                .ok());
  std::ofstream(dir / "model.safetensors.index.json") << index.dump();

  const Files f = Files::open();
  const auto ids = ids_of(f.get("a.input_ids"));
  const Tensor want_logits = f.get("a.logits");
  const int64_t s = static_cast<int64_t>(ids.size()), vocab = 512, c = 64;
  for (auto precision : {WeightPrecision::kAuto, WeightPrecision::kF32, WeightPrecision::kBF16}) {
    INFO("precision " << static_cast<int>(precision));
    auto m = LlavaOnevisionModel::load(dir.string(), precision);
    REQUIRE(m.ok());
    const Exec exec{&cpu_backend(), nullptr};
    auto e = (*m)->embed(exec, ids);
    REQUIRE(e.ok());
    auto cache = (*m)->new_kv_cache(64);
    REQUIRE(cache.ok());
    std::vector<float> pos(static_cast<size_t>(s));
    for (int64_t k = 0; k < s; ++k) pos[static_cast<size_t>(k)] = static_cast<float>(k);
    const Tensor positions = Tensor::wrap(pos.data(), {s}, DType::kF32);
    Tensor x = e->reshape({1, s, c}).value();
    REQUIRE(cache->reserve(s).ok());
    REQUIRE((*m)->text().forward(exec, x, &positions, &*cache).ok());
    Tensor normed = Tensor::zeros({s, c}, DType::kF32).value(), logits = Tensor::zeros({s, vocab}, DType::kF32).value();
    REQUIRE((*m)->final_norm(exec, x.reshape({s, c}).value(), normed).ok());
    REQUIRE((*m)->logits(exec, normed, logits).ok());
    // f16 weights move these logits (|value| <= 6) by up to ~1e-2; bf16 activations by a few 1e-2.
    double worst = 0;
    for (int64_t k = 0; k < logits.numel(); ++k)
      worst = std::max(worst, std::abs(double(logits.data<float>()[k]) - want_logits.data<float>()[k]));
    CHECK(worst < (precision == WeightPrecision::kBF16 ? 0.15 : 0.03));
    CHECK(worst > 0);  // the f16 rounding is really there
    // The next token is still the reference's.
    const float* last = logits.data<float>() + (s - 1) * vocab;
    CHECK(std::max_element(last, last + vocab) - last == f.get("a.gen_tokens").data<int64_t>()[0]);
    // Vision tower and projector (kBF16: bf16 matmuls and bf16 attention) against the fixture's projector
    // outputs (|value| <= 47): f16 weights move them by ~0.02, bf16 compute by ~0.3.
    auto proj = (*m)->encode_tiles(exec, f.get("b.pixel_values_sel"));
    REQUIRE(proj.ok());
    const Tensor idx = f.get("b.pixel_values_idx"), all = f.get("b.projector_out");
    const int64_t row = (*m)->tile_tokens() * all.dim(2);
    double vworst = 0;
    for (int64_t t = 0; t < idx.numel(); ++t)
      for (int64_t k = 0; k < row; ++k)
        vworst = std::max(vworst, std::abs(double(proj->data<float>()[t * row + k]) -
                                           all.data<float>()[idx.data<int64_t>()[t] * row + k]));
    INFO("projector max error " << vworst);
    CHECK(vworst < (precision == WeightPrecision::kBF16 ? 0.6 : 0.06));
  }
  fs::remove_all(dir);
}
