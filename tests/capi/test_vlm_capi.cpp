// The VLM C ABI (nmc/vlm.h) against the shared library: a tiny random
// LLaVA-OneVision folder with a real tokenizer and bf16 weights
// (tests/data/vlm/llava_ov_tok, made with transformers by
// tools/fixtures/make_llava_tok_model.py) answers the reference's greedy tokens
// for a chat prompt with samples/media/photo.png; video frames and video files;
// statistics; bad folders, bad input and context overflow.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nmc/media.h"
#include "nmc/nmc.h"
#include "nmc/vlm.h"

namespace fs = std::filesystem;

namespace {

const std::string kData = NMC_TEST_DATA;
const std::string kTok = kData + "/vlm/llava_ov_tok";
const std::string kTiny = kData + "/vlm/llava_ov_tiny";
const std::string kMedia = NMC_SAMPLE_MEDIA;

struct Ctx {
  nmc_context* ctx = nullptr;
  Ctx() {
    nmc_context_settings s;
    nmc_context_default_settings(&s);
    s.num_threads = 2;
    REQUIRE(nmc_context_create(&s, &ctx) == NMC_OK);
  }
  ~Ctx() { nmc_context_free(ctx); }
  std::string error() const { return nmc_context_last_error(ctx); }
};

struct Model {
  nmc_vlm_model* m = nullptr;
  Model(const Ctx& c, const std::string& dir, nmc_vlm_precision precision = NMC_VLM_PRECISION_F32) {
    nmc_vlm_model_settings s;
    nmc_vlm_model_default_settings(&s);
    s.precision = precision;
    const nmc_status st = nmc_vlm_model_open(c.ctx, dir.c_str(), &s, &m);
    INFO(c.error());
    REQUIRE(st == NMC_OK);
  }
  ~Model() { nmc_vlm_model_free(m); }
};

struct Session {
  nmc_vlm_session* s = nullptr;
  Session(const Ctx& c, const Model& m, int64_t max_context = 4096) {
    nmc_vlm_session_settings ss;
    nmc_vlm_session_default_settings(&ss);
    ss.max_context = max_context;
    REQUIRE(nmc_vlm_session_create(c.ctx, m.m, &ss, &s) == NMC_OK);
  }
  ~Session() { nmc_vlm_session_free(s); }
};

struct Image {
  nmc_image* img = nullptr;
  Image(const Ctx& c, const std::string& path, int channels = 3) {
    REQUIRE(nmc_image_read(c.ctx, path.c_str(), channels, &img) == NMC_OK);
  }
  ~Image() { nmc_image_free(img); }
};

nlohmann::json reference() {
  std::ifstream f(kTok + "/reference.json");
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}

struct Collected {
  std::vector<int32_t> ids;
  std::string text;
  int stop_after = -1;
};

int32_t collect(void* user, int32_t token, const char* text, size_t size) {
  auto* c = static_cast<Collected*>(user);
  c->ids.push_back(token);
  c->text.append(text, size);
  return c->stop_after > 0 && static_cast<int>(c->ids.size()) >= c->stop_after ? 1 : 0;
}

nmc_vlm_stats stats_of(const Session& s) {
  nmc_vlm_stats st;
  st.struct_size = sizeof st;
  REQUIRE(nmc_vlm_session_get_stats(s.s, &st) == NMC_OK);
  return st;
}

}  // namespace

TEST_CASE("C ABI: a chat prompt with an image gives the reference's greedy answer", "[capi][vlm]") {
  const auto ref = reference();
  Ctx c;
  Model m(c, kTok);
  nmc_vlm_model_info info;
  info.struct_size = sizeof info;
  REQUIRE(nmc_vlm_model_get_info(m.m, &info) == NMC_OK);
  CHECK(info.vocab_size == 1205);
  CHECK(info.has_tokenizer == 1);
  CHECK(info.eos_token == ref["eos_token"].get<int>());
  CHECK(info.tile_size == 64);
  CHECK(info.tile_tokens == 64);
  CHECK(info.num_layers == 2);
  CHECK(info.vision_layers == 2);
  CHECK(info.weight_bytes > 0);

  Session s(c, m);
  Image photo(c, kMedia + "/" + ref["image"].get<std::string>());
  REQUIRE(nmc_vlm_append_text(s.s, ref["prompt_pre"].get<std::string>().c_str()) == NMC_OK);
  REQUIRE(nmc_vlm_append_image(s.s, photo.img) == NMC_OK);
  REQUIRE(nmc_vlm_append_text(s.s, ref["prompt_post"].get<std::string>().c_str()) == NMC_OK);
  nmc_vlm_stats st = stats_of(s);
  CHECK(st.pending_tokens == ref["sequence_length"].get<int64_t>());
  CHECK(st.vision_tokens == ref["image_tokens"].get<int64_t>());

  REQUIRE(nmc_vlm_prefill(s.s) == NMC_OK);
  const float* logits = nullptr;
  int32_t vocab = 0;
  REQUIRE(nmc_vlm_last_logits(s.s, &logits, &vocab) == NMC_OK);
  REQUIRE(vocab == 1205);
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  for (int32_t i = 0; i < vocab; ++i) order[static_cast<size_t>(i)] = i;
  std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                    [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  CHECK(std::vector<int32_t>(order.begin(), order.begin() + 5) == ref["first_logits_top5"].get<std::vector<int32_t>>());

  nmc_vlm_generate_settings g;
  nmc_vlm_generate_default_settings(&g);
  g.max_new_tokens = 16;
  Collected got;
  int32_t n = 0;
  REQUIRE(nmc_vlm_generate(s.s, &g, collect, &got, &n) == NMC_OK);
  CHECK(got.ids == ref["generated_ids"].get<std::vector<int32_t>>());
  CHECK(n == static_cast<int32_t>(got.ids.size()));
  CHECK_FALSE(got.text.empty());
  st = stats_of(s);
  CHECK(st.context_tokens == ref["sequence_length"].get<int64_t>() + n - 1);
  CHECK(st.decode_tokens == n - 1);
  CHECK(st.kv_bytes >= static_cast<uint64_t>(st.context_tokens) * 2 * 2 * 2 * 16 * 4);
  CHECK(st.prefill_ms > 0);
  CHECK(st.vision_ms > 0);

  // The callback can stop generation; the session continues the conversation afterwards.
  REQUIRE(nmc_vlm_session_reset(s.s) == NMC_OK);
  CHECK(stats_of(s).context_tokens == 0);
  REQUIRE(nmc_vlm_append_text(s.s, "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n") == NMC_OK);
  Collected two;
  two.stop_after = 2;
  REQUIRE(nmc_vlm_generate(s.s, &g, collect, &two, &n) == NMC_OK);
  CHECK(n == 2);
  REQUIRE(nmc_vlm_append_text(s.s, "<|im_end|>\n") == NMC_OK);
  CHECK(stats_of(s).pending_tokens == 1 + 2);  // the last generated token joins the next input
}

TEST_CASE("C ABI: video frames and video files", "[capi][vlm]") {
  Ctx c;
  Model m(c, kTok);
  const std::string video = kMedia + "/video.mp4";  // 30 frames, 384x288, 10 fps
  // The frames at linspace(0, 29, 8) indices, read with the video reader.
  std::vector<nmc_image*> all;
  nmc_video_reader* r = nullptr;
  REQUIRE(nmc_video_reader_open(c.ctx, video.c_str(), nullptr, &r) == NMC_OK);
  for (;;) {
    nmc_image* f = nullptr;
    double pts = 0;
    const nmc_status st = nmc_video_reader_read(r, &f, &pts);
    if (st == NMC_EOF) break;
    REQUIRE(st == NMC_OK);
    all.push_back(f);
  }
  nmc_video_reader_free(r);
  REQUIRE(all.size() == 30);
  std::vector<const nmc_image*> picked;
  for (int i = 0; i < 8; ++i) picked.push_back(all[static_cast<size_t>(29 * i / 7)]);

  auto logits_after = [&](auto&& append) {
    Session s(c, m);
    REQUIRE(nmc_vlm_append_text(s.s, "<|im_start|>user\n") == NMC_OK);
    REQUIRE(append(s) == NMC_OK);
    REQUIRE(nmc_vlm_append_text(s.s, "\nWhat happens?<|im_end|>\n<|im_start|>assistant\n") == NMC_OK);
    const int64_t vision = stats_of(s).vision_tokens;
    REQUIRE(nmc_vlm_prefill(s.s) == NMC_OK);
    const float* l = nullptr;
    int32_t v = 0;
    REQUIRE(nmc_vlm_last_logits(s.s, &l, &v) == NMC_OK);
    return std::make_pair(vision, std::vector<float>(l, l + v));
  };
  const auto frames = logits_after([&](Session& s) { return nmc_vlm_append_video_frames(s.s, picked.data(), 8); });
  const auto file = logits_after([&](Session& s) { return nmc_vlm_append_video_file(s.s, video.c_str(), 8, 0.0); });
  CHECK(frames.first == 8 * 16 + 1);
  CHECK(file.first == frames.first);
  CHECK(file.second == frames.second);  // the same frames, the same numbers
  const auto by_fps = logits_after([&](Session& s) { return nmc_vlm_append_video_file(s.s, video.c_str(), 0, 2.0); });
  CHECK(by_fps.first == 6 * 16 + 1);  // targets 0, 0.5, ..., 2.5 s
  for (auto* f : all) nmc_image_free(f);

  Session s(c, m);
  CHECK(nmc_vlm_append_video_file(s.s, (kMedia + "/missing.mp4").c_str(), 8, 0.0) != NMC_OK);
  CHECK_FALSE(c.error().empty());
  CHECK(nmc_vlm_append_video_file(s.s, video.c_str(), 0, 0.0) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_vlm_append_video_file(s.s, video.c_str(), 5000, 0.0) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_vlm_append_video_frames(s.s, nullptr, 3) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(stats_of(s).pending_tokens == 0);
}

TEST_CASE("C ABI: bad folders, bad input and context overflow", "[capi][vlm]") {
  Ctx c;
  nmc_vlm_model* m = nullptr;
  CHECK(nmc_vlm_model_open(c.ctx, (kData + "/no_such_model").c_str(), nullptr, &m) == NMC_ERR_NOT_FOUND);
  CHECK(m == nullptr);
  CHECK(nmc_vlm_model_open(c.ctx, nullptr, nullptr, &m) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_vlm_model_open(c.ctx, (kData + "/vlm/tokenizer").c_str(), nullptr, &m) == NMC_ERR_NOT_FOUND);  // no config.json
  // A folder whose weights do not fit its config: the tiny fixture's config with the tokenizer model's weights.
  const fs::path tmp = fs::temp_directory_path() / "nmc_vlm_capi_mismatch";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  fs::copy_file(kTiny + "/config.json", tmp / "config.json");
  fs::copy_file(kTok + "/model.safetensors", tmp / "model.safetensors");
  CHECK(nmc_vlm_model_open(c.ctx, tmp.c_str(), nullptr, &m) == NMC_ERR_INVALID_DATA);
  CHECK_THAT(c.error(), Catch::Contains("embed_tokens"));
  // A tokenizer with more ids than the model's vocabulary.
  fs::copy_file(kTiny + "/model.safetensors", tmp / "model.safetensors", fs::copy_options::overwrite_existing);
  fs::copy_file(kTok + "/tokenizer.json", tmp / "tokenizer.json");
  CHECK(nmc_vlm_model_open(c.ctx, tmp.c_str(), nullptr, &m) == NMC_ERR_INVALID_DATA);
  // An unsupported preprocessor.
  fs::remove(tmp / "tokenizer.json");
  {
    std::ofstream(tmp / "preprocessor_config.json") << R"({"image_mean": [0.48, 0.46, 0.41]})";
  }
  CHECK(nmc_vlm_model_open(c.ctx, tmp.c_str(), nullptr, &m) == NMC_ERR_UNSUPPORTED);
  fs::remove_all(tmp);

  nmc_vlm_model_settings bad_ms;
  nmc_vlm_model_default_settings(&bad_ms);
  bad_ms.precision = static_cast<nmc_vlm_precision>(7);
  CHECK(nmc_vlm_model_open(c.ctx, kTiny.c_str(), &bad_ms, &m) == NMC_ERR_INVALID_ARGUMENT);
  bad_ms.precision = NMC_VLM_PRECISION_AUTO;
  bad_ms.struct_size = 2;
  CHECK(nmc_vlm_model_open(c.ctx, kTiny.c_str(), &bad_ms, &m) == NMC_ERR_INVALID_ARGUMENT);

  Model tiny(c, kTiny);  // no tokenizer.json
  nmc_vlm_model_info info;
  info.struct_size = 4;
  CHECK(nmc_vlm_model_get_info(tiny.m, &info) == NMC_ERR_INVALID_ARGUMENT);
  info.struct_size = sizeof info;
  REQUIRE(nmc_vlm_model_get_info(tiny.m, &info) == NMC_OK);
  CHECK(info.has_tokenizer == 0);
  CHECK(info.eos_token == -1);
  Session s(c, tiny, 100);
  CHECK(nmc_vlm_append_text(s.s, "hello") == NMC_ERR_UNSUPPORTED);
  const int32_t ids[] = {1, 2, 3, 600};
  CHECK(nmc_vlm_append_tokens(s.s, ids, 4) == NMC_ERR_INVALID_ARGUMENT);  // 600 >= vocab 512
  CHECK(nmc_vlm_append_tokens(s.s, nullptr, 2) == NMC_ERR_INVALID_ARGUMENT);
  const float* l = nullptr;
  int32_t v = 0;
  CHECK(nmc_vlm_last_logits(s.s, &l, &v) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_vlm_generate(s.s, nullptr, nullptr, nullptr, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  Image gray(c, kMedia + "/photo.png", 1);
  CHECK(nmc_vlm_append_image(s.s, gray.img) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_vlm_append_image(s.s, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  Image photo(c, kMedia + "/photo.png");
  CHECK(nmc_vlm_append_image(s.s, photo.img) == NMC_ERR_LIMIT_EXCEEDED);  // 634 tokens > 100
  REQUIRE(nmc_vlm_append_tokens(s.s, ids, 3) == NMC_OK);
  std::vector<int32_t> many(98, 7);
  CHECK(nmc_vlm_append_tokens(s.s, many.data(), many.size()) == NMC_ERR_LIMIT_EXCEEDED);
  nmc_vlm_generate_settings g;
  nmc_vlm_generate_default_settings(&g);
  g.top_p = 2.0f;
  CHECK(nmc_vlm_generate(s.s, &g, nullptr, nullptr, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  g.top_p = 1.0f;
  g.struct_size = 3;
  CHECK(nmc_vlm_generate(s.s, &g, nullptr, nullptr, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  g.struct_size = sizeof g;
  g.max_new_tokens = 500;
  int32_t n = 0;
  REQUIRE(nmc_vlm_generate(s.s, &g, nullptr, nullptr, &n) == NMC_OK);  // stops at the context limit
  CHECK(n == 98);  // 97 fed back fill the context; the last comes from the final logits
  nmc_vlm_session_settings bad;
  nmc_vlm_session_default_settings(&bad);
  bad.max_context = 0;
  nmc_vlm_session* s2 = nullptr;
  CHECK(nmc_vlm_session_create(c.ctx, tiny.m, &bad, &s2) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_vlm_session_create(c.ctx, nullptr, nullptr, &s2) == NMC_ERR_INVALID_ARGUMENT);
  nmc_vlm_stats st;
  st.struct_size = 1;
  CHECK(nmc_vlm_session_get_stats(s.s, &st) == NMC_ERR_INVALID_ARGUMENT);
}

TEST_CASE("C ABI: bf16 compute stays close to the f32 reference", "[capi][vlm]") {
  const auto ref = reference();
  Ctx c;
  Model m(c, kTok, NMC_VLM_PRECISION_AUTO);  // a bf16 checkpoint: bf16 weights and activations
  Session s(c, m);
  Image photo(c, kMedia + "/" + ref["image"].get<std::string>());
  REQUIRE(nmc_vlm_append_text(s.s, ref["prompt_pre"].get<std::string>().c_str()) == NMC_OK);
  REQUIRE(nmc_vlm_append_image(s.s, photo.img) == NMC_OK);
  REQUIRE(nmc_vlm_append_text(s.s, ref["prompt_post"].get<std::string>().c_str()) == NMC_OK);
  nmc_vlm_generate_settings g;
  nmc_vlm_generate_default_settings(&g);
  g.max_new_tokens = 16;
  Collected got;
  REQUIRE(nmc_vlm_generate(s.s, &g, collect, &got, nullptr) == NMC_OK);
  const auto want = ref["generated_ids"].get<std::vector<int32_t>>();
  size_t same = 0;
  while (same < got.ids.size() && same < want.size() && got.ids[same] == want[same]) ++same;
  INFO("bf16 compute: the first " << same << " of " << want.size() << " greedy tokens match the f32 reference");
  // bf16 rounding (relative 2^-9 per operand) moves these logits by ~1e-2, while every step's top-2 margin is
  // >= 0.32 (reference.json min_top2_margin): the whole answer must be the same.
  CHECK(same == want.size());
}
