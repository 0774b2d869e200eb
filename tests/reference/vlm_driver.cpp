// nmc_vlm_driver JOB.json OUT.json: runs one VLM prompt through the C ABI for
// check_llava.py. JOB: {"model": dir, "precision": "f32"|"bf16"|"auto",
// "pre_ids": [...], "image": png path or "", "frames": [png paths], "post_ids": [...],
// "max_new_tokens": n}. OUT: {"generated": [...], "logits": [first-step logits],
// "vision_tokens": n, "sequence_length": n}.
#include <nmc/media.h>
#include <nmc/nmc.h>
#include <nmc/vlm.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {
nmc_context* g_ctx = nullptr;
void check(nmc_status st, const std::string& what) {
  if (st == NMC_OK) return;
  std::fprintf(stderr, "nmc_vlm_driver: %s: %s (%s)\n", what.c_str(), nmc_status_string(st),
               nmc_context_last_error(g_ctx));
  std::exit(1);
}
int32_t collect(void* user, int32_t token, const char*, size_t) {
  static_cast<std::vector<int32_t>*>(user)->push_back(token);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: nmc_vlm_driver JOB.json OUT.json\n");
    return 2;
  }
  const nlohmann::json job = nlohmann::json::parse(std::ifstream(argv[1]));
  nmc_context_settings cs;
  nmc_context_default_settings(&cs);
  cs.num_threads = 2;
  check(nmc_context_create(&cs, &g_ctx), "context");
  nmc_vlm_model_settings ms;
  nmc_vlm_model_default_settings(&ms);
  const std::string p = job.value("precision", "f32");
  ms.precision = p == "bf16" ? NMC_VLM_PRECISION_BF16 : p == "auto" ? NMC_VLM_PRECISION_AUTO : NMC_VLM_PRECISION_F32;
  nmc_vlm_model* model = nullptr;
  check(nmc_vlm_model_open(g_ctx, job["model"].get<std::string>().c_str(), &ms, &model), "open");
  nmc_vlm_session* s = nullptr;
  check(nmc_vlm_session_create(g_ctx, model, nullptr, &s), "session");
  const auto pre = job["pre_ids"].get<std::vector<int32_t>>(), post = job["post_ids"].get<std::vector<int32_t>>();
  check(nmc_vlm_append_tokens(s, pre.data(), pre.size()), "pre");
  const std::string image = job.value("image", "");
  if (!image.empty()) {
    nmc_image* img = nullptr;
    check(nmc_image_read(g_ctx, image.c_str(), 3, &img), image);
    check(nmc_vlm_append_image(s, img), "append_image");
    nmc_image_free(img);
  }
  std::vector<nmc_image*> frames;
  for (const auto& f : job.value("frames", nlohmann::json::array())) {
    nmc_image* img = nullptr;
    check(nmc_image_read(g_ctx, f.get<std::string>().c_str(), 3, &img), f.get<std::string>());
    frames.push_back(img);
  }
  if (!frames.empty()) check(nmc_vlm_append_video_frames(s, frames.data(), frames.size()), "append_video_frames");
  for (auto* f : frames) nmc_image_free(f);
  check(nmc_vlm_append_tokens(s, post.data(), post.size()), "post");
  nmc_vlm_stats st;
  st.struct_size = sizeof st;
  check(nmc_vlm_session_get_stats(s, &st), "stats");
  check(nmc_vlm_prefill(s), "prefill");
  const float* logits = nullptr;
  int32_t vocab = 0;
  check(nmc_vlm_last_logits(s, &logits, &vocab), "logits");
  const std::vector<float> first(logits, logits + vocab);
  nmc_vlm_generate_settings g;
  nmc_vlm_generate_default_settings(&g);
  g.max_new_tokens = job.value("max_new_tokens", 8);
  g.stop_at_eos = 0;
  std::vector<int32_t> generated;
  check(nmc_vlm_generate(s, &g, collect, &generated, nullptr), "generate");
  nlohmann::json out = {{"generated", generated}, {"logits", first}, {"vision_tokens", st.vision_tokens},
                        {"sequence_length", st.pending_tokens}};
  std::ofstream(argv[2]) << out.dump();
  nmc_vlm_session_free(s);
  nmc_vlm_model_free(model);
  nmc_context_free(g_ctx);
  return 0;
}
