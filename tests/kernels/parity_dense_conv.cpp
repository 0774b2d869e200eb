// Parity: conv1d, conv2d, conv_transpose1d, conv_transpose2d on every backend
// against the reference (groups, strides, dilation, asymmetric/causal padding,
// reflect/replicate padding, crops and output padding). Each case also checks
// that the CPU fast path takes the case instead of declining to the reference.
#include <cstring>

#include "cpu/cpu_dense_ops.h"
#include "nmc/kernels/buffer_pool.h"
#include "nmc/kernels/cpu_features.h"
#include "parity_dense_util.h"

namespace nmc::test {
namespace {

NMC_PARITY_OPS("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d");

// f32 sums of up to C/g * KH * KW ~ 300 terms of magnitude <= 1 vs a double reference.
constexpr double kAtol = 1e-4, kRtol = 1e-4;

int64_t conv_len(int64_t in, int pb, int pe, int d, int64_t k, int s) { return (in + pb + pe - d * (k - 1) - 1) / s + 1; }
int64_t deconv_len(int64_t in, int cb, int ce, int op, int d, int64_t k, int s) {
  return (in - 1) * s + d * (k - 1) + 1 - cb - ce + op;
}

// Runs `op` through the dispatcher on all backends, and directly on the CPU
// fast path, which must accept it (`fast` returns its Status).
template <class Args, class Call, class Direct>
void conv_parity(const std::string& what, const Args& params, Tensor& x, Tensor& w, Tensor* bias, const Shape& os,
                 Call call, Direct direct_cpu) {
  const Tensor want = dense::parity(what, [&](const Exec& ex, const auto& dev, Tensor& out) {
    Tensor dx = dev(x), dw = dev(w);
    Tensor db = bias ? dev(*bias) : Tensor();
    Args a = params;
    a.x = &dx;
    a.w = &dw;
    a.bias = bias ? &db : nullptr;
    a.out = &out;
    return call(ex, a);
  }, os, kAtol, kRtol);
  ThreadPool pool(2);
  Tensor out = zeros(os);
  Args a = params;
  a.x = &x;
  a.w = &w;
  a.bias = bias;
  a.out = &out;
  const Status s = direct_cpu(Exec{&cpu_backend(), &pool}, a);
  INFO(what << ": cpu fast path: " << s.to_string());
  REQUIRE(s.ok());
  dense::require_close(out, want, kAtol, kRtol, what + " (cpu fast path)");
}

struct C2 {
  int64_t n, c, h, w, o, kh, kw;
  int sh, sw, dh, dw, groups, pt, pb, pl, pr;
  PadMode mode;
  bool bias;
};

void conv2d_case(const C2& c, std::mt19937& rng) {
  Tensor x = random_tensor(Shape{c.n, c.c, c.h, c.w}, DType::kF32, rng);
  Tensor w = random_tensor(Shape{c.o, c.c / c.groups, c.kh, c.kw}, DType::kF32, rng);
  Tensor b = random_tensor(Shape{c.o}, DType::kF32, rng);
  Conv2dArgs p;
  p.stride_h = c.sh; p.stride_w = c.sw; p.dilation_h = c.dh; p.dilation_w = c.dw; p.groups = c.groups;
  p.pad_top = c.pt; p.pad_bottom = c.pb; p.pad_left = c.pl; p.pad_right = c.pr; p.pad_mode = c.mode;
  const Shape os{c.n, c.o, conv_len(c.h, c.pt, c.pb, c.dh, c.kh, c.sh), conv_len(c.w, c.pl, c.pr, c.dw, c.kw, c.sw)};
  const std::string what = "conv2d x" + x.shape().to_string() + " w" + w.shape().to_string() + " s" +
                           std::to_string(c.sh) + "," + std::to_string(c.sw) + " d" + std::to_string(c.dh) + "," +
                           std::to_string(c.dw) + " g" + std::to_string(c.groups) + " mode " +
                           std::to_string(static_cast<int>(c.mode));
  conv_parity(what, p, x, w, c.bias ? &b : nullptr, os,
              [](const Exec& ex, const Conv2dArgs& a) { return ops::conv2d(ex, a); },
              [](const Exec& ex, const Conv2dArgs& a) { return cpu::conv2d(ex, a); });
}

TEST_CASE("conv2d parity", "[parity][dense][conv]") {
  std::mt19937 rng(201);
  const auto Z = PadMode::kZeros, R = PadMode::kReflect, P = PadMode::kReplicate;
  conv2d_case({1, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, Z, true}, rng);   // same padding
  conv2d_case({2, 8, 13, 10, 6, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 2, Z, true}, rng);  // stride 2, groups 2
  conv2d_case({1, 4, 12, 12, 8, 3, 3, 1, 2, 2, 3, 1, 2, 1, 0, 3, Z, false}, rng); // dilation, asymmetric
  conv2d_case({1, 6, 8, 9, 6, 3, 3, 1, 1, 1, 1, 6, 1, 1, 1, 1, Z, true}, rng);    // depthwise
  conv2d_case({2, 5, 7, 6, 4, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, Z, true}, rng);    // 1x1
  conv2d_case({1, 3, 10, 9, 4, 3, 5, 2, 1, 1, 1, 1, 1, 2, 2, 1, R, true}, rng);   // reflect
  conv2d_case({1, 4, 7, 8, 4, 5, 3, 1, 2, 1, 1, 2, 3, 1, 1, 2, P, true}, rng);    // replicate, groups 2
  // <= 4 input channels, groups 1, no dilation: the CPU backend's im2col + matmul path.
  conv2d_case({1, 3, 40, 36, 16, 5, 5, 2, 2, 1, 1, 1, 2, 2, 2, 2, Z, true}, rng);  // an image codec's first layer
  conv2d_case({2, 1, 11, 13, 7, 5, 3, 3, 2, 1, 1, 1, 2, 0, 1, 3, Z, false}, rng); // batch 2, stride 3/2, asymmetric
  conv2d_case({1, 2, 9, 8, 5, 4, 2, 1, 1, 1, 1, 1, 3, 3, 1, 1, Z, true}, rng);    // padding wider than the taps
}

struct C1 {
  int64_t n, c, l, o, k;
  int s, d, groups, pb, pe;
  PadMode mode;
  bool bias;
};

void conv1d_case(const C1& c, std::mt19937& rng) {
  Tensor x = random_tensor(Shape{c.n, c.c, c.l}, DType::kF32, rng);
  Tensor w = random_tensor(Shape{c.o, c.c / c.groups, c.k}, DType::kF32, rng);
  Tensor b = random_tensor(Shape{c.o}, DType::kF32, rng);
  Conv1dArgs p;
  p.stride = c.s; p.dilation = c.d; p.groups = c.groups; p.pad_begin = c.pb; p.pad_end = c.pe; p.pad_mode = c.mode;
  const Shape os{c.n, c.o, conv_len(c.l, c.pb, c.pe, c.d, c.k, c.s)};
  const std::string what = "conv1d x" + x.shape().to_string() + " w" + w.shape().to_string() + " s" +
                           std::to_string(c.s) + " d" + std::to_string(c.d) + " pad " + std::to_string(c.pb) + "," +
                           std::to_string(c.pe) + " mode " + std::to_string(static_cast<int>(c.mode));
  conv_parity(what, p, x, w, c.bias ? &b : nullptr, os,
              [](const Exec& ex, const Conv1dArgs& a) { return ops::conv1d(ex, a); },
              [](const Exec& ex, const Conv1dArgs& a) { return cpu::conv1d(ex, a); });
}

TEST_CASE("conv1d parity", "[parity][dense][conv]") {
  std::mt19937 rng(202);
  const auto Z = PadMode::kZeros, R = PadMode::kReflect, P = PadMode::kReplicate;
  conv1d_case({2, 4, 37, 6, 7, 1, 1, 1, 6, 0, Z, true}, rng);    // causal K=7
  conv1d_case({1, 8, 50, 8, 3, 1, 3, 2, 6, 0, R, true}, rng);    // causal, dilation 3, reflect, groups 2
  conv1d_case({1, 6, 41, 12, 4, 2, 1, 3, 1, 2, P, false}, rng);  // stride 2, groups 3, replicate
  conv1d_case({3, 5, 16, 7, 5, 3, 1, 1, 2, 2, Z, true}, rng);    // stride 3 symmetric
  conv1d_case({1, 16, 24, 16, 3, 1, 1, 16, 1, 1, R, true}, rng); // depthwise reflect
}

struct T2 {
  int64_t n, c, h, w, o, kh, kw;
  int sh, sw, dh, dw, groups, ct, cb, cl, cr, oph, opw;
  bool bias;
};

void deconv2d_case(const T2& c, std::mt19937& rng) {
  Tensor x = random_tensor(Shape{c.n, c.c, c.h, c.w}, DType::kF32, rng);
  Tensor w = random_tensor(Shape{c.c, c.o / c.groups, c.kh, c.kw}, DType::kF32, rng);
  Tensor b = random_tensor(Shape{c.o}, DType::kF32, rng);
  ConvTranspose2dArgs p;
  p.stride_h = c.sh; p.stride_w = c.sw; p.dilation_h = c.dh; p.dilation_w = c.dw; p.groups = c.groups;
  p.crop_top = c.ct; p.crop_bottom = c.cb; p.crop_left = c.cl; p.crop_right = c.cr;
  p.output_padding_h = c.oph; p.output_padding_w = c.opw;
  const Shape os{c.n, c.o, deconv_len(c.h, c.ct, c.cb, c.oph, c.dh, c.kh, c.sh),
                 deconv_len(c.w, c.cl, c.cr, c.opw, c.dw, c.kw, c.sw)};
  const std::string what = "conv_transpose2d x" + x.shape().to_string() + " w" + w.shape().to_string() + " s" +
                           std::to_string(c.sh) + " g" + std::to_string(c.groups) + " op" + std::to_string(c.oph);
  conv_parity(what, p, x, w, c.bias ? &b : nullptr, os,
              [](const Exec& ex, const ConvTranspose2dArgs& a) { return ops::conv_transpose2d(ex, a); },
              [](const Exec& ex, const ConvTranspose2dArgs& a) { return cpu::conv_transpose2d(ex, a); });
}

TEST_CASE("conv_transpose2d parity", "[parity][dense][conv]") {
  std::mt19937 rng(203);
  deconv2d_case({1, 4, 6, 5, 3, 5, 5, 2, 2, 1, 1, 1, 2, 2, 2, 2, 1, 1, true}, rng);  // CompressAI-style up x2
  deconv2d_case({2, 6, 5, 7, 4, 3, 3, 2, 1, 1, 1, 2, 1, 1, 0, 0, 1, 0, true}, rng);  // groups 2
  deconv2d_case({1, 3, 4, 4, 5, 3, 2, 3, 2, 2, 1, 1, 0, 2, 1, 0, 0, 1, false}, rng); // dilation, crops
  deconv2d_case({1, 5, 3, 3, 5, 4, 4, 2, 2, 1, 1, 5, 1, 1, 1, 1, 0, 0, true}, rng);  // depthwise
  // <= 4 output channels, groups 1, no dilation: the CPU backend's matmul + col2im path.
  deconv2d_case({1, 24, 9, 11, 3, 5, 5, 2, 2, 1, 1, 1, 2, 2, 2, 2, 1, 1, true}, rng);   // an image codec's last layer
  deconv2d_case({2, 5, 4, 6, 2, 3, 4, 3, 2, 1, 1, 1, 0, 2, 3, 1, 2, 0, false}, rng);    // batch 2, stride 3/2, crops
  deconv2d_case({1, 7, 5, 5, 1, 2, 2, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, true}, rng);     // stride 1, one channel
}

struct T1 {
  int64_t n, c, l, o, k;
  int s, d, groups, cb, ce, op;
  bool bias;
};

void deconv1d_case(const T1& c, std::mt19937& rng) {
  Tensor x = random_tensor(Shape{c.n, c.c, c.l}, DType::kF32, rng);
  Tensor w = random_tensor(Shape{c.c, c.o / c.groups, c.k}, DType::kF32, rng);
  Tensor b = random_tensor(Shape{c.o}, DType::kF32, rng);
  ConvTranspose1dArgs p;
  p.stride = c.s; p.dilation = c.d; p.groups = c.groups; p.crop_begin = c.cb; p.crop_end = c.ce;
  p.output_padding = c.op;
  const Shape os{c.n, c.o, deconv_len(c.l, c.cb, c.ce, c.op, c.d, c.k, c.s)};
  const std::string what = "conv_transpose1d x" + x.shape().to_string() + " w" + w.shape().to_string() + " s" +
                           std::to_string(c.s) + " crop " + std::to_string(c.cb) + "," + std::to_string(c.ce);
  conv_parity(what, p, x, w, c.bias ? &b : nullptr, os,
              [](const Exec& ex, const ConvTranspose1dArgs& a) { return ops::conv_transpose1d(ex, a); },
              [](const Exec& ex, const ConvTranspose1dArgs& a) { return cpu::conv_transpose1d(ex, a); });
}

TEST_CASE("conv_transpose1d parity", "[parity][dense][conv]") {
  std::mt19937 rng(204);
  deconv1d_case({2, 8, 13, 4, 16, 8, 1, 1, 0, 8, 0, true}, rng);  // SEANet-style causal trim (all at the end)
  deconv1d_case({1, 6, 9, 6, 4, 2, 1, 2, 1, 1, 1, true}, rng);    // groups 2, output padding
  deconv1d_case({1, 3, 7, 5, 3, 3, 2, 1, 2, 0, 1, false}, rng);   // dilation 2, stride 3
  deconv1d_case({2, 4, 10, 4, 1, 1, 1, 1, 0, 0, 0, true}, rng);   // K = 1
}

TEST_CASE("convolutions reject bad arguments", "[dense][conv]") {
  std::mt19937 rng(205);
  Tensor x = random_tensor(Shape{1, 4, 8, 8}, DType::kF32, rng);
  Tensor w = random_tensor(Shape{6, 4, 3, 3}, DType::kF32, rng);
  Tensor wg = random_tensor(Shape{6, 3, 3, 3}, DType::kF32, rng);
  Tensor x1 = random_tensor(Shape{1, 4, 5}, DType::kF32, rng);
  Tensor w1 = random_tensor(Shape{4, 4, 3}, DType::kF32, rng);
  dense::require_invalid("conv2d wrong out shape", [&](const Exec& ex, const auto&, Tensor& out) {
    Conv2dArgs a;
    a.x = &x; a.w = &w; a.out = &out;
    return ops::conv2d(ex, a);
  }, Shape{1, 6, 7, 6});
  dense::require_invalid("conv2d channels vs groups", [&](const Exec& ex, const auto&, Tensor& out) {
    Conv2dArgs a;
    a.x = &x; a.w = &wg; a.out = &out; a.groups = 2;
    return ops::conv2d(ex, a);
  }, Shape{1, 6, 6, 6});
  dense::require_invalid("conv2d zero stride", [&](const Exec& ex, const auto&, Tensor& out) {
    Conv2dArgs a;
    a.x = &x; a.w = &w; a.out = &out; a.stride_h = 0;
    return ops::conv2d(ex, a);
  }, Shape{1, 6, 6, 6});
  dense::require_invalid("conv1d reflect pad >= length", [&](const Exec& ex, const auto&, Tensor& out) {
    Conv1dArgs a;
    a.x = &x1; a.w = &w1; a.out = &out; a.pad_begin = 5; a.pad_mode = PadMode::kReflect;
    return ops::conv1d(ex, a);
  }, Shape{1, 4, 8});
  dense::require_invalid("conv_transpose1d output_padding >= stride", [&](const Exec& ex, const auto&, Tensor& out) {
    ConvTranspose1dArgs a;
    a.x = &x1; a.w = &w1; a.out = &out; a.stride = 2; a.output_padding = 2;
    return ops::conv_transpose1d(ex, a);
  }, Shape{1, 4, 13});
}

}  // namespace
TEST_CASE("conv2d / conv_transpose2d with Exec::allow_bf16", "[dense][conv][bf16]") {
  if (!cpu_features().avx512bf16) {
    WARN("no native bf16 on this CPU: allow_bf16 computes in f32, nothing to compare");
    return;
  }
  std::mt19937 rng(404);
  ThreadPool one(1), two(2);
  HostBufferPool buffers(size_t{64} << 20);
  struct Case {
    int64_t c, o;
    bool transposed;
  };
  // 32 -> 32 runs in oneDNN's bf16 kernels; 3 -> 32 as bf16 im2col + matmul.
  for (const Case& k : {Case{32, 32, false}, Case{32, 32, true}, Case{3, 32, false}}) {
    INFO("C " << k.c << " O " << k.o << " transposed " << k.transposed);
    Tensor x = random_tensor(Shape{1, k.c, 24, 20}, DType::kF32, rng);
    Tensor w = random_tensor(k.transposed ? Shape{k.c, k.o, 5, 5} : Shape{k.o, k.c, 5, 5}, DType::kF32, rng);
    Tensor b = random_tensor(Shape{k.o}, DType::kF32, rng);
    const Shape os = k.transposed ? Shape{1, k.o, 48, 40} : Shape{1, k.o, 12, 10};
    auto run = [&](ThreadPool& pool, bool bf16, HostBufferPool* temps) {
      Tensor out = zeros(os);
      Exec ex{&cpu_backend(), &pool, bf16};
      ex.buffers = temps;
      Status st;
      if (k.transposed) {
        ConvTranspose2dArgs a;
        a.x = &x; a.w = &w; a.bias = &b; a.out = &out;
        a.stride_h = a.stride_w = 2; a.crop_top = a.crop_bottom = a.crop_left = a.crop_right = 2;
        a.output_padding_h = a.output_padding_w = 1;
        st = cpu::conv_transpose2d(ex, a);
      } else {
        Conv2dArgs a;
        a.x = &x; a.w = &w; a.bias = &b; a.out = &out;
        a.stride_h = a.stride_w = 2; a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = 2;
        st = cpu::conv2d(ex, a);
      }
      REQUIRE(st.ok());
      return out;
    };
    const Tensor exact = run(two, false, nullptr), fast1 = run(one, true, nullptr), fast2 = run(two, true, &buffers);
    // Same bits for any thread count and with pooled temporaries; close to f32: bf16 operands (8-bit
    // mantissa) over up to 800 products.
    CHECK(std::memcmp(fast1.data<float>(), fast2.data<float>(), fast1.numel() * sizeof(float)) == 0);
    double max_err = 0, max_abs = 0;
    bool differs = false;
    for (int64_t i = 0; i < exact.numel(); ++i) {
      const double e = exact.data<float>()[i], f = fast1.data<float>()[i];
      max_err = std::max(max_err, std::abs(e - f));
      max_abs = std::max(max_abs, std::abs(e));
      differs = differs || e != f;
    }
    CHECK(differs);  // bf16 was really used
    CHECK(max_err < 0.02 * max_abs);
  }
  CHECK(buffers.outstanding_blocks() == 0);
}

}  // namespace nmc::test
