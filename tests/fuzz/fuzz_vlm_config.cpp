// Fuzz target: LLaVA-OneVision config.json parsing on arbitrary bytes.
// Invariants: never crashes; a rejection is kInvalidData or kUnsupported with a
// message; an accepted config has the shape rules the runtime relies on
// (positive sizes, heads dividing the widths, GQA groups, a non-empty grid,
// pinpoints that are multiples of the tile, distinct media token ids in the vocab).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nmc/vision/llava_onevision_config.h"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nmc;
  using namespace nmc::vision;
  auto c = parse_llava_onevision_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!c.ok()) {
    check((c.status().code() == StatusCode::kInvalidData || c.status().code() == StatusCode::kUnsupported) &&
          !c.status().message().empty());
    return 0;
  }
  const auto& v = c->vision;
  const auto& t = c->text;
  check(v.hidden_size > 0 && v.hidden_size % v.num_attention_heads == 0 && v.grid() >= 1);
  check(t.hidden_size > 0 && t.hidden_size % t.num_attention_heads == 0 &&
        t.num_attention_heads % t.num_key_value_heads == 0 && t.head_dim() % 2 == 0);
  check(!c->image_grid_pinpoints.empty());
  for (const auto& [h, w] : c->image_grid_pinpoints) check(h % v.image_size == 0 && w % v.image_size == 0);
  check(c->image_token_index < t.vocab_size && c->video_token_index < t.vocab_size &&
        c->image_token_index != c->video_token_index);
  return 0;
}
