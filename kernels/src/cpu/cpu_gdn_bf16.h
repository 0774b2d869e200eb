// GDN with bf16 dot products (AVX512-BF16), for Exec::allow_bf16.
//
// norm_c = beta_c + sum_j gamma[c, j] x_j^2 with x_j^2 and gamma rounded to
// bf16 (relative error <= 2^-9 each; every term is non-negative, so the norm's
// relative error is bounded by the same order) and products summed in f32 by
// vdpbf16ps, two channels per instruction; then out = x * rsqrt(norm) (GDN) or
// x * sqrt(norm) (IGDN) in f32. Each output element is computed by one thread in
// a fixed order, so results do not depend on the thread count.
#pragma once

#include <cstdint>

namespace nmc::cpu {

// Pixels per call of gdn_bf16_block (the square buffer's row length).
constexpr int64_t kGdnBf16BlockPixels = 256;

// gamma [c, c] f32 -> pairs [c][(c + 1) / 2]: bf16(gamma[c, 2i]) in the low
// half of each 32-bit word, bf16(gamma[c, 2i + 1]) (0 past the end) in the high half.
void gdn_bf16_pack_gamma(const float* gamma, int64_t c, uint32_t* pairs);

// One block of npix <= kGdnBf16BlockPixels pixels of one image: x and y point at
// pixel 0 of channel 0, channel planes `cs` floats apart. `sq` is scratch of
// (c + 1) / 2 * kGdnBf16BlockPixels words. Needs AVX512-F/BW/BF16 (caller checks).
void gdn_bf16_block(const float* x, float* y, int64_t npix, int64_t c, int64_t cs, const float* beta,
                    const uint32_t* gamma_pairs, bool inverse, uint32_t* sq);

}  // namespace nmc::cpu
