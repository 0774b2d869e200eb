// CUDA backend parity: each op the CUDA backend implements runs on device
// copies of random inputs and is compared with the reference on the host.
// Without a usable device the program exits 77, which ctest reports as skipped.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/ops.h"
#include "parity.h"

using namespace nmc;
using namespace nmc::test;

namespace {

const Backend& gpu() { return *cuda_backend(); }
Exec gpu_exec() { return Exec{cuda_backend(), nullptr}; }
Exec ref_exec() { return Exec{&reference_backend(), nullptr}; }

void expect_close(const Tensor& device_out, const Tensor& ref, double atol, double rtol) {
  REQUIRE(gpu().synchronize().ok());
  std::string where;
  const double r = tolerance_ratio(to_host(device_out, gpu()), ref, atol, rtol, &where);
  INFO(where);
  CHECK(r <= 1.0);
}

}  // namespace

TEST_CASE("cuda unary and binary match the reference", "[gpu]") {
  std::mt19937 rng(1);
  Tensor x = random_tensor({3, 5, 37}, DType::kF32, rng, -3, 3);
  for (int k = 0; k < static_cast<int>(UnaryKind::kCount); ++k) {
    const auto kind = static_cast<UnaryKind>(k);
    Tensor xin = kind == UnaryKind::kSqrt ? random_tensor({3, 5, 37}, DType::kF32, rng, 0, 3) : x;
    Tensor ref = zeros(xin.shape());
    UnaryArgs ra{&xin, &ref, kind, 0.2f, 0.5f};
    REQUIRE(ops::unary(ref_exec(), ra).ok());
    Tensor dx = to_backend(xin, gpu()), dout = gpu().zeros(xin.shape(), DType::kF32).value();
    UnaryArgs ga{&dx, &dout, kind, 0.2f, 0.5f};
    INFO("unary kind " << k);
    REQUIRE(ops::unary(gpu_exec(), ga).ok());
    expect_close(dout, ref, 1e-6, 1e-5);
  }
  Tensor b = random_tensor({5, 1}, DType::kF32, rng, 0.5f, 2.0f);
  for (int k = 0; k < static_cast<int>(BinaryKind::kCount); ++k) {
    Tensor ref = zeros(x.shape());
    BinaryArgs ra{&x, &b, &ref, static_cast<BinaryKind>(k)};
    REQUIRE(ops::binary(ref_exec(), ra).ok());
    Tensor da = to_backend(x, gpu()), db = to_backend(b, gpu()), dout = gpu().zeros(x.shape(), DType::kF32).value();
    BinaryArgs ga{&da, &db, &dout, static_cast<BinaryKind>(k)};
    REQUIRE(ops::binary(gpu_exec(), ga).ok());
    expect_close(dout, ref, 1e-6, 1e-6);
  }
}

TEST_CASE("cuda softmax and norms match the reference", "[gpu]") {
  std::mt19937 rng(2);
  for (int64_t cols : {1, 7, 256, 1000}) {
    Tensor x = random_tensor({4, 3, cols}, DType::kF32, rng, -4, 4);
    Tensor w = random_tensor({cols}, DType::kF32, rng, 0.5f, 1.5f);
    Tensor bias = random_tensor({cols}, DType::kF32, rng);
    Tensor dx = to_backend(x, gpu()), dw = to_backend(w, gpu()), db = to_backend(bias, gpu());
    Tensor ref = zeros(x.shape()), dout = gpu().zeros(x.shape(), DType::kF32).value();
    REQUIRE(ops::softmax(ref_exec(), SoftmaxArgs{&x, &ref, 0.7f}).ok());
    REQUIRE(ops::softmax(gpu_exec(), SoftmaxArgs{&dx, &dout, 0.7f}).ok());
    expect_close(dout, ref, 1e-6, 1e-5);
    REQUIRE(ops::rms_norm(ref_exec(), RmsNormArgs{&x, &w, &ref, 1e-6f}).ok());
    REQUIRE(ops::rms_norm(gpu_exec(), RmsNormArgs{&dx, &dw, &dout, 1e-6f}).ok());
    expect_close(dout, ref, 1e-5, 1e-5);
    REQUIRE(ops::layer_norm(ref_exec(), LayerNormArgs{&x, &w, &bias, &ref, 1e-5f}).ok());
    REQUIRE(ops::layer_norm(gpu_exec(), LayerNormArgs{&dx, &dw, &db, &dout, 1e-5f}).ok());
    expect_close(dout, ref, 1e-4, 1e-4);
  }
}

TEST_CASE("cuda matmul matches the reference", "[gpu]") {
  std::mt19937 rng(3);
  struct Case { Shape a, b; bool trans_b; Shape out; };
  const Case cases[] = {
      {{33, 70}, {70, 19}, false, {33, 19}},
      {{1, 896}, {300, 896}, true, {1, 300}},
      {{2, 3, 17, 40}, {40, 9}, false, {2, 3, 17, 9}},
      {{4, 8, 16}, {4, 12, 16}, true, {4, 8, 12}},
  };
  for (const auto& c : cases) {
    Tensor a = random_tensor(c.a, DType::kF32, rng), b = random_tensor(c.b, DType::kF32, rng);
    Tensor bias = random_tensor({c.out.at(-1)}, DType::kF32, rng);
    Tensor ref = zeros(c.out);
    REQUIRE(ops::matmul(ref_exec(), MatmulArgs{&a, &b, &bias, &ref, c.trans_b, 0.5f}).ok());
    Tensor da = to_backend(a, gpu()), dbm = to_backend(b, gpu()), dbias = to_backend(bias, gpu());
    Tensor dout = gpu().zeros(c.out, DType::kF32).value();
    // cuBLAS may use TF32 on sm_80+ only when asked; the default is full f32.
    REQUIRE(ops::matmul(gpu_exec(), MatmulArgs{&da, &dbm, &dbias, &dout, c.trans_b, 0.5f}).ok());
    expect_close(dout, ref, 1e-4, 1e-4);
  }
}

TEST_CASE("cuda conv2d matches the reference", "[gpu]") {
  std::mt19937 rng(4);
  Tensor x = random_tensor({2, 6, 23, 18}, DType::kF32, rng), w = random_tensor({8, 3, 5, 5}, DType::kF32, rng);
  Tensor bias = random_tensor({8}, DType::kF32, rng);
  Conv2dArgs a;
  a.x = &x; a.w = &w; a.bias = &bias; a.stride_h = a.stride_w = 2; a.groups = 2;
  a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = 2;
  Tensor ref = zeros({2, 8, 12, 9});
  a.out = &ref;
  REQUIRE(ops::conv2d(ref_exec(), a).ok());
  Tensor dx = to_backend(x, gpu()), dw = to_backend(w, gpu()), db = to_backend(bias, gpu());
  Tensor dout = gpu().zeros(ref.shape(), DType::kF32).value();
  a.x = &dx; a.w = &dw; a.bias = &db; a.out = &dout;
  REQUIRE(ops::conv2d(gpu_exec(), a).ok());
  expect_close(dout, ref, 1e-4, 1e-4);
}

TEST_CASE("ops without a cuda implementation report unsupported", "[gpu]") {
  std::mt19937 rng(5);
  Tensor x = to_backend(random_tensor({2, 4, 3, 8}, DType::kF32, rng), gpu());
  Tensor pos = to_backend(random_tensor({4}, DType::kF32, rng), gpu());
  Tensor out = gpu().zeros(x.shape(), DType::kF32).value();
  const Status s = ops::rope(gpu_exec(), RopeArgs{&x, &pos, &out});
  CHECK(s.code() == StatusCode::kUnsupported);
}

int main(int argc, char** argv) {
  if (!cuda_backend()) {
    std::printf("CUDA backend unavailable (%s): skipped\n", cuda_unavailable_reason().c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
