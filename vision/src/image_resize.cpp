#include "nmc/vision/image_resize.h"

#include <cmath>
#include <cstring>
#include <string>

namespace nmc::vision {

namespace {

constexpr int64_t kMaxSide = 65535;
constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's fixed-point weights

bool side_ok(int64_t v) { return v >= 1 && v <= kMaxSide; }

double bicubic(double x) {  // a = -0.5, support 2
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// Per output pixel of one axis: the first source index, the tap count and
// ksize fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> w;  // [out][ksize]
};

Coeffs coefficients(int64_t in_size, int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 2.0 * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(static_cast<size_t>(out_size));
  c.count.resize(static_cast<size_t>(out_size));
  c.w.assign(static_cast<size_t>(out_size * c.ksize), 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  for (int64_t xx = 0; xx < out_size; ++xx) {
    const double center = (static_cast<double>(xx) + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int64_t xmin = static_cast<int64_t>(center - support + 0.5);  // truncation, as PIL's (int) cast
    if (xmin < 0) xmin = 0;
    int64_t xmax = static_cast<int64_t>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int64_t x = 0; x < xmax; ++x) {
      k[static_cast<size_t>(x)] = bicubic((static_cast<double>(x + xmin) - center + 0.5) * ss);
      ww += k[static_cast<size_t>(x)];
    }
    int32_t* out = c.w.data() + xx * c.ksize;
    for (int64_t x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[static_cast<size_t>(x)] / ww : k[static_cast<size_t>(x)];
      out[x] = static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
    }
    c.first[static_cast<size_t>(xx)] = static_cast<int>(xmin);
    c.count[static_cast<size_t>(xx)] = static_cast<int>(xmax);
  }
  return c;
}

inline uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

Result<RgbImage> resize_rgb(const RgbView& src, int64_t width, int64_t height) {
  if (!src.data || !side_ok(src.width) || !side_ok(src.height) || src.stride < src.width * 3)
    return InvalidArgument("resize: the source image is empty, null or has a bad stride");
  if (!side_ok(width) || !side_ok(height))
    return InvalidArgument("resize: target size " + std::to_string(width) + "x" + std::to_string(height) +
                           " is outside [1, 65535]");
  // Horizontal pass over the source rows the vertical pass reads (all of them
  // when the height is unchanged), 8-bit result; then the vertical pass.
  const bool horizontal = width != src.width, vertical = height != src.height;
  const Coeffs ch = coefficients(src.width, width);
  const Coeffs cv = coefficients(src.height, height);
  const int64_t row_first = vertical ? cv.first.front() : 0;
  const int64_t row_last = vertical ? cv.first.back() + cv.count.back() : src.height;

  std::vector<uint8_t> mid;
  const uint8_t* rows = src.data;
  int64_t rows_stride = src.stride, rows_offset = 0;
  if (horizontal) {
    const int64_t n = row_last - row_first;
    mid.resize(static_cast<size_t>(n * width * 3));
    for (int64_t y = 0; y < n; ++y) {
      const uint8_t* in = src.data + (y + row_first) * src.stride;
      uint8_t* out = mid.data() + y * width * 3;
      for (int64_t xx = 0; xx < width; ++xx) {
        const int32_t* k = ch.w.data() + xx * ch.ksize;
        const uint8_t* p = in + static_cast<int64_t>(ch.first[static_cast<size_t>(xx)]) * 3;
        int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
        for (int x = 0; x < ch.count[static_cast<size_t>(xx)]; ++x) {
          s0 += p[x * 3 + 0] * k[x];
          s1 += p[x * 3 + 1] * k[x];
          s2 += p[x * 3 + 2] * k[x];
        }
        out[xx * 3 + 0] = clip8(s0);
        out[xx * 3 + 1] = clip8(s1);
        out[xx * 3 + 2] = clip8(s2);
      }
    }
    rows = mid.data();
    rows_stride = width * 3;
    rows_offset = row_first;
  }

  RgbImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(static_cast<size_t>(width * height * 3));
  const int64_t row_bytes = width * 3;
  if (!vertical) {  // rows_offset is 0: every source row was used
    for (int64_t y = 0; y < height; ++y)
      std::memcpy(out.pixels.data() + y * row_bytes, rows + y * rows_stride, static_cast<size_t>(row_bytes));
    return out;
  }
  for (int64_t yy = 0; yy < height; ++yy) {
    const int32_t* k = cv.w.data() + yy * cv.ksize;
    const int64_t y0 = cv.first[static_cast<size_t>(yy)] - rows_offset;
    uint8_t* o = out.pixels.data() + yy * row_bytes;
    for (int64_t xb = 0; xb < row_bytes; ++xb) {
      int32_t s = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < cv.count[static_cast<size_t>(yy)]; ++y) s += rows[(y0 + y) * rows_stride + xb] * k[y];
      o[xb] = clip8(s);
    }
  }
  return out;
}

}  // namespace nmc::vision
