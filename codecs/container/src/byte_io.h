// Little-endian integer loads and stores for the container's byte layouts.
// Loads read exactly sizeof(T) bytes from `p`; the caller has checked bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nmc::container::detail {

template <class T>
T load_le(const uint8_t* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(p[i]) << (8 * i));
  return v;
}

template <class T>
void append_le(std::vector<uint8_t>& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace nmc::container::detail
