// Stage-wise parity of HyperpriorModel with the CompressAI golden fixtures
// (tests/data/image/<model>/README.md): transforms within the README's
// suggested max-abs tolerances on the reference and CPU backends; quantization,
// indexes and byte strings exactly; end to end within the README's rounding risk.
#include "image_test_util.h"
#include "nmc/kernels/thread_pool.h"

using namespace nmc;
using namespace nmc::image;
using namespace nmc::image::test;

namespace {

const char* const kModels[] = {"mbt2018-mean", "bmshj2018-hyperprior"};

template <class T>
T value_of(Result<T> r) {
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("hyperprior transforms match CompressAI stage by stage", "[hyperprior][parity]") {
  ThreadPool pool(2);
  for (const char* name : kModels) {
    const Fixture fx = load_fixture(name);
    const HyperpriorModel model = load_model(fx);
    CHECK(model.n() == 64);
    CHECK(model.m() == 96);
    for (const Backend* backend : {&reference_backend(), &cpu_backend()}) {
      const Exec exec{backend, backend == &cpu_backend() ? &pool : nullptr};
      INFO(name << " on " << backend->name());

      const double err_y = max_abs_diff(value_of(model.analysis(exec, fx.get("x"))), fx.get("y"));
      CHECK(err_y <= fx.tol_y);

      const double err_z = max_abs_diff(value_of(model.hyper_analysis(exec, fx.get("y"))), fx.get("z"));
      CHECK(err_z <= fx.tol_z);

      const HyperpriorParams params = value_of(model.hyper_synthesis(exec, fx.get("z_hat")));
      const double err_scales = max_abs_diff(params.scales, fx.get("scales_hat"));
      CHECK(err_scales <= fx.tol_scales);
      if (fx.mean_scale()) {
        REQUIRE(params.means.defined());
        const double err_means = max_abs_diff(params.means, fx.get("means_hat"));
        CHECK(err_means <= fx.tol_means);
      } else {
        CHECK_FALSE(params.means.defined());
      }

      const Tensor x_hat = value_of(model.synthesis(exec, fx.get("y_hat")));
      const double err_x_hat = max_abs_diff(x_hat, fx.get("x_hat"));
      CHECK(err_x_hat <= fx.tol_x_hat);
      // The clamp is exercised by the fixture: some outputs sit exactly on 0 and 1.
      int64_t at_bounds = 0, outside = 0;
      for (int64_t i = 0; i < x_hat.numel(); ++i) {
        const float v = x_hat.data<float>()[i];
        outside += !(v >= 0.0f && v <= 1.0f);
        at_bounds += v == 0.0f || v == 1.0f;
      }
      CHECK(outside == 0);
      CHECK(at_bounds > 0);
    }
  }
}

TEST_CASE("hyperprior quantization, indexes and strings equal CompressAI's exactly", "[hyperprior][parity]") {
  for (const char* name : kModels) {
    SECTION(name) {
      const Fixture fx = load_fixture(name);
      const HyperpriorModel model = load_model(fx);

      // z around the EntropyBottleneck medians.
      const QuantizedLatent zq = value_of(model.quantize_z(fx.get("z")));
      CHECK(count_differences(zq.symbols, fx.get("z_symbols")) == 0);
      CHECK(count_differences(zq.values, fx.get("z_hat")) == 0);
      CHECK(count_differences(value_of(model.dequantize_z(fx.get("z_symbols"))), fx.get("z_hat")) == 0);

      // Gaussian table indexes from the stored scales.
      CHECK(count_differences(value_of(model.gaussian_indexes(fx.get("scales_hat"))), fx.get("indexes")) == 0);

      // y around the means (mbt2018-mean) or zero (bmshj2018-hyperprior).
      const Tensor means = fx.mean_scale() ? fx.get("means_hat") : Tensor();
      const Tensor* means_ptr = fx.mean_scale() ? &means : nullptr;
      const QuantizedLatent yq = value_of(model.quantize_y(fx.get("y"), means_ptr));
      CHECK(count_differences(yq.symbols, fx.get("y_symbols")) == 0);
      CHECK(count_differences(yq.values, fx.get("y_hat")) == 0);
      CHECK(count_differences(value_of(model.dequantize_y(fx.get("y_symbols"), means_ptr)), fx.get("y_hat")) == 0);

      // Byte strings with one rANS lane, and decoding CompressAI's strings.
      const auto z_string = bytes_of(fx.get("z_string"));
      const auto y_string = bytes_of(fx.get("y_string"));
      CHECK(value_of(model.compress_z(fx.get("z_symbols"))) == z_string);
      CHECK(value_of(model.compress_y(fx.get("y_symbols"), fx.get("indexes"))) == y_string);
      const Tensor z_symbols = fx.get("z_symbols");
      CHECK(count_differences(value_of(model.decompress_z(z_string, z_symbols.dim(2), z_symbols.dim(3))),
                              z_symbols) == 0);
      CHECK(count_differences(value_of(model.decompress_y(y_string, fx.get("indexes"))), fx.get("y_symbols")) == 0);

      // Eight lanes round-trip too (nmc's own stream layout).
      const auto z8 = value_of(model.compress_z(z_symbols, 8));
      CHECK(z8 != z_string);
      CHECK(count_differences(value_of(model.decompress_z(z8, z_symbols.dim(2), z_symbols.dim(3), 8)), z_symbols) ==
            0);
    }
  }
}

// From x alone, as compress() + decompress() would run. Discrete values can flip
// where the value before rounding lies within tolerance of a boundary; the README
// counts those candidates (Fixture::risk_*), which bound the allowed differences.
TEST_CASE("hyperprior end to end from x stays within the fixture's rounding risk", "[hyperprior][parity]") {
  ThreadPool pool(2);
  const Exec exec{&cpu_backend(), &pool};
  for (const char* name : kModels) {
    SECTION(name) {
      const Fixture fx = load_fixture(name);
      const HyperpriorModel model = load_model(fx);
      const Tensor y = value_of(model.analysis(exec, fx.get("x")));
      const Tensor z = value_of(model.hyper_analysis(exec, y));
      const QuantizedLatent zq = value_of(model.quantize_z(z));
      const int64_t z_flips = count_differences(zq.symbols, fx.get("z_symbols"));
      CHECK(z_flips <= fx.risk_z);
      const HyperpriorParams params = value_of(model.hyper_synthesis(exec, zq.values));
      const Tensor indexes = value_of(model.gaussian_indexes(params.scales));
      const int64_t index_flips = count_differences(indexes, fx.get("indexes"));
      CHECK(index_flips <= fx.risk_scales);
      const QuantizedLatent yq = value_of(model.quantize_y(y, fx.mean_scale() ? &params.means : nullptr));
      const int64_t y_flips = count_differences(yq.symbols, fx.get("y_symbols"));
      CHECK(y_flips <= fx.risk_y);

      const auto y_string = value_of(model.compress_y(yq.symbols, indexes));
      const auto z_string = value_of(model.compress_z(zq.symbols));
      INFO("z flips " << z_flips << ", index flips " << index_flips << ", y flips " << y_flips);
      if (z_flips == 0 && index_flips == 0 && y_flips == 0) {
        CHECK(y_string == bytes_of(fx.get("y_string")));
        CHECK(z_string == bytes_of(fx.get("z_string")));
      }

      // Decoder side: strings -> symbols -> x_hat.
      const Tensor z_dec = value_of(model.decompress_z(z_string, z.dim(2), z.dim(3)));
      const Tensor z_hat = value_of(model.dequantize_z(z_dec));
      const HyperpriorParams dec_params = value_of(model.hyper_synthesis(exec, z_hat));
      const Tensor dec_indexes = value_of(model.gaussian_indexes(dec_params.scales));
      CHECK(count_differences(dec_indexes, indexes) == 0);
      const Tensor y_dec = value_of(model.decompress_y(y_string, dec_indexes));
      CHECK(count_differences(y_dec, yq.symbols) == 0);
      const Tensor y_hat = value_of(model.dequantize_y(y_dec, fx.mean_scale() ? &dec_params.means : nullptr));
      const Tensor x_hat = value_of(model.synthesis(exec, y_hat));
      if (y_flips == 0 && z_flips == 0) CHECK(max_abs_diff(x_hat, fx.get("x_hat")) <= fx.tol_x_hat);
    }
  }
}
