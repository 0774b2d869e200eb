#include "nmc/kernels/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace nmc {

Result<KvCache> KvCache::create(const KvCacheConfig& config, const HostAllocator* alloc) {
  if (config.layers <= 0 || config.kv_heads <= 0 || config.head_dim <= 0 || config.page_tokens <= 0 ||
      config.max_tokens <= 0)
    return InvalidArgument("kv cache: layers, kv_heads, head_dim, page_tokens and max_tokens must be positive");
  KvCache c;
  c.config_ = config;
  if (alloc && alloc->alloc && alloc->free) {
    c.alloc_ = *alloc;
    c.has_alloc_ = true;
  }
  // One page must be a valid tensor (checks the size limit once, up front).
  NMC_RETURN_IF_ERROR(c.new_page().status());
  c.k_pages_.resize(static_cast<size_t>(config.layers));
  c.v_pages_.resize(static_cast<size_t>(config.layers));
  return c;
}

Result<Tensor> KvCache::new_page() const {
  return Tensor::uninitialized({config_.page_tokens, config_.kv_heads, config_.head_dim}, DType::kF32,
                               has_alloc_ ? &alloc_ : nullptr);
}

uint64_t KvCache::bytes_per_token() const {
  return 2ull * static_cast<uint64_t>(config_.layers) * static_cast<uint64_t>(config_.kv_heads) *
         static_cast<uint64_t>(config_.head_dim) * sizeof(float);
}

uint64_t KvCache::bytes() const {
  const uint64_t pages = k_pages_.empty() ? 0 : k_pages_[0].size();
  return pages * static_cast<uint64_t>(config_.page_tokens) * bytes_per_token();
}

Status KvCache::reserve(int64_t new_tokens) {
  if (new_tokens < 0) return InvalidArgument("kv cache: negative token count");
  if (new_tokens > config_.max_tokens - tokens_)
    return LimitExceeded("context overflow: " + std::to_string(tokens_) + " tokens + " +
                         std::to_string(new_tokens) + " new exceed the limit of " +
                         std::to_string(config_.max_tokens));
  const auto need = static_cast<size_t>((tokens_ + new_tokens + config_.page_tokens - 1) / config_.page_tokens);
  for (size_t l = 0; l < k_pages_.size(); ++l) {
    while (k_pages_[l].size() < need) {
      NMC_ASSIGN_OR_RETURN(Tensor k, new_page());
      NMC_ASSIGN_OR_RETURN(Tensor v, new_page());
      k_pages_[l].push_back(std::move(k));
      v_pages_[l].push_back(std::move(v));
    }
  }
  return Status::Ok();
}

namespace {
// Copies rows [0, n) of src ([T, H, D] view, unit-stride D) to dst rows [at, at + n).
void copy_rows(const Tensor& src, int64_t src_row, const Tensor& dst, int64_t at, int64_t n) {
  const int64_t heads = src.dim(1), d = src.dim(2);
  for (int64_t t = 0; t < n; ++t)
    for (int64_t h = 0; h < heads; ++h)
      std::memcpy(dst.data<float>() + ((at + t) * heads + h) * d,
                  src.data<float>() + (src_row + t) * src.stride(0) + h * src.stride(1),
                  static_cast<size_t>(d) * sizeof(float));
}
}  // namespace

Status KvCache::write(int layer, const Tensor& k_in, const Tensor& v_in) {
  if (layer < 0 || layer >= config_.layers) return InvalidArgument("kv cache: layer out of range");
  Tensor k = k_in, v = v_in;
  if (k.rank() == 4 && k.dim(0) == 1) {
    NMC_ASSIGN_OR_RETURN(k, k.select(0, 0));
  }
  if (v.rank() == 4 && v.dim(0) == 1) {
    NMC_ASSIGN_OR_RETURN(v, v.select(0, 0));
  }
  const Shape want{k.rank() == 3 ? k.dim(0) : -1, config_.kv_heads, config_.head_dim};
  for (const Tensor* t : {&k, &v}) {
    if (t->dtype() != DType::kF32 || t->device() != Device::kCpu || t->shape() != want || t->stride(2) != 1)
      return InvalidArgument("kv cache: keys/values must be host f32 [T, " + std::to_string(config_.kv_heads) +
                             ", " + std::to_string(config_.head_dim) + "] with unit-stride rows, got " +
                             t->describe());
  }
  const int64_t n = k.dim(0);
  const auto& kp = k_pages_[static_cast<size_t>(layer)];
  if (tokens_ + n > static_cast<int64_t>(kp.size()) * config_.page_tokens)
    return InvalidArgument("kv cache: write of " + std::to_string(n) + " tokens exceeds the reserved pages");
  const int64_t p = config_.page_tokens;
  for (int64_t done = 0; done < n;) {
    const int64_t pos = tokens_ + done, page = pos / p, at = pos % p;
    const int64_t m = std::min(n - done, p - at);
    copy_rows(k, done, kp[static_cast<size_t>(page)], at, m);
    copy_rows(v, done, v_pages_[static_cast<size_t>(layer)][static_cast<size_t>(page)], at, m);
    done += m;
  }
  return Status::Ok();
}

Result<std::vector<KvCache::Part>> KvCache::parts(int layer, int64_t pending) const {
  if (layer < 0 || layer >= config_.layers) return InvalidArgument("kv cache: layer out of range");
  const int64_t total = tokens_ + pending, p = config_.page_tokens;
  const auto& kp = k_pages_[static_cast<size_t>(layer)];
  const auto& vp = v_pages_[static_cast<size_t>(layer)];
  if (pending < 0 || total > static_cast<int64_t>(kp.size()) * p)
    return InvalidArgument("kv cache: parts beyond the reserved pages");
  std::vector<Part> out;
  for (int64_t first = 0; first < total; first += p) {
    const int64_t n = std::min(p, total - first);
    const auto i = static_cast<size_t>(first / p);
    Part part;
    NMC_ASSIGN_OR_RETURN(Tensor k, kp[i].slice(0, 0, n));
    NMC_ASSIGN_OR_RETURN(Tensor v, vp[i].slice(0, 0, n));
    NMC_ASSIGN_OR_RETURN(part.k, k.unsqueeze(0));
    NMC_ASSIGN_OR_RETURN(part.v, v.unsqueeze(0));
    part.first = first;
    out.push_back(std::move(part));
  }
  return out;
}

Status KvCache::commit(int64_t new_tokens) {
  if (new_tokens < 0 || tokens_ + new_tokens > static_cast<int64_t>(k_pages_[0].size()) * config_.page_tokens)
    return InvalidArgument("kv cache: commit beyond the reserved pages");
  tokens_ += new_tokens;
  return Status::Ok();
}

Status KvCache::truncate(int64_t tokens) {
  if (tokens < 0 || tokens > tokens_) return InvalidArgument("kv cache: truncate outside [0, tokens()]");
  tokens_ = tokens;
  const auto keep = static_cast<size_t>((tokens + config_.page_tokens - 1) / config_.page_tokens);
  for (size_t l = 0; l < k_pages_.size(); ++l) {
    if (k_pages_[l].size() > keep) k_pages_[l].resize(keep);
    if (v_pages_[l].size() > keep) v_pages_[l].resize(keep);
  }
  return Status::Ok();
}

}  // namespace nmc
