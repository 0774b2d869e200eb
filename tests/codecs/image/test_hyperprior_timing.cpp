// Wall-clock time of each transform for a 768 x 512 image with the q1-4 layouts
// (N = 128, M = 192) and random weights, CPU backend with 2 threads, plus the
// largest single layers at that size. Hidden ([.timing]): run with
// `nmc_test_image "[.timing]"`; it prints medians and checks only that every
// stage runs and produces finite values of the right shape.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include "hyperprior_layout.h"
#include "nmc/kernels/ops.h"
#include "nmc/kernels/thread_pool.h"

using namespace nmc;
using namespace nmc::image;
using namespace nmc::image::test;

namespace {

// Median wall time in milliseconds of `runs` calls (after one warm-up call).
double median_ms(int runs, const std::function<void()>& fn) {
  fn();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

bool all_finite(const Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(t.data<float>()[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("hyperprior stage timings, 768x512, N=128 M=192, 2 threads", "[.timing][hyperprior]") {
  const nlohmann::json layouts = load_layouts();
  ThreadPool pool(2);
  const Exec exec{&cpu_backend(), &pool};
  constexpr int kRuns = 5;
  for (const char* key : {"mbt2018-mean_q1-4_N128_M192", "bmshj2018-hyperprior_q1-5_N128_M192"}) {
    std::mt19937 rng(1234);
    const SafetensorsFile file = in_memory(layout_tensors(layouts.at(key), &rng));
    const std::string model_name = std::string(key).substr(0, std::string(key).find('_'));
    auto kind = parse_hyperprior_kind(model_name);
    REQUIRE(kind.ok());
    auto loaded = HyperpriorModel::load(file, HyperpriorConfig{*kind, 0, 0});
    REQUIRE(loaded.ok());
    const HyperpriorModel& model = *loaded;

    auto x = Tensor::zeros(Shape{1, 3, 512, 768}, DType::kF32);
    REQUIRE(x.ok());
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (int64_t i = 0; i < x->numel(); ++i) x->data<float>()[i] = u(rng);

    Tensor y, z, y_hat;
    HyperpriorParams params;
    const double t_ga = median_ms(kRuns, [&] { y = model.analysis(exec, *x).value(); });
    const double t_ha = median_ms(kRuns, [&] { z = model.hyper_analysis(exec, y).value(); });
    auto zq = model.quantize_z(z);
    REQUIRE(zq.ok());
    const double t_hs = median_ms(kRuns, [&] { params = model.hyper_synthesis(exec, zq->values).value(); });
    auto yq = model.quantize_y(y, *kind == HyperpriorKind::kMeanScaleHyperprior ? &params.means : nullptr);
    REQUIRE(yq.ok());
    Tensor x_hat;
    const double t_gs = median_ms(kRuns, [&] { x_hat = model.synthesis(exec, yq->values).value(); });
    std::printf("%s: g_a %.1f ms, h_a %.1f ms, h_s %.1f ms, g_s %.1f ms (median of %d, CPU backend, %d threads)\n",
                key, t_ga, t_ha, t_hs, t_gs, kRuns, pool.num_threads());
    CHECK(y.shape() == Shape{1, 192, 32, 48});
    CHECK(z.shape() == Shape{1, 128, 8, 12});
    CHECK(params.scales.shape() == Shape{1, 192, 32, 48});
    CHECK(x_hat.shape() == Shape{1, 3, 512, 768});
    CHECK(all_finite(y));
    CHECK(all_finite(x_hat));
  }
}

// Where g_a / g_s spend their time: the largest single layers at the same size.
TEST_CASE("hyperprior layer timings, 768x512, N=128, 2 threads", "[.timing][hyperprior]") {
  ThreadPool pool(2);
  const Exec exec{&cpu_backend(), &pool};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  auto make = [&](const Shape& shape) {
    auto t = Tensor::zeros(shape, DType::kF32);
    REQUIRE(t.ok());
    for (int64_t i = 0; i < t->numel(); ++i) t->data<float>()[i] = u(rng);
    return std::move(t).value();
  };
  const Tensor x256 = make({1, 128, 256, 384}), x128 = make({1, 128, 128, 192});
  const Tensor w = make({128, 128, 5, 5}), w3 = make({128, 3, 5, 5}), bias = make({128}), bias3 = make({3});
  Tensor beta = make({128}), gamma = make({128, 128});
  for (int64_t i = 0; i < 128; ++i) beta.data<float>()[i] = 1.0f;
  for (int64_t i = 0; i < gamma.numel(); ++i) gamma.data<float>()[i] = std::fabs(gamma.data<float>()[i]);
  Tensor gdn_out = make({1, 128, 256, 384}), conv_out = make({1, 128, 128, 192});
  Tensor deconv_out = make({1, 128, 256, 384}), rgb_out = make({1, 3, 512, 768});

  GdnArgs g{&x256, &beta, &gamma, &gdn_out, false};
  const double t_gdn = median_ms(3, [&] { REQUIRE(ops::gdn(exec, g).ok()); });
  Conv2dArgs c;
  c.x = &x256, c.w = &w, c.bias = &bias, c.out = &conv_out;
  c.stride_h = c.stride_w = 2;
  c.pad_top = c.pad_bottom = c.pad_left = c.pad_right = 2;
  const double t_conv = median_ms(3, [&] { REQUIRE(ops::conv2d(exec, c).ok()); });
  ConvTranspose2dArgs d;
  d.x = &x128, d.w = &w, d.bias = &bias, d.out = &deconv_out;
  d.stride_h = d.stride_w = 2;
  d.crop_top = d.crop_bottom = d.crop_left = d.crop_right = 2;
  d.output_padding_h = d.output_padding_w = 1;
  const double t_deconv = median_ms(3, [&] { REQUIRE(ops::conv_transpose2d(exec, d).ok()); });
  ConvTranspose2dArgs d3 = d;
  d3.x = &x256, d3.w = &w3, d3.bias = &bias3, d3.out = &rgb_out;
  const double t_deconv3 = median_ms(3, [&] { REQUIRE(ops::conv_transpose2d(exec, d3).ok()); });
  std::printf("gdn C=128 at 384x256: %.1f ms; conv5x5/2 128->128 384x256->192x128: %.1f ms; "
              "deconv5x5/2 128->128 192x128->384x256: %.1f ms; deconv5x5/2 128->3 384x256->768x512: %.1f ms\n",
              t_gdn, t_conv, t_deconv, t_deconv3);
  CHECK(std::isfinite(gdn_out.data<float>()[0]));
}
