#include "nmc/kernels/buffer_pool.h"

#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define NMC_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NMC_POOL_ASAN 1
#endif
#endif
#ifdef NMC_POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace nmc {

namespace {

// Under AddressSanitizer, retained blocks are poisoned so a use after release
// is reported as it would be after free().
void poison(void* p, size_t bytes) {
#ifdef NMC_POOL_ASAN
  ASAN_POISON_MEMORY_REGION(p, bytes);
#else
  (void)p, (void)bytes;
#endif
}
void unpoison(void* p, size_t bytes) {
#ifdef NMC_POOL_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, bytes);
#else
  (void)p, (void)bytes;
#endif
}

// Pooled sizes are rounded up to 64 KiB so slightly different requests share blocks.
constexpr size_t kGranule = size_t{64} << 10;
}  // namespace

HostBufferPool::~HostBufferPool() {
  for (const Block& b : free_) {
    unpoison(b.p, b.bytes);
    std::free(b.p);
  }
  for (const auto& [p, bytes] : in_use_) std::free(p);  // contract breach; at least do not leak
}

void* HostBufferPool::acquire(size_t bytes) {
  if (bytes < kMinBytes) return std::aligned_alloc(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
  if (bytes > SIZE_MAX - kGranule) return nullptr;
  const size_t want = (bytes + kGranule - 1) / kGranule * kGranule;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->bytes >= want && it->bytes / 2 <= want && (best == free_.end() || it->bytes < best->bytes)) best = it;
    if (best != free_.end()) {
      const Block b = *best;
      free_.erase(best);
      retained_ -= b.bytes;
      in_use_.emplace(b.p, b.bytes);
      unpoison(b.p, b.bytes);
      return b.p;
    }
  }
  void* p = std::aligned_alloc(kAlignment, want);
  if (!p) return nullptr;
  std::lock_guard<std::mutex> lk(mu_);
  in_use_.emplace(p, want);
  return p;
}

void HostBufferPool::release(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lk(mu_);
  auto it = in_use_.find(p);
  if (it == in_use_.end()) {  // a small block from aligned_alloc
    std::free(p);
    return;
  }
  const size_t bytes = it->second;
  in_use_.erase(it);
  if (bytes > max_retained_) {
    std::free(p);
    return;
  }
  poison(p, bytes);
  free_.push_back(Block{p, bytes});
  retained_ += bytes;
  trim_locked();
}

void HostBufferPool::trim_locked() {
  while (retained_ > max_retained_ && !free_.empty()) {
    retained_ -= free_.front().bytes;
    unpoison(free_.front().p, free_.front().bytes);
    std::free(free_.front().p);
    free_.pop_front();
  }
}

HostAllocator HostBufferPool::allocator() {
  HostAllocator a;
  a.user = this;
  a.alloc = [](void* user, size_t bytes, size_t alignment) -> void* {
    if (alignment > kAlignment) return nullptr;
    return static_cast<HostBufferPool*>(user)->acquire(bytes);
  };
  a.free = [](void* user, void* p) { static_cast<HostBufferPool*>(user)->release(p); };
  return a;
}

size_t HostBufferPool::retained_bytes() const {
  std::lock_guard<std::mutex> lk(mu_);
  return retained_;
}

size_t HostBufferPool::outstanding_blocks() const {
  std::lock_guard<std::mutex> lk(mu_);
  return in_use_.size();
}

}  // namespace nmc
