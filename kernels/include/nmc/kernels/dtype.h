// Element types and scalar conversions (f16/bf16 <-> f32) used by every backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace nmc {

enum class DType : uint8_t {
  kF32 = 0,
  kF16,
  kBF16,
  kF64,
  kI8,
  kI16,
  kI32,
  kI64,
  kU8,
  kBool,
};

// Size of one element in bytes.
size_t dtype_size(DType t);
// Lower-case name: "f32", "bf16", ...
const char* dtype_name(DType t);
// Parses the names used by safetensors ("F32", "BF16", "I64", "BOOL", ...). nullopt if unknown.
std::optional<DType> dtype_from_safetensors(std::string_view name);
const char* dtype_safetensors_name(DType t);
inline bool dtype_is_float(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || t == DType::kF64;
}

// bf16: upper 16 bits of an IEEE f32, rounded to nearest even; NaN stays NaN.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// IEEE binary16 conversions, round to nearest even, with subnormals, inf and NaN.
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

}  // namespace nmc
