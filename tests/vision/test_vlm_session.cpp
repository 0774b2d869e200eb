// VlmSession end to end on the tiny golden fixture: from the raw 8-bit image /
// video frames and the prompt ids to the greedy tokens the reference
// generated (transformers 4.46.1), through resize, tiling, the vision tower,
// packing, chunked prefill over a paged KV cache and decoding; sampling,
// stop conditions, context limits, bad input and sessions sharing a model.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/safetensors.h"
#include "nmc/kernels/thread_pool.h"
#include "nmc/vision/vlm_session.h"

using namespace nmc;
using namespace nmc::vision;

namespace {

const std::string kDir = std::string(NMC_TEST_DATA) + "/vlm/llava_ov_tiny";

struct Fixture {
  SafetensorsFile pixels, sequence, stack;
  std::shared_ptr<const LlavaOnevisionModel> model;
  Fixture() {
    pixels = SafetensorsFile::open(kDir + "/pixels.safetensors").value();
    sequence = SafetensorsFile::open(kDir + "/sequence.safetensors").value();
    stack = SafetensorsFile::open(kDir + "/stack.safetensors").value();
    auto m = LlavaOnevisionModel::load(kDir);
    REQUIRE(m.ok());
    model = std::move(m).value();
  }
  std::vector<int32_t> ids(const std::string& name, int32_t skip = -1) const {
    const Tensor t = sequence.tensor(name).value();
    std::vector<int32_t> out;
    for (int64_t i = 0; i < t.numel(); ++i)
      if (t.data<int64_t>()[i] != skip) out.push_back(static_cast<int32_t>(t.data<int64_t>()[i]));
    return out;
  }
  std::vector<int32_t> gen(const std::string& p) const {
    const Tensor t = stack.tensor(p + ".gen_tokens").value();
    return {t.data<int64_t>(), t.data<int64_t>() + t.numel()};
  }
};

// The ids before and after the (expanded) placeholder run.
std::pair<std::vector<int32_t>, std::vector<int32_t>> split_at(const std::vector<int32_t>& ids, int32_t placeholder) {
  auto first = std::find(ids.begin(), ids.end(), placeholder);
  auto last = std::find_if(first, ids.end(), [&](int32_t v) { return v != placeholder; });
  return {{ids.begin(), first}, {last, ids.end()}};
}

RgbView frame_view(const Tensor& t, int64_t i) {  // [N, H, W, 3]
  const int64_t h = t.dim(1), w = t.dim(2);
  return {t.data<uint8_t>() + i * h * w * 3, w, h, w * 3};
}

}  // namespace

TEST_CASE("sessions reproduce the reference's greedy tokens from raw media", "[vision][session][parity]") {
  const Fixture fx;
  const auto& cfg = fx.model->config();
  ThreadPool pool(2);
  const Exec exec{&cpu_backend(), &pool};
  GenerateSettings greedy;
  greedy.max_new_tokens = 8;
  for (auto [page, chunk] : {std::pair<int64_t, int64_t>{256, 512}, {16, 7}}) {
    INFO("page " << page << ", prefill chunk " << chunk);
    VlmSessionSettings ss;
    ss.max_context = 1024;
    ss.page_tokens = page;
    ss.prefill_chunk = chunk;
    {
      INFO("text");
      auto s = VlmSession::create(fx.model, exec, ss);
      REQUIRE(s.ok());
      REQUIRE((*s)->append_tokens(fx.ids("a.input_ids")).ok());
      auto out = (*s)->generate(greedy);
      REQUIRE(out.ok());
      CHECK(*out == fx.gen("a"));
      const VlmStats st = (*s)->stats();
      CHECK(st.context_tokens == 20 + 7);  // the 8th token waits as pending input
      CHECK(st.pending_tokens == 1);
      CHECK(st.decode_tokens == 7);
      CHECK(st.vision_tokens == 0);
    }
    {
      INFO("image");
      auto s = VlmSession::create(fx.model, exec, ss);
      REQUIRE(s.ok());
      const auto [pre, post] = split_at(fx.ids("b.input_ids"), static_cast<int32_t>(cfg.image_token_index));
      const Tensor raw = fx.pixels.tensor("b.image_raw_u8").value();
      REQUIRE((*s)->append_tokens(pre).ok());
      REQUIRE((*s)->append_image({raw.data<uint8_t>(), raw.dim(1), raw.dim(0), raw.dim(1) * 3}).ok());
      REQUIRE((*s)->append_tokens(post).ok());
      CHECK((*s)->stats().pending_tokens == 646);
      CHECK((*s)->stats().vision_tokens == 634);
      auto out = (*s)->generate(greedy);
      REQUIRE(out.ok());
      CHECK(*out == fx.gen("b"));
      CHECK((*s)->stats().kv_bytes ==
            static_cast<uint64_t>((653 + page - 1) / page * page) * 2 * 2 * 2 * 16 * 4);  // layers*kv*h*d*f32
    }
    {
      INFO("video");
      auto s = VlmSession::create(fx.model, exec, ss);
      REQUIRE(s.ok());
      const auto [pre, post] = split_at(fx.ids("c.input_ids"), static_cast<int32_t>(cfg.video_token_index));
      const Tensor raw = fx.pixels.tensor("c.video_raw_u8").value();
      std::vector<RgbView> frames;
      for (int64_t i = 0; i < raw.dim(0); ++i) frames.push_back(frame_view(raw, i));
      REQUIRE((*s)->append_tokens(pre).ok());
      REQUIRE((*s)->append_video(frames).ok());
      REQUIRE((*s)->append_tokens(post).ok());
      CHECK((*s)->stats().vision_tokens == 129);
      auto out = (*s)->generate(greedy);
      REQUIRE(out.ok());
      CHECK(*out == fx.gen("c"));
    }
  }
}

TEST_CASE("sampling is seeded, and stop conditions end generation", "[vision][session]") {
  const Fixture fx;
  const Exec exec{&cpu_backend(), nullptr};
  auto run = [&](const GenerateSettings& g, const VlmSession::TokenCallback& cb = {}) {
    auto s = VlmSession::create(fx.model, exec, {});
    REQUIRE(s.ok());
    REQUIRE((*s)->append_tokens(fx.ids("a.input_ids")).ok());
    auto out = (*s)->generate(g, cb);
    REQUIRE(out.ok());
    return std::move(out).value();
  };
  GenerateSettings g;
  g.max_new_tokens = 12;
  g.sampling.temperature = 1.5f;
  g.sampling.seed = 7;
  const auto a = run(g), b = run(g);
  CHECK(a == b);
  CHECK(a.size() == 12);
  g.sampling.seed = 8;
  CHECK(run(g) != a);
  // top_k = 1 and a tiny top_p are greedy whatever the temperature.
  GenerateSettings greedy;
  greedy.max_new_tokens = 8;
  const auto want = fx.gen("a");
  g.max_new_tokens = 8;
  g.sampling.top_k = 1;
  CHECK(run(g) == want);
  g.sampling.top_k = 0;
  g.sampling.top_p = 1e-6f;
  CHECK(run(g) == want);
  // A stop token ends generation after emitting it; so does the callback.
  greedy.stop_tokens = {want[3]};
  CHECK(run(greedy) == std::vector<int32_t>(want.begin(), want.begin() + 4));
  greedy.stop_tokens.clear();
  int calls = 0;
  CHECK(run(greedy, [&](int32_t) { return ++calls < 2; }).size() == 2);
  // Bad sampling settings.
  auto s = VlmSession::create(fx.model, exec, {});
  REQUIRE((*s)->append_tokens(fx.ids("a.input_ids")).ok());
  g.sampling.top_p = 0.0f;
  CHECK((*s)->generate(g).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("sessions refuse bad input and context overflow cleanly", "[vision][session]") {
  const Fixture fx;
  const Exec exec{&cpu_backend(), nullptr};
  VlmSessionSettings ss;
  ss.max_context = 40;
  auto s = VlmSession::create(fx.model, exec, ss);
  REQUIRE(s.ok());
  VlmSession& v = **s;
  CHECK(v.generate({}).status().code() == StatusCode::kInvalidArgument);  // nothing to continue from
  const std::vector<int32_t> bad = {1, 512};
  CHECK(v.append_tokens(bad).code() == StatusCode::kInvalidArgument);
  CHECK(v.append_image({nullptr, 4, 4, 12}).code() == StatusCode::kInvalidArgument);
  CHECK(v.append_video({}).code() == StatusCode::kInvalidArgument);
  REQUIRE(v.append_tokens(fx.ids("a.input_ids")).ok());
  const Tensor raw = fx.pixels.tensor("b.image_raw_u8").value();
  const RgbView img{raw.data<uint8_t>(), raw.dim(1), raw.dim(0), raw.dim(1) * 3};
  CHECK(v.append_image(img).code() == StatusCode::kLimitExceeded);  // 634 tokens do not fit in 40
  CHECK(v.stats().pending_tokens == 20);
  const std::vector<int32_t> many(21, 5);
  CHECK(v.append_tokens(many).code() == StatusCode::kLimitExceeded);
  // Generation stops at the context limit without an error once tokens came out.
  GenerateSettings g;
  g.max_new_tokens = 100;
  auto out = v.generate(g);
  REQUIRE(out.ok());
  CHECK(out->size() == 21);
  CHECK(v.stats().context_tokens == 40);
  CHECK(v.append_tokens(many).code() == StatusCode::kLimitExceeded);
  v.reset();
  CHECK(v.stats().context_tokens == 0);
  CHECK(v.stats().kv_bytes == 0);
  VlmSessionSettings huge;
  huge.max_context = int64_t{1} << 40;
  CHECK(VlmSession::create(fx.model, exec, huge).status().code() == StatusCode::kInvalidArgument);
  VlmSessionSettings small_pixels;
  small_pixels.max_image_pixels = 1000;
  auto s2 = VlmSession::create(fx.model, exec, small_pixels);
  CHECK((*s2)->append_image(img).code() == StatusCode::kLimitExceeded);
}

TEST_CASE("sessions sharing one model run independently on several threads", "[vision][session]") {
  const Fixture fx;
  const auto want = fx.gen("a");
  std::vector<std::vector<int32_t>> got(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] {
      auto s = VlmSession::create(fx.model, Exec{&cpu_backend(), nullptr}, {});
      if (!s.ok() || !(*s)->append_tokens(fx.ids("a.input_ids")).ok()) return;
      GenerateSettings g;
      g.max_new_tokens = 8;
      auto out = (*s)->generate(g);
      if (out.ok()) got[i] = *out;
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) CHECK(g == want);
}
