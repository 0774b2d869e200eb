// KvCache: the keys and values of a decoder's past tokens, in fixed-size pages.
//
// Every layer stores the same token positions. Storage is a list of pages per
// layer, each page holding `page_tokens` tokens of K and of V as f32
// [page_tokens, kv_heads, head_dim] (keys after RoPE, before any GQA repeat).
// Pages are allocated when tokens are reserved and freed by truncate()/clear(),
// so memory follows the context, not max_tokens; bytes() is the exact number
// of bytes of page storage held.
//
// Protocol for one forward step of T new tokens:
//   reserve(T)                       -- allocates pages (all layers) or fails
//   write(layer, k, v) per layer     -- stores rows tokens() .. tokens()+T-1
//   attention via parts(layer, T)    -- pages covering tokens() + T keys
//   commit(T)                        -- the T tokens become part of the context
// A step that fails before commit leaves tokens() unchanged (the reserved
// pages are reused or released by the next truncate()).
//
// Thread rules: one KvCache belongs to one session; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc {

struct KvCacheConfig {
  int layers = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t page_tokens = 256;
  int64_t max_tokens = 0;  // context limit; reserve() beyond it is kLimitExceeded
};

class KvCache {
 public:
  // One part of a layer's keys: views [1, n, kv_heads, head_dim] of tokens
  // [first, first + n).
  struct Part {
    Tensor k, v;
    int64_t first = 0;
  };

  KvCache() = default;
  static Result<KvCache> create(const KvCacheConfig& config, const HostAllocator* alloc = nullptr);

  const KvCacheConfig& config() const { return config_; }
  int64_t tokens() const { return tokens_; }
  // Bytes of page storage held (K and V, all layers).
  uint64_t bytes() const;
  // Bytes one token occupies across all layers (K and V).
  uint64_t bytes_per_token() const;

  Status reserve(int64_t new_tokens);
  // k, v: [T, kv_heads, head_dim] or [1, T, kv_heads, head_dim] f32 (views ok);
  // T <= the reserved count. Rows go to positions tokens() .. tokens()+T-1.
  Status write(int layer, const Tensor& k, const Tensor& v);
  // The pages of `layer` holding keys [0, tokens() + pending), in order.
  Result<std::vector<Part>> parts(int layer, int64_t pending) const;
  Status commit(int64_t new_tokens);
  // Drops every token from `tokens` on (and the pages no longer needed).
  Status truncate(int64_t tokens);
  void clear() { (void)truncate(0); }

 private:
  Result<Tensor> new_page() const;

  KvCacheConfig config_;
  HostAllocator alloc_{};
  bool has_alloc_ = false;
  int64_t tokens_ = 0;
  std::vector<std::vector<Tensor>> k_pages_, v_pages_;  // [layer][page] -> [page_tokens, kv_heads, head_dim]
};

}  // namespace nmc
