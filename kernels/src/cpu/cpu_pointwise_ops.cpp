// CPU drivers for unary, binary, snake and GDN: validation, broadcasting
// analysis and the split over the thread pool; the arithmetic is in the ISA
// kernels (cpu_pointwise_impl.h).
#include <vector>

#include "cpu/cpu_gdn_bf16.h"
#include "cpu/cpu_pointwise_ops.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/thread_pool.h"
#include "reference/ref_pointwise_validate.h"

namespace nmc::cpu {

namespace {
constexpr int64_t kElementGrain = int64_t{1} << 14;  // elements per task, at least
constexpr const char* kNoIsa = "no AVX2/AVX-512 on this CPU";
}  // namespace

Status unary_with(const PointwiseKernels* k, const Exec& exec, const UnaryArgs& args) {
  if (!k) return Unsupported(std::string("unary: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_unary(args));
  const float* x = args.x->data<float>();
  float* y = args.out->data<float>();
  parallel_for(exec.pool, args.x->numel(), kElementGrain, [&](int64_t b, int64_t e) {
    k->unary(x + b, y + b, e - b, args.kind, args.alpha, args.beta);
  });
  return Status::Ok();
}

Status binary_with(const PointwiseKernels* k, const Exec& exec, const BinaryArgs& args) {
  if (!k) return Unsupported(std::string("binary: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_binary(args));
  const Tensor& a = *args.a;
  const Shape bstr = pointwise::broadcast_strides(a, *args.b);
  // The longest run of trailing dims where b is either contiguous like a
  // (b_step 1) or constant (b_step 0): a row of `inner` elements per kernel call.
  int64_t inner = 1, b_step = -1;
  int split = a.rank();
  for (int i = a.rank() - 1; i >= 0; --i) {
    if (a.dim(i) != 1) {
      const bool contiguous = bstr[i] == inner, constant = bstr[i] == 0;
      if (b_step == -1) b_step = contiguous ? 1 : 0;
      if (!((b_step == 1 && contiguous) || (b_step == 0 && constant))) break;
      inner *= a.dim(i);
    }
    split = i;
  }
  if (b_step == -1) b_step = 0;
  const float* pa = a.data<float>();
  const float* pb = args.b->data<float>();
  float* po = args.out->data<float>();
  parallel_for(exec.pool, a.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
    while (i < end) {
      const int64_t row = i / inner, off = i % inner;
      const int64_t n = end - i < inner - off ? end - i : inner - off;
      int64_t boff = 0, rem = row;  // b's offset of this row, from the outer dims' strides
      for (int dim = split - 1; dim >= 0; --dim) {
        boff += (rem % a.dim(dim)) * bstr[dim];
        rem /= a.dim(dim);
      }
      k->binary(pa + i, pb + boff + b_step * off, b_step, po + i, n, args.kind);
      i += n;
    }
  });
  return Status::Ok();
}

Status snake_with(const PointwiseKernels* k, const Exec& exec, const SnakeArgs& args) {
  if (!k) return Unsupported(std::string("snake: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_snake(args));
  const int64_t c = args.x->dim(1), l = args.x->dim(2), rows = args.x->dim(0) * c;
  const float* x = args.x->data<float>();
  const float* alpha = args.alpha->data<float>();
  float* y = args.out->data<float>();
  const int64_t grain = l > 0 ? (kElementGrain + l - 1) / l : rows;
  parallel_for(exec.pool, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float a = alpha[r % c];
      const auto inv = static_cast<float>(1.0 / (static_cast<double>(a) + 1e-9));
      k->snake(x + r * l, y + r * l, l, a, inv);
    }
  });
  return Status::Ok();
}

Status gdn_with(const PointwiseKernels* k, const Exec& exec, const GdnArgs& args) {
  if (!k) return Unsupported(std::string("gdn: ") + kNoIsa);
  NMC_RETURN_IF_ERROR(pointwise::validate_gdn(args));
  constexpr int64_t kPixels = 256;  // pixels per task: c * kPixels floats of squares stay in L1/L2
  static_assert(kPixels == kGdnBf16BlockPixels);
  const int64_t n = args.x->dim(0), c = args.x->dim(1), hw = args.x->dim(2) * args.x->dim(3);
  const int64_t blocks = (hw + kPixels - 1) / kPixels;
  const float* x = args.x->data<float>();
  float* y = args.out->data<float>();
  // bf16 dot products (cpu_gdn_bf16.h) under Exec::allow_bf16 on the best ISA's table.
  const bool bf16 = exec.allow_bf16 && k == pointwise_kernels() && cpu_features().avx512bf16;
  const int64_t c_pairs = (c + 1) / 2;
  std::vector<uint32_t> gamma_pairs;
  if (bf16) {
    gamma_pairs.resize(static_cast<size_t>(c * c_pairs));
    gdn_bf16_pack_gamma(args.gamma->data<float>(), c, gamma_pairs.data());
  }
  parallel_for(exec.pool, n * blocks, 1, [&](int64_t b, int64_t e) {
    // Squares of one block: f32 [c][kPixels], or bf16 channel pairs [c_pairs][kPixels].
    std::vector<float> sq(static_cast<size_t>(bf16 ? 0 : c * kPixels));
    std::vector<uint32_t> sq_pairs(static_cast<size_t>(bf16 ? c_pairs * kPixels : 0));
    for (int64_t t = b; t < e; ++t) {
      const int64_t img = t / blocks, p0 = (t % blocks) * kPixels;
      const int64_t np = hw - p0 < kPixels ? hw - p0 : kPixels;
      const int64_t off = img * c * hw + p0;
      if (bf16) {
        gdn_bf16_block(x + off, y + off, np, c, hw, args.beta->data<float>(), gamma_pairs.data(), args.inverse,
                       sq_pairs.data());
      } else {
        k->gdn(x + off, y + off, np, c, hw, args.beta->data<float>(), args.gamma->data<float>(), args.inverse,
               sq.data());
      }
    }
  });
  return Status::Ok();
}

}  // namespace nmc::cpu
