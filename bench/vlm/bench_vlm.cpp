// bench_vlm: nmc's VLM runtime through its C ABI on one model folder, as JSON.
//
//   bench_vlm --model DIR [--precision auto|f32|bf16] [--threads N] [--prefill N]
//             [--contexts 1024,8192] [--decode-steps N] [--image-size 384] [--repeats N]
//
// Measures: prefill tokens/s of a --prefill-token prompt (random ids, best of
// --repeats); decode tokens/s after filling the context to each of --contexts
// (median step time of --decode-steps greedy steps); vision ms for one
// image-size x image-size image (median of --repeats; the anyres path: base
// tile + canvas tiles + packing) and the tile count. Used by bench/vlm/vlm_bench.py.
#include <nmc/media.h>
#include <nmc/nmc.h>
#include <nmc/vlm.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(nmc_context* ctx, const std::string& what) {
  std::fprintf(stderr, "bench_vlm: %s: %s\n", what.c_str(), ctx ? nmc_context_last_error(ctx) : "");
  std::exit(1);
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::vector<int32_t> random_ids(int64_t n, int32_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (auto& id : ids) id = static_cast<int32_t>(rng() % static_cast<uint32_t>(std::min(vocab, 100000)));
  return ids;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_dir, precision = "auto", contexts_arg = "1024,8192";
  int threads = 2, decode_steps = 16, image_size = 384, repeats = 3;
  int64_t prefill = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(nullptr, "missing value for " + a);
      return argv[++i];
    };
    if (a == "--model") model_dir = next();
    else if (a == "--precision") precision = next();
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--prefill") prefill = std::stoll(next());
    else if (a == "--contexts") contexts_arg = next();
    else if (a == "--decode-steps") decode_steps = std::stoi(next());
    else if (a == "--image-size") image_size = std::stoi(next());
    else if (a == "--repeats") repeats = std::stoi(next());
    else die(nullptr, "unknown flag " + a);
  }
  if (model_dir.empty()) die(nullptr, "--model is required");
  std::vector<int64_t> contexts;
  {
    std::stringstream ss(contexts_arg);
    for (std::string t; std::getline(ss, t, ',');)
      if (!t.empty()) contexts.push_back(std::stoll(t));
  }

  nmc_context_settings cs;
  nmc_context_default_settings(&cs);
  cs.num_threads = threads;
  cs.backend = NMC_BACKEND_CPU;
  nmc_context* ctx = nullptr;
  if (nmc_context_create(&cs, &ctx) != NMC_OK) die(nullptr, "context");
  nmc_vlm_model_settings ms;
  nmc_vlm_model_default_settings(&ms);
  ms.precision = precision == "f32" ? NMC_VLM_PRECISION_F32 : precision == "bf16" ? NMC_VLM_PRECISION_BF16
                                                                                  : NMC_VLM_PRECISION_AUTO;
  nmc_vlm_model* model = nullptr;
  const double t_load = now_ms();
  if (nmc_vlm_model_open(ctx, model_dir.c_str(), &ms, &model) != NMC_OK) die(ctx, "open " + model_dir);
  const double load_ms = now_ms() - t_load;
  nmc_vlm_model_info info;
  info.struct_size = sizeof info;
  nmc_vlm_model_get_info(model, &info);

  int64_t max_ctx = prefill;
  for (int64_t c : contexts) max_ctx = std::max(max_ctx, c);
  nmc_vlm_session_settings ss;
  nmc_vlm_session_default_settings(&ss);
  ss.max_context = std::max<int64_t>(max_ctx + 2 * decode_steps + 8, std::min<int64_t>(info.max_position_embeddings, 32768));
  auto new_session = [&] {
    nmc_vlm_session* s = nullptr;
    if (nmc_vlm_session_create(ctx, model, &ss, &s) != NMC_OK) die(ctx, "session");
    return s;
  };

  // Prefill.
  double best_prefill_ms = 1e300;
  for (int r = 0; r < repeats; ++r) {
    nmc_vlm_session* s = new_session();
    const auto ids = random_ids(prefill, info.vocab_size, 1 + static_cast<uint32_t>(r));
    nmc_vlm_append_tokens(s, ids.data(), ids.size());
    const double t0 = now_ms();
    if (nmc_vlm_prefill(s) != NMC_OK) die(ctx, "prefill");
    best_prefill_ms = std::min(best_prefill_ms, now_ms() - t0);
    nmc_vlm_session_free(s);
  }

  // Decode at each context length: greedy steps, one token each.
  struct DecodeResult {
    int64_t context;
    double step_ms;
    uint64_t kv_bytes;
  };
  std::vector<DecodeResult> decode;
  for (int64_t c : contexts) {
    nmc_vlm_session* s = new_session();
    const auto ids = random_ids(c, info.vocab_size, 77);
    nmc_vlm_append_tokens(s, ids.data(), ids.size());
    if (nmc_vlm_prefill(s) != NMC_OK) die(ctx, "prefill for decode");
    std::vector<double> steps;
    nmc_vlm_generate_settings g;
    nmc_vlm_generate_default_settings(&g);
    g.max_new_tokens = 2;  // one decoder pass per call: token 1 from the prefill logits, token 2 after one step
    g.stop_at_eos = 0;
    for (int k = 0; k < decode_steps; ++k) {
      nmc_vlm_stats before, after;
      before.struct_size = after.struct_size = sizeof before;
      nmc_vlm_session_get_stats(s, &before);
      if (nmc_vlm_generate(s, &g, nullptr, nullptr, nullptr) != NMC_OK) die(ctx, "generate");
      nmc_vlm_session_get_stats(s, &after);
      steps.push_back((after.decode_ms - before.decode_ms) /
                      static_cast<double>(std::max<int64_t>(1, after.decode_tokens - before.decode_tokens)));
    }
    nmc_vlm_stats st;
    st.struct_size = sizeof st;
    nmc_vlm_session_get_stats(s, &st);
    decode.push_back({c, median(steps), st.kv_bytes});
    nmc_vlm_session_free(s);
  }

  // Vision: one image_size x image_size RGB image.
  nmc_image* img = nullptr;
  if (nmc_image_create(ctx, image_size, image_size, 3, &img) != NMC_OK) die(ctx, "image");
  {
    std::mt19937 rng(5);
    uint8_t* p = nmc_image_data_mutable(img);
    for (size_t i = 0; i < static_cast<size_t>(image_size) * image_size * 3; ++i) p[i] = static_cast<uint8_t>(rng());
  }
  std::vector<double> vision;
  int64_t vision_tokens = 0;
  for (int r = 0; r < repeats; ++r) {
    nmc_vlm_session* s = new_session();
    if (nmc_vlm_append_image(s, img) != NMC_OK) die(ctx, "append_image");
    nmc_vlm_stats st;
    st.struct_size = sizeof st;
    nmc_vlm_session_get_stats(s, &st);
    vision.push_back(st.vision_ms);
    vision_tokens = st.vision_tokens;
    nmc_vlm_session_free(s);
  }
  nmc_image_free(img);

  std::printf("{\"precision\": \"%s\", \"threads\": %d, \"load_ms\": %.1f, \"weight_bytes\": %llu,\n", precision.c_str(),
              threads, load_ms, static_cast<unsigned long long>(info.weight_bytes));
  std::printf(" \"prefill_tokens\": %lld, \"prefill_ms\": %.2f, \"prefill_tokens_per_s\": %.2f,\n",
              static_cast<long long>(prefill), best_prefill_ms, 1000.0 * static_cast<double>(prefill) / best_prefill_ms);
  std::printf(" \"decode\": [");
  for (size_t i = 0; i < decode.size(); ++i)
    std::printf("%s{\"context\": %lld, \"step_ms\": %.3f, \"tokens_per_s\": %.3f, \"kv_bytes\": %llu}",
                i ? ", " : "", static_cast<long long>(decode[i].context), decode[i].step_ms, 1000.0 / decode[i].step_ms,
                static_cast<unsigned long long>(decode[i].kv_bytes));
  std::printf("],\n \"vision_image_size\": %d, \"vision_ms\": %.2f, \"vision_tokens\": %lld}\n", image_size,
              median(vision), static_cast<long long>(vision_tokens));
  nmc_vlm_model_free(model);
  nmc_context_free(ctx);
  return 0;
}
