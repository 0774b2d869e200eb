// Parity: matmul on every backend against the reference (f32, bf16 and f16
// weights, trans_b, bias/alpha, batch broadcast, strided views, M = 1 GEMV).
#include <cmath>

#include "cpu/cpu_dense_ops.h"
#include "parity_dense_util.h"

namespace nmc::test {
namespace {

NMC_PARITY_OPS("matmul");

using dense::parity;

// f32 accumulation over K terms of magnitude <= 1 against a double reference.
constexpr double kAtol = 1e-4, kRtol = 1e-4;

struct MatmulCase {
  Shape a, b;
  bool trans_b = false;
  bool bias = false;
  float alpha = 1.0f;
  DType wtype = DType::kF32;
};

Shape out_shape(const MatmulCase& c) {
  const int rank = std::max(c.a.rank, c.b.rank);
  Shape o;
  o.rank = rank;
  for (int i = 0; i < rank - 2; ++i) {
    const int ia = i - (rank - c.a.rank), ib = i - (rank - c.b.rank);
    const int64_t da = ia >= 0 ? c.a[ia] : 1, db = ib >= 0 ? c.b[ib] : 1;
    o[i] = da == 1 ? db : da;
  }
  o[rank - 2] = c.a.at(-2);
  o[rank - 1] = c.trans_b ? c.b.at(-2) : c.b.at(-1);
  return o;
}

// Rounds every element of an f32 tensor to the nearest bf16 value (so a bf16
// matmul path that converts `a` is exact).
void round_to_bf16(Tensor& t) {
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = bf16_to_f32(f32_to_bf16(p[i]));
}

void run_case(const MatmulCase& c, std::mt19937& rng, double atol = kAtol, double rtol = kRtol,
              bool bf16_exact_a = true) {
  Tensor a = random_tensor(c.a, DType::kF32, rng);
  if (c.wtype == DType::kBF16 && bf16_exact_a) round_to_bf16(a);
  Tensor b = random_tensor(c.b, c.wtype, rng);
  const int64_t n = c.trans_b ? c.b.at(-2) : c.b.at(-1);
  Tensor bias = random_tensor(Shape{n}, DType::kF32, rng);
  const std::string what = "matmul a" + c.a.to_string() + " b" + c.b.to_string() + " " + dtype_name(c.wtype) +
                           (c.trans_b ? " trans_b" : "") + (c.bias ? " bias" : "") +
                           " alpha=" + std::to_string(c.alpha);
  parity(what, [&](const Exec& ex, const auto& dev, Tensor& out) {
    Tensor da = dev(a), db = dev(b), dbias = dev(bias);
    MatmulArgs args{&da, &db, c.bias ? &dbias : nullptr, &out, c.trans_b, c.alpha};
    return ops::matmul(ex, args);
  }, out_shape(c), atol, rtol);
  // The CPU fast path (GEMV or oneDNN) must take every case here, not decline it.
  ThreadPool pool(2);
  Tensor out = zeros(out_shape(c));
  const Status s = cpu::matmul(Exec{&cpu_backend(), &pool}, MatmulArgs{&a, &b, c.bias ? &bias : nullptr, &out,
                                                                        c.trans_b, c.alpha});
  INFO(what << ": cpu fast path: " << s.to_string());
  REQUIRE(s.ok());
}

TEST_CASE("matmul f32 parity", "[parity][dense][matmul]") {
  std::mt19937 rng(101);
  run_case({Shape{37, 53}, Shape{53, 29}}, rng);
  run_case({Shape{37, 53}, Shape{29, 53}, true, true, 1.0f}, rng);
  run_case({Shape{16, 64}, Shape{64, 48}, false, true, 0.5f}, rng);
  run_case({Shape{5, 300}, Shape{70, 300}, true, true, -1.25f}, rng);
  run_case({Shape{1, 1}, Shape{1, 1}}, rng);
}

TEST_CASE("matmul batch broadcast parity", "[parity][dense][matmul]") {
  std::mt19937 rng(102);
  run_case({Shape{2, 3, 17, 24}, Shape{24, 19}}, rng);                    // shared rank-2 b
  run_case({Shape{2, 3, 17, 24}, Shape{3, 24, 19}, false, true}, rng);    // b missing a leading dim
  run_case({Shape{2, 3, 17, 24}, Shape{2, 1, 19, 24}, true}, rng);        // b broadcasts dim 1
  run_case({Shape{4, 9, 33}, Shape{4, 33, 9}}, rng);                      // batched, no broadcast
}

TEST_CASE("matmul bf16 and f16 weight parity", "[parity][dense][matmul]") {
  std::mt19937 rng(103);
  // `a` holds bf16-representable values, so bf16 x bf16 -> f32 paths are exact up to f32 sums.
  run_case({Shape{33, 64}, Shape{48, 64}, true, true, 1.0f, DType::kBF16}, rng);
  run_case({Shape{2, 7, 45}, Shape{45, 31}, false, false, 2.0f, DType::kBF16}, rng);
  run_case({Shape{33, 64}, Shape{48, 64}, true, true, 1.0f, DType::kF16}, rng);
  run_case({Shape{3, 5, 20}, Shape{3, 20, 11}, false, true, 0.5f, DType::kF16}, rng);
}

TEST_CASE("matmul bf16 weights with arbitrary f32 activations", "[parity][dense][matmul]") {
  std::mt19937 rng(104);
  // A backend may round `a` to bf16 (relative error <= 2^-9 per term). With
  // |a|, |b| < 1 and K = 256 the error is below 2^-9 * 256 / 4 = 0.125 in the
  // worst case and ~0.01 for random signs; 0.05 leaves margin while still
  // failing on any indexing or conversion bug (outputs are O(sqrt(K)) = O(10)).
  run_case({Shape{40, 256}, Shape{24, 256}, true, false, 1.0f, DType::kBF16}, rng, 0.05, 0.0, false);
}

TEST_CASE("matmul M = 1 (GEMV) parity", "[parity][dense][matmul][gemv]") {
  std::mt19937 rng(105);
  for (DType wt : {DType::kF32, DType::kBF16, DType::kF16}) {
    run_case({Shape{1, 259}, Shape{131, 259}, true, true, 0.75f, wt}, rng);  // odd K and N
    run_case({Shape{1, 7}, Shape{5, 7}, true, false, 1.0f, wt}, rng);        // K below one vector
    run_case({Shape{1, 1, 896}, Shape{200, 896}, true, true, 1.0f, wt}, rng);  // batch dim of 1
    run_case({Shape{1, 64}, Shape{64, 33}, false, true, 1.0f, wt}, rng);       // not transposed
  }
}

TEST_CASE("matmul strided views parity", "[parity][dense][matmul]") {
  std::mt19937 rng(106);
  // a: rows of a wider matrix; b: [N, K] rows of a wider [N, K + 9] weight; M = 1 and M = 6.
  for (int64_t m : {1, 6}) {
    for (DType wt : {DType::kF32, DType::kBF16}) {
      Tensor a_full = random_tensor(Shape{m, 80}, DType::kF32, rng);
      if (wt == DType::kBF16) round_to_bf16(a_full);
      Tensor b_full = random_tensor(Shape{45, 50 + 9}, wt, rng);
      Tensor a = a_full.slice(1, 10, 60).value();  // [m, 50], row stride 80
      Tensor b = b_full.slice(1, 0, 50).value();   // [45, 50], row stride 59
      parity("matmul views m=" + std::to_string(m) + " " + dtype_name(wt),
             [&](const Exec& ex, const auto&, Tensor& out) {
               MatmulArgs args{&a, &b, nullptr, &out, true, 1.0f};
               return ops::matmul(ex, args);
             },
             Shape{m, 45}, kAtol, kRtol);
    }
  }
  // A transposed view of a (unit stride on M, not K) must still be correct.
  Tensor at_full = random_tensor(Shape{30, 12}, DType::kF32, rng);
  Tensor a = at_full.permute({1, 0}).value();  // [12, 30], last-dim stride 12
  Tensor b = random_tensor(Shape{30, 8}, DType::kF32, rng);
  parity("matmul permuted a", [&](const Exec& ex, const auto&, Tensor& out) {
    MatmulArgs args{&a, &b, nullptr, &out, false, 1.0f};
    return ops::matmul(ex, args);
  }, Shape{12, 8}, kAtol, kRtol);
}

TEST_CASE("matmul reference against hand-computed values", "[dense][matmul]") {
  // [[1, 2], [3, 4]] x [[5, 6], [7, 8]] * 2 + [1, -1] = [[39, 43], [87, 99]]
  float av[] = {1, 2, 3, 4}, bv[] = {5, 6, 7, 8}, biasv[] = {1, -1};
  Tensor a = Tensor::wrap(av, Shape{2, 2}, DType::kF32);
  Tensor b = Tensor::wrap(bv, Shape{2, 2}, DType::kF32);
  Tensor bias = Tensor::wrap(biasv, Shape{2}, DType::kF32);
  for (const Backend* be : {&reference_backend(), &cpu_backend()}) {
    Tensor out = zeros(Shape{2, 2});
    REQUIRE(ops::matmul(Exec{be, nullptr}, MatmulArgs{&a, &b, &bias, &out, false, 2.0f}).ok());
    const float* o = out.data<float>();
    CHECK(o[0] == 39.0f);
    CHECK(o[1] == 43.0f);
    CHECK(o[2] == 87.0f);
    CHECK(o[3] == 99.0f);
  }
}

TEST_CASE("matmul with the same shapes and different alphas", "[parity][dense][matmul]") {
  // Primitive caches must key on alpha's value, not only on whether it is 1.
  std::mt19937 rng(108);
  for (float alpha : {0.5f, 3.0f, 0.5f, -2.0f}) {
    run_case({Shape{24, 40}, Shape{40, 17}, false, true, alpha}, rng);
    run_case({Shape{24, 40}, Shape{17, 40}, true, true, alpha, DType::kBF16}, rng);
  }
}

TEST_CASE("matmul rejects bad arguments", "[dense][matmul]") {
  std::mt19937 rng(107);
  Tensor a = random_tensor(Shape{4, 8}, DType::kF32, rng);
  Tensor b = random_tensor(Shape{9, 5}, DType::kF32, rng);
  Tensor b_ok = random_tensor(Shape{8, 5}, DType::kF32, rng);
  Tensor bias_bad = random_tensor(Shape{4}, DType::kF32, rng);
  Tensor b_i32 = zeros(Shape{8, 5}, DType::kI32);
  dense::require_invalid("inner dim mismatch", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::matmul(ex, MatmulArgs{&a, &b, nullptr, &out});
  }, Shape{4, 5});
  dense::require_invalid("wrong out shape", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::matmul(ex, MatmulArgs{&a, &b_ok, nullptr, &out});
  }, Shape{4, 6});
  dense::require_invalid("bias length", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::matmul(ex, MatmulArgs{&a, &b_ok, &bias_bad, &out});
  }, Shape{4, 5});
  dense::require_invalid("integer weights", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::matmul(ex, MatmulArgs{&a, &b_i32, nullptr, &out});
  }, Shape{4, 5});
  dense::require_invalid("missing b", [&](const Exec& ex, const auto&, Tensor& out) {
    return ops::matmul(ex, MatmulArgs{&a, nullptr, nullptr, &out});
  }, Shape{4, 5});
}

}  // namespace
}  // namespace nmc::test
