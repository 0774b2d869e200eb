// HostBufferPool: a thread-safe cache of large host buffers.
//
// Fresh large allocations come from the kernel as untouched pages, and the
// first write to each 4 KiB page faults: for a transform that streams tens of
// megabytes through a few layers, those faults cost as much as the arithmetic.
// A pool hands freed blocks back out instead. Requests below kMinBytes are
// served by aligned_alloc directly; larger ones reuse the smallest retained
// block that fits (at most twice the request), or allocate a new one.
// Released blocks are kept while the retained total stays within the cap given
// at construction; beyond it the oldest are freed.
//
// Thread safety: all members may be called concurrently. Every block acquired
// must be released (with its pointer) before the pool is destroyed.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <unordered_map>

#include "nmc/kernels/tensor.h"

namespace nmc {

class HostBufferPool {
 public:
  static constexpr size_t kMinBytes = size_t{1} << 20;
  static constexpr size_t kAlignment = 64;

  explicit HostBufferPool(size_t max_retained_bytes) : max_retained_(max_retained_bytes) {}
  ~HostBufferPool();
  HostBufferPool(const HostBufferPool&) = delete;
  HostBufferPool& operator=(const HostBufferPool&) = delete;

  // A kAlignment-aligned block of at least `bytes` bytes with unspecified
  // contents, or nullptr when memory is exhausted.
  void* acquire(size_t bytes);
  // Returns a block from acquire(). nullptr is ignored.
  void release(void* p);

  // An allocator for Tensor::zeros that draws from this pool (the pool must
  // outlive the tensors).
  HostAllocator allocator();

  size_t retained_bytes() const;
  size_t outstanding_blocks() const;

 private:
  struct Block {
    void* p;
    size_t bytes;
  };
  void trim_locked();

  const size_t max_retained_;
  mutable std::mutex mu_;
  std::list<Block> free_;                         // oldest first
  std::unordered_map<void*, size_t> in_use_;      // pooled blocks handed out -> size
  size_t retained_ = 0;
};

}  // namespace nmc
