// nmc vlm --model DIR [--image FILE]... [--video FILE (--frames N | --fps F)] --prompt TEXT:
// one LLaVA-OneVision chat turn; the answer streams to stdout, statistics to stderr.
#include <nmc/vlm.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"

namespace nmc_cli {

namespace {

struct ModelDeleter {
  void operator()(nmc_vlm_model* m) const { nmc_vlm_model_free(m); }
};
struct SessionDeleter {
  void operator()(nmc_vlm_session* s) const { nmc_vlm_session_free(s); }
};

int32_t print_token(void*, int32_t, const char* text, size_t size) {
  std::fwrite(text, 1, size, stdout);
  std::fflush(stdout);
  return 0;
}

nmc_vlm_precision parse_precision(const std::string& p) {
  if (p == "auto") return NMC_VLM_PRECISION_AUTO;
  if (p == "f32") return NMC_VLM_PRECISION_F32;
  if (p == "bf16") return NMC_VLM_PRECISION_BF16;
  throw CliError{"nmc vlm: --precision must be auto, f32 or bf16, got '" + p + "'", 2};
}

}  // namespace

int cmd_vlm(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string model_dir, prompt, video, system, precision = "auto";
  std::vector<std::string> images;
  int frames = 0, max_tokens = 256, top_k = 0;
  double fps = 0;
  float temperature = 0, top_p = 1;
  uint64_t seed = 0;
  int64_t max_context = 8192;
  po::options_description desc("nmc vlm options");
  add_common_flags(desc, common);
  desc.add_options()("model", po::value(&model_dir)->required(), "Hugging Face LLaVA-OneVision folder")(
      "image", po::value(&images), "image file (repeatable)")("video", po::value(&video), "video file")(
      "frames", po::value(&frames), "video: frames sampled uniformly over the whole video (default 8)")(
      "fps", po::value(&fps), "video: sample one frame per 1/fps seconds instead")(
      "prompt", po::value(&prompt)->required(), "the user's message")(
      "system", po::value(&system), "system message (none by default)")(
      "max-tokens", po::value(&max_tokens), "most tokens to generate (default 256)")(
      "temperature", po::value(&temperature), "sampling temperature; 0 = greedy (default)")(
      "top-k", po::value(&top_k), "sample among the k most likely tokens (0 = all)")(
      "top-p", po::value(&top_p), "nucleus sampling mass (default 1)")("seed", po::value(&seed), "sampling seed")(
      "precision", po::value(&precision), "weights and compute: auto (as stored), f32 or bf16")(
      "max-context", po::value(&max_context), "context limit in tokens (default 8192)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_subcommand("usage: nmc vlm --model DIR [--image FILE]... [--video FILE [--frames N | --fps F]] "
                        "--prompt TEXT",
                        desc, pos, args, vm))
    return 0;
  if (!video.empty() && frames == 0 && fps <= 0) frames = 8;

  ContextPtr ctx = make_context(common);
  nmc_vlm_model_settings ms;
  nmc_vlm_model_default_settings(&ms);
  ms.precision = parse_precision(precision);
  nmc_vlm_model* raw_model = nullptr;
  check(ctx.get(), nmc_vlm_model_open(ctx.get(), model_dir.c_str(), &ms, &raw_model), "nmc vlm: " + model_dir);
  std::unique_ptr<nmc_vlm_model, ModelDeleter> model(raw_model);
  nmc_vlm_model_info info;
  info.struct_size = sizeof info;
  check(ctx.get(), nmc_vlm_model_get_info(model.get(), &info), "nmc vlm: model info");
  if (!info.has_tokenizer) throw CliError{"nmc vlm: " + model_dir + " has no tokenizer.json", 1};

  nmc_vlm_session_settings ss;
  nmc_vlm_session_default_settings(&ss);
  ss.max_context = max_context;
  nmc_vlm_session* raw_session = nullptr;
  check(ctx.get(), nmc_vlm_session_create(ctx.get(), model.get(), &ss, &raw_session), "nmc vlm: session");
  std::unique_ptr<nmc_vlm_session, SessionDeleter> session(raw_session);
  nmc_vlm_session* s = session.get();

  // LLaVA-OneVision's ChatML turn: media first, then the text on a new line.
  if (!system.empty())
    check(ctx.get(), nmc_vlm_append_text(s, ("<|im_start|>system\n" + system + "<|im_end|>\n").c_str()), "prompt");
  check(ctx.get(), nmc_vlm_append_text(s, "<|im_start|>user\n"), "prompt");
  for (const auto& path : images) {
    nmc_image* img = nullptr;
    check(ctx.get(), nmc_image_read(ctx.get(), path.c_str(), 3, &img), "nmc vlm: " + path);
    ImagePtr owned(img);
    check(ctx.get(), nmc_vlm_append_image(s, img), "nmc vlm: " + path);
  }
  if (!video.empty())
    check(ctx.get(), nmc_vlm_append_video_file(s, video.c_str(), frames, fps), "nmc vlm: " + video);
  const std::string sep = images.empty() && video.empty() ? "" : "\n";
  check(ctx.get(), nmc_vlm_append_text(s, (sep + prompt + "<|im_end|>\n<|im_start|>assistant\n").c_str()), "prompt");

  nmc_vlm_generate_settings g;
  nmc_vlm_generate_default_settings(&g);
  g.max_new_tokens = max_tokens;
  g.temperature = temperature;
  g.top_k = top_k;
  g.top_p = top_p;
  g.seed = seed;
  int32_t generated = 0;
  check(ctx.get(), nmc_vlm_generate(s, &g, print_token, nullptr, &generated), "nmc vlm: generate");
  std::printf("\n");
  std::fflush(stdout);

  nmc_vlm_stats st;
  st.struct_size = sizeof st;
  check(ctx.get(), nmc_vlm_session_get_stats(s, &st), "nmc vlm: stats");
  const double decode_rate = st.decode_ms > 0 ? 1000.0 * static_cast<double>(st.decode_tokens) / st.decode_ms : 0;
  const double prefill_rate = st.prefill_ms > 0 ? 1000.0 * static_cast<double>(st.prefill_tokens) / st.prefill_ms : 0;
  std::fprintf(stderr,
               "prompt: %lld tokens (%lld vision), vision %.1f ms, prefill %.1f ms (%.1f tokens/s)\n"
               "generated: %d tokens, decode %.1f ms (%.1f tokens/s); context %lld tokens, KV cache %.2f MiB\n",
               static_cast<long long>(st.prefill_tokens), static_cast<long long>(st.vision_tokens), st.vision_ms,
               st.prefill_ms, prefill_rate, generated, st.decode_ms, decode_rate,
               static_cast<long long>(st.context_tokens), static_cast<double>(st.kv_bytes) / (1 << 20));
  return 0;
}

}  // namespace nmc_cli
