// The C ABI's opaque media handles and the helpers their shims share.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>

#include "context_impl.h"
#include "media/audio.h"
#include "media/image.h"
#include "media/video_reader.h"
#include "nmc/media.h"

struct nmc_image {
  nmc::media::Image image;
};

struct nmc_audio {
  nmc::media::Audio audio;
};

// Keeps the context it was opened with for the error messages of read/seek.
struct nmc_video_reader {
  nmc_context* ctx = nullptr;
  std::unique_ptr<nmc::media::VideoReader> reader;
};

namespace nmc::media {

// Pixel allocator for objects created on `ctx` (null: default heap).
inline const HostAllocator* allocator_of(const nmc_context* ctx) {
  return ctx && ctx->allocator.alloc ? &ctx->allocator : nullptr;
}

// Validates a caller struct's struct_size against the current layout: it
// must at least reach `reserved` and not exceed the struct.
inline bool struct_size_ok(size_t struct_size, size_t reserved_offset, size_t full_size) {
  return struct_size >= reserved_offset && struct_size <= full_size;
}

// Copies the caller's settings (possibly an older, smaller struct) over the
// defaults in `dst`.
template <class T>
inline void copy_settings(T* dst, const T* src) {
  std::memcpy(dst, src, src->struct_size);
  dst->struct_size = sizeof(T);
}

// Writes `src` to a caller output struct of `struct_size` bytes.
template <class T>
inline void copy_out(T* dst, const T& src, size_t struct_size) {
  T tmp = src;
  tmp.struct_size = struct_size;
  std::memcpy(dst, &tmp, struct_size < sizeof(T) ? struct_size : sizeof(T));
}

}  // namespace nmc::media
