// Integer convolutions (int_conv.h): weight packing per output phase and the
// register-tiled inner loops (portable C++, AVX2 and AVX-512BW vpmaddwd,
// AVX-512 VNNI vpdpwssd). A tile is up to 16 output pixels of one phase row x 16 output
// channels; each step multiplies one pair of input channels (a 32-bit word of
// the channels-last input) with 16 pairs of weights. On AVX-512, pairs of
// output blocks share each input broadcast (tile_pair_avx512).
#include "int_conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nmc/kernels/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NMC_INT_CONV_X86 1
#endif

namespace nmc::image {
namespace {

constexpr int64_t kBlock = 16;  // output channels per block (one 512-bit accumulator)
constexpr int kMaxTile = 16;    // output pixels per tile

inline int32_t load_pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Arguments of one tile: NP pixels starting at output column x0 of a phase row.
struct TileArgs {
  const int16_t* weights;         // [tap][c_pair][16][2] of one output block
  const int16_t* const* tap_rows; // per tap: input pixel of the tile's first output pixel
  int taps;
  int64_t c_pairs;
  int64_t pixel_step;             // int16 elements between horizontally adjacent input pixels
  const int32_t* bias;            // 16 values
  int32_t* out;                   // first output pixel's 16 accumulators
  int64_t out_step;               // int32 elements between the tile's output pixels
  int64_t block_weights;          // int16 elements from this block's weights to the next block's
};

template <int NP>
void tile_portable(const TileArgs& a) {
  int32_t acc[NP][kBlock];
  for (int j = 0; j < NP; ++j)
    for (int l = 0; l < kBlock; ++l) acc[j][l] = a.bias[l];
  const int16_t* w = a.weights;
  for (int t = 0; t < a.taps; ++t) {
    const int16_t* row = a.tap_rows[t];
    for (int64_t c2 = 0; c2 < a.c_pairs; ++c2, w += 2 * kBlock) {
      for (int j = 0; j < NP; ++j) {
        const int32_t x0 = row[j * a.pixel_step + 2 * c2];
        const int32_t x1 = row[j * a.pixel_step + 2 * c2 + 1];
        for (int l = 0; l < kBlock; ++l) acc[j][l] += w[2 * l] * x0 + w[2 * l + 1] * x1;
      }
    }
  }
  for (int j = 0; j < NP; ++j) std::memcpy(a.out + j * a.out_step, acc[j], sizeof(acc[j]));
}

#ifdef NMC_INT_CONV_X86
template <int NP, bool kVnni>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_avx512(const TileArgs& a) {
  __m512i acc[NP];
  const __m512i bias = _mm512_loadu_si512(a.bias);
#pragma GCC unroll 16
  for (int j = 0; j < NP; ++j) acc[j] = bias;
  const int16_t* w = a.weights;
  for (int t = 0; t < a.taps; ++t) {
    const int16_t* row = a.tap_rows[t];
    for (int64_t c2 = 0; c2 < a.c_pairs; ++c2, w += 2 * kBlock) {
      const __m512i wv = _mm512_loadu_si512(w);
      const int16_t* px = row + 2 * c2;
#pragma GCC unroll 16
      for (int j = 0; j < NP; ++j) {
        const __m512i xv = _mm512_set1_epi32(load_pair(px + j * a.pixel_step));
        if constexpr (kVnni)
          acc[j] = _mm512_dpwssd_epi32(acc[j], xv, wv);
        else
          acc[j] = _mm512_add_epi32(acc[j], _mm512_madd_epi16(xv, wv));
      }
    }
  }
#pragma GCC unroll 16
  for (int j = 0; j < NP; ++j) _mm512_storeu_si512(a.out + j * a.out_step, acc[j]);
}

// Two adjacent output blocks (32 channels) for up to 8 pixels: each broadcast
// input pair feeds two multiplies, halving the loads per multiply of tile_avx512.
template <int NP, bool kVnni>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_pair_avx512_group(const TileArgs& a, int j0) {
  __m512i acc0[NP], acc1[NP];
  const __m512i bias0 = _mm512_loadu_si512(a.bias), bias1 = _mm512_loadu_si512(a.bias + kBlock);
#pragma GCC unroll 8
  for (int j = 0; j < NP; ++j) {
    acc0[j] = bias0;
    acc1[j] = bias1;
  }
  const int16_t* w = a.weights;
  for (int t = 0; t < a.taps; ++t) {
    const int16_t* row = a.tap_rows[t] + j0 * a.pixel_step;
    for (int64_t c2 = 0; c2 < a.c_pairs; ++c2, w += 2 * kBlock) {
      const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + a.block_weights);
      const int16_t* px = row + 2 * c2;
#pragma GCC unroll 8
      for (int j = 0; j < NP; ++j) {
        const __m512i xv = _mm512_set1_epi32(load_pair(px + j * a.pixel_step));
        if constexpr (kVnni) {
          acc0[j] = _mm512_dpwssd_epi32(acc0[j], xv, w0);
          acc1[j] = _mm512_dpwssd_epi32(acc1[j], xv, w1);
        } else {
          acc0[j] = _mm512_add_epi32(acc0[j], _mm512_madd_epi16(xv, w0));
          acc1[j] = _mm512_add_epi32(acc1[j], _mm512_madd_epi16(xv, w1));
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < NP; ++j) {
    int32_t* o = a.out + (j0 + j) * a.out_step;
    _mm512_storeu_si512(o, acc0[j]);
    _mm512_storeu_si512(o + kBlock, acc1[j]);
  }
}

template <int NP, bool kVnni>
void tile_pair_avx512(const TileArgs& a) {
  if constexpr (NP > 8) {
    for (int g = 0; g < NP; g += 8) tile_pair_avx512_group<8, kVnni>(a, g);
  } else {
    tile_pair_avx512_group<NP, kVnni>(a, 0);
  }
}

// AVX2: the 16 channels as two 8-lane halves; groups of at most 4 pixels keep
// the 8 accumulators and 2 weight vectors in the 16 ymm registers.
template <int NP>
__attribute__((target("avx2"))) void tile_avx2_group(const TileArgs& a, int j0) {
  __m256i lo[NP], hi[NP];
  const __m256i bias_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bias));
  const __m256i bias_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.bias + 8));
  for (int j = 0; j < NP; ++j) {
    lo[j] = bias_lo;
    hi[j] = bias_hi;
  }
  const int16_t* w = a.weights;
  for (int t = 0; t < a.taps; ++t) {
    const int16_t* row = a.tap_rows[t] + j0 * a.pixel_step;
    for (int64_t c2 = 0; c2 < a.c_pairs; ++c2, w += 2 * kBlock) {
      const __m256i w_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + kBlock));
      const int16_t* px = row + 2 * c2;
      for (int j = 0; j < NP; ++j) {
        const __m256i xv = _mm256_set1_epi32(load_pair(px + j * a.pixel_step));
        lo[j] = _mm256_add_epi32(lo[j], _mm256_madd_epi16(xv, w_lo));
        hi[j] = _mm256_add_epi32(hi[j], _mm256_madd_epi16(xv, w_hi));
      }
    }
  }
  for (int j = 0; j < NP; ++j) {
    int32_t* o = a.out + (j0 + j) * a.out_step;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), lo[j]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), hi[j]);
  }
}

template <int NP>
void tile_avx2(const TileArgs& a) {
  if constexpr (NP >= 4) {
    for (int g = 0; g < NP; g += 4) tile_avx2_group<4>(a, g);
  } else {
    tile_avx2_group<NP>(a, 0);
  }
}
#endif

using TileFn = void (*)(const TileArgs&);

struct TileSet {
  TileFn fn[5];                  // 16, 8, 4, 2, 1 pixels
  TileFn pair[5] = {};           // the same for two adjacent output blocks (null: none)
};

TileSet portable_tiles() {
  return {{tile_portable<16>, tile_portable<8>, tile_portable<4>, tile_portable<2>, tile_portable<1>}};
}

TileSet select_tiles(IntConvPath path) {
  if (path == IntConvPath::kAuto) {
    for (IntConvPath p : {IntConvPath::kAvx512Vnni, IntConvPath::kAvx512, IntConvPath::kAvx2})
      if (int_conv_path_supported(p)) return select_tiles(p);
    return portable_tiles();
  }
  if (!int_conv_path_supported(path)) return portable_tiles();
#ifdef NMC_INT_CONV_X86
  switch (path) {
    case IntConvPath::kAvx512Vnni:
      return {{tile_avx512<16, true>, tile_avx512<8, true>, tile_avx512<4, true>, tile_avx512<2, true>,
               tile_avx512<1, true>},
              {tile_pair_avx512<16, true>, tile_pair_avx512<8, true>, tile_pair_avx512<4, true>,
               tile_pair_avx512<2, true>, tile_pair_avx512<1, true>}};
    case IntConvPath::kAvx512:
      return {{tile_avx512<16, false>, tile_avx512<8, false>, tile_avx512<4, false>, tile_avx512<2, false>,
               tile_avx512<1, false>},
              {tile_pair_avx512<16, false>, tile_pair_avx512<8, false>, tile_pair_avx512<4, false>,
               tile_pair_avx512<2, false>, tile_pair_avx512<1, false>}};
    case IntConvPath::kAvx2:
      return {{tile_avx2<16>, tile_avx2<8>, tile_avx2<4>, tile_avx2<2>, tile_avx2<1>}};
    default:
      break;
  }
#endif
  return portable_tiles();
}

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace

bool int_conv_path_supported(IntConvPath path) {
  const CpuFeatures& f = cpu_features();
  switch (path) {
    case IntConvPath::kAuto:
    case IntConvPath::kPortable:
      return true;
#ifdef NMC_INT_CONV_X86
    case IntConvPath::kAvx2:
      return f.avx2;
    case IntConvPath::kAvx512:
      return f.avx512f && f.avx512bw;
    case IntConvPath::kAvx512Vnni:
      return f.avx512f && f.avx512bw && f.avx512vnni;
#endif
    default:
      return false;
  }
}

void I16Image::reset(int64_t height, int64_t width, int64_t c, int64_t b) {
  h = height;
  w = width;
  channels = c;
  border = b;
  c_stride = round_up(c, 2);
  data.assign(static_cast<size_t>((h + 2 * b) * (w + 2 * b) * c_stride), 0);
}

Result<IntConv> IntConv::create(const IntConvShape& shape, std::span<const int8_t> weight,
                                std::span<const int32_t> bias) {
  const int64_t k = shape.kernel;
  if (shape.c_in < 1 || shape.c_out < 1 || k < 1 || k > 7 || k % 2 == 0)
    return InvalidArgument("int conv: invalid shape (c_in " + std::to_string(shape.c_in) + ", c_out " +
                           std::to_string(shape.c_out) + ", kernel " + std::to_string(k) + ")");
  if (static_cast<int64_t>(weight.size()) != shape.c_in * shape.c_out * k * k ||
      static_cast<int64_t>(bias.size()) != shape.c_out)
    return InvalidArgument("int conv: weight or bias size does not match the shape");
  IntConv conv;
  conv.shape_ = shape;
  conv.c_in_pad_ = round_up(shape.c_in, 2);
  conv.c_out_pad_ = round_up(shape.c_out, kBlock);
  const int p = static_cast<int>(k / 2);
  const int stride = shape.transposed ? 2 : 1;
  // Weight of output o, input c, kernel position (kh, kw) in the float layout.
  auto w_at = [&](int64_t o, int64_t c, int64_t kh, int64_t kw) -> int16_t {
    const int64_t i = shape.transposed ? ((c * shape.c_out + o) * k + kh) * k + kw
                                       : ((o * shape.c_in + c) * k + kh) * k + kw;
    return weight[static_cast<size_t>(i)];
  };
  const int64_t blocks = conv.c_out_pad_ / kBlock, c_pairs = conv.c_in_pad_ / 2;
  conv.abs_sums_.assign(static_cast<size_t>(shape.c_out), 0);
  for (int ry = 0; ry < stride; ++ry) {
    for (int rx = 0; rx < stride; ++rx) {
      Phase ph;
      ph.ry = ry;
      ph.rx = rx;
      std::vector<std::pair<int, int>> positions;  // (kh, kw)
      for (int kh = 0; kh < k; ++kh) {
        for (int kw = 0; kw < k; ++kw) {
          Tap tap;
          if (shape.transposed) {
            // out[2a + r] += x[i] * w[kh] with 2i - p + kh = 2a + r: i = a + (r + p - kh) / 2.
            if ((ry + p - kh) % 2 != 0 || (rx + p - kw) % 2 != 0) continue;
            tap.dy = (ry + p - kh) / 2;
            tap.dx = (rx + p - kw) / 2;
          } else {
            tap.dy = kh - p;
            tap.dx = kw - p;
          }
          conv.border_ = std::max({conv.border_, std::abs(tap.dy), std::abs(tap.dx)});
          ph.taps.push_back(tap);
          positions.emplace_back(kh, kw);
        }
      }
      const int64_t taps = static_cast<int64_t>(ph.taps.size());
      ph.weight_offset = static_cast<int64_t>(conv.packed_.size());
      conv.packed_.resize(conv.packed_.size() + static_cast<size_t>(blocks * taps * c_pairs * 2 * kBlock), 0);
      int16_t* dst = conv.packed_.data() + ph.weight_offset;
      for (int64_t ob = 0; ob < blocks; ++ob)
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t c2 = 0; c2 < c_pairs; ++c2)
            for (int64_t l = 0; l < kBlock; ++l)
              for (int64_t j = 0; j < 2; ++j) {
                const int64_t o = ob * kBlock + l, c = 2 * c2 + j;
                if (o < shape.c_out && c < shape.c_in)
                  *dst = w_at(o, c, positions[static_cast<size_t>(t)].first, positions[static_cast<size_t>(t)].second);
                ++dst;
              }
      for (int64_t o = 0; o < shape.c_out; ++o) {
        int64_t sum = 0;
        for (int64_t c = 0; c < shape.c_in; ++c)
          for (const auto& [kh, kw] : positions) sum += std::abs(static_cast<int64_t>(w_at(o, c, kh, kw)));
        conv.abs_sums_[static_cast<size_t>(o)] = std::max(conv.abs_sums_[static_cast<size_t>(o)], sum);
      }
      conv.phases_.push_back(std::move(ph));
    }
  }
  conv.bias_.assign(static_cast<size_t>(conv.c_out_pad_), 0);
  std::copy(bias.begin(), bias.end(), conv.bias_.begin());
  return conv;
}

int64_t IntConv::accumulator_bound(int64_t act_bound) const {
  int64_t worst = 0;
  for (int64_t o = 0; o < shape_.c_out; ++o)
    worst = std::max(worst, std::abs(static_cast<int64_t>(bias_[static_cast<size_t>(o)])) +
                                abs_sums_[static_cast<size_t>(o)] * act_bound);
  return worst;
}

Status IntConv::run(const I16Image& x, std::vector<int32_t>& out, ThreadPool* pool, IntConvPath path) const {
  if (x.channels != shape_.c_in || x.border < border_ || x.h < 1 || x.w < 1 || x.c_stride != c_in_pad_ ||
      x.data.size() != static_cast<size_t>((x.h + 2 * x.border) * (x.w + 2 * x.border) * x.c_stride))
    return InvalidArgument("int conv: input image " + std::to_string(x.channels) + " x " + std::to_string(x.h) + " x " +
                           std::to_string(x.w) + " (border " + std::to_string(x.border) + ") does not fit the layer");
  const TileSet tiles = select_tiles(path);
  const int stride = shape_.transposed ? 2 : 1;
  const int64_t h = x.h, w = x.w, w_out = out_width(w);
  out.assign(static_cast<size_t>(out_height(h) * w_out * c_out_pad_), 0);
  const int64_t blocks = c_out_pad_ / kBlock, c_pairs = c_in_pad_ / 2;
  const int64_t jobs = static_cast<int64_t>(phases_.size()) * h;
  parallel_for(pool, jobs, 1, [&](int64_t begin, int64_t end) {
    std::vector<const int16_t*> rows;
    for (int64_t job = begin; job < end; ++job) {
      const Phase& ph = phases_[static_cast<size_t>(job / h)];
      const int64_t a = job % h;  // phase row = input row of tap offset 0
      const int64_t taps = static_cast<int64_t>(ph.taps.size());
      rows.resize(static_cast<size_t>(taps));
      int64_t x0 = 0;
      while (x0 < w) {
        const int64_t left = w - x0;
        const int which = left >= 16 ? 0 : left >= 8 ? 1 : left >= 4 ? 2 : left >= 2 ? 3 : 4;
        const int64_t np = int64_t{16} >> which;
        for (int64_t t = 0; t < taps; ++t)
          rows[static_cast<size_t>(t)] = x.pixel(a + ph.taps[static_cast<size_t>(t)].dy,
                                                 x0 + ph.taps[static_cast<size_t>(t)].dx);
        int32_t* out_px = out.data() + ((a * stride + ph.ry) * w_out + x0 * stride + ph.rx) * c_out_pad_;
        const int64_t block_weights = taps * c_pairs * 2 * kBlock;
        for (int64_t ob = 0; ob < blocks;) {
          TileArgs args;
          args.weights = packed_.data() + ph.weight_offset + ob * block_weights;
          args.tap_rows = rows.data();
          args.taps = static_cast<int>(taps);
          args.c_pairs = c_pairs;
          args.pixel_step = x.c_stride;
          args.bias = bias_.data() + ob * kBlock;
          args.out = out_px + ob * kBlock;
          args.out_step = stride * c_out_pad_;
          args.block_weights = block_weights;
          if (tiles.pair[which] && ob + 2 <= blocks) {
            tiles.pair[which](args);
            ob += 2;
          } else {
            tiles.fn[which](args);
            ++ob;
          }
        }
        x0 += np;
      }
    }
  });
  static_assert(kMaxTile == 16);
  return Status::Ok();
}

}  // namespace nmc::image
