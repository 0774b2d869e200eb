// HyperpriorModel loading: fixtures through both entry points, inference of N
// and M, the full-size pretrained layouts, and hostile state_dicts (missing
// tensors, wrong shapes and dtypes, invalid CDF tables).
#include <set>

#include "hyperprior_layout.h"
#include "image_test_util.h"
#include "nmc/kernels/checkpoint.h"

using namespace nmc;
using namespace nmc::image;
using namespace nmc::image::test;

namespace {

// state_dict entries inference does not use; the loader must not require them.
bool is_unused(const std::string& name) {
  for (const char* prefix : {"entropy_bottleneck.matrices.", "entropy_bottleneck.biases.",
                             "entropy_bottleneck.factors."})
    if (name.rfind(prefix, 0) == 0) return true;
  static const std::set<std::string> kUnused = {
      "entropy_bottleneck.target", "entropy_bottleneck.likelihood_lower_bound.bound",
      "gaussian_conditional.likelihood_lower_bound.bound", "gaussian_conditional.scale_bound",
      "gaussian_conditional.lower_bound_scale.bound"};  // the last one is optional (default 0.11)
  return kUnused.count(name) != 0;
}

Status load_status(const NamedTensors& tensors, HyperpriorKind kind, int64_t n = 0, int64_t m = 0) {
  const SafetensorsFile file = in_memory(tensors);
  return HyperpriorModel::load(file, HyperpriorConfig{kind, n, m}).status();
}

// Replaces tensor `name` by a zero tensor of `shape` and `dtype`.
NamedTensors replaced(NamedTensors tensors, const std::string& name, const Shape& shape, DType dtype) {
  for (auto& [key, t] : tensors) {
    if (key != name) continue;
    auto z = Tensor::zeros(shape, dtype);
    REQUIRE(z.ok());
    t = std::move(z).value();
    return tensors;
  }
  FAIL("no tensor " << name);
  return tensors;
}

void require_error(const Status& s, StatusCode code, const std::string& needle) {
  INFO(s.to_string());
  CHECK(s.code() == code);
  CHECK(s.message().find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("hyperprior loads the fixtures from a file and a checkpoint", "[hyperprior][load]") {
  for (const char* name : {"mbt2018-mean", "bmshj2018-hyperprior"}) {
    SECTION(name) {
      const Fixture fx = load_fixture(name);
      const HyperpriorModel inferred = load_model(fx);
      CHECK(inferred.kind() == fx.kind);
      CHECK(inferred.n() == 64);
      CHECK(inferred.m() == 96);
      const HyperpriorModel explicit_dims = load_model(fx, 64, 96);
      CHECK(explicit_dims.n() == 64);

      auto ckpt = Checkpoint::open(image_data(std::string(name) + "/weights.safetensors"));
      REQUIRE(ckpt.ok());
      auto from_ckpt = HyperpriorModel::load(*ckpt, HyperpriorConfig{fx.kind, 0, 0});
      REQUIRE(from_ckpt.ok());
      // Same parameters: the same z quantization and strings.
      auto a = from_ckpt->compress_z(fx.get("z_symbols"));
      REQUIRE(a.ok());
      CHECK(*a == bytes_of(fx.get("z_string")));

      // DataParallel checkpoints prefix every name with "module.".
      NamedTensors prefixed = all_tensors(fx.weights);
      for (auto& entry : prefixed) entry.first = "module." + entry.first;
      const SafetensorsFile file = in_memory(prefixed);
      auto from_prefixed = HyperpriorModel::load(file, HyperpriorConfig{fx.kind, 0, 0});
      REQUIRE(from_prefixed.ok());
      auto b = from_prefixed->compress_y(fx.get("y_symbols"), fx.get("indexes"));
      REQUIRE(b.ok());
      CHECK(*b == bytes_of(fx.get("y_string")));
    }
  }
}

TEST_CASE("hyperprior keeps its weights alive after the file is closed", "[hyperprior][load]") {
  const Fixture fx = load_fixture("bmshj2018-hyperprior");
  HyperpriorModel model;
  {
    const SafetensorsFile file = open_file(image_data("bmshj2018-hyperprior/weights.safetensors"));
    auto loaded = HyperpriorModel::load(file, HyperpriorConfig{fx.kind, 0, 0});
    REQUIRE(loaded.ok());
    model = std::move(loaded).value();
  }
  const Exec exec{&cpu_backend(), nullptr};
  auto z = model.hyper_analysis(exec, fx.get("y"));
  REQUIRE(z.ok());
  CHECK(max_abs_diff(*z, fx.get("z")) <= fx.tol_z);
  // Copies share the weights.
  const HyperpriorModel copy = model;
  model = HyperpriorModel();
  auto x_hat = copy.synthesis(exec, fx.get("y_hat"));
  REQUIRE(x_hat.ok());
  CHECK(max_abs_diff(*x_hat, fx.get("x_hat")) <= fx.tol_x_hat);
}

TEST_CASE("hyperprior parses model names", "[hyperprior][load]") {
  auto mbt = parse_hyperprior_kind("mbt2018-mean");
  REQUIRE(mbt.ok());
  CHECK(*mbt == HyperpriorKind::kMeanScaleHyperprior);
  auto bmshj = parse_hyperprior_kind("bmshj2018-hyperprior");
  REQUIRE(bmshj.ok());
  CHECK(*bmshj == HyperpriorKind::kScaleHyperprior);
  CHECK(parse_hyperprior_kind("cheng2020-anchor").status().code() == StatusCode::kInvalidArgument);
  CHECK(std::string(hyperprior_kind_name(HyperpriorKind::kMeanScaleHyperprior)) == "mbt2018-mean");
}

TEST_CASE("hyperprior accepts the full-size CompressAI layouts", "[hyperprior][load]") {
  const nlohmann::json layouts = load_layouts();
  REQUIRE(layouts.size() == 4);
  for (const auto& [key, layout] : layouts.items()) {
    SECTION(key) {
      // Keys look like "mbt2018-mean_q1-4_N128_M192".
      const std::string model = key.substr(0, key.find('_'));
      const int64_t n = std::stoll(key.substr(key.find("_N") + 2));
      const int64_t m = std::stoll(key.substr(key.find("_M") + 2));
      auto kind = parse_hyperprior_kind(model);
      REQUIRE(kind.ok());
      const SafetensorsFile file = in_memory(layout_tensors(layout));
      auto loaded = HyperpriorModel::load(file, HyperpriorConfig{*kind, 0, 0});
      INFO(loaded.status().to_string());
      REQUIRE(loaded.ok());
      CHECK(loaded->n() == n);
      CHECK(loaded->m() == m);
      CHECK(HyperpriorModel::load(file, HyperpriorConfig{*kind, n, m}).ok());
      // The CDF buffers have the documented shapes: EB [N, w], Gaussian [64, 3133].
      CHECK(file.find("entropy_bottleneck._quantized_cdf")->shape[0] == n);
      CHECK(file.find("gaussian_conditional._quantized_cdf")->shape == Shape{64, 3133});
    }
  }
}

TEST_CASE("hyperprior requires every tensor it uses and nothing else", "[hyperprior][load][hostile]") {
  const Fixture fx = load_fixture("bmshj2018-hyperprior");
  const NamedTensors all = all_tensors(fx.weights);
  int required = 0;
  for (size_t drop = 0; drop < all.size(); ++drop) {
    NamedTensors without = all;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(drop));
    const std::string& name = all[drop].first;
    INFO("without " << name);
    const Status s = load_status(without, fx.kind);
    if (is_unused(name)) {
      CHECK(s.ok());
    } else {
      require_error(s, StatusCode::kNotFound, "'" + name + "'");
      ++required;
    }
  }
  // 4 + 4 convs (weight, bias) + 6 GDNs (beta, gamma, 4 buffers) + 3 + 3 convs + 4 EB + 4 Gaussian.
  CHECK(required == 16 + 36 + 12 + 4 + 4);
}

TEST_CASE("hyperprior rejects wrong shapes, dtypes and channel counts", "[hyperprior][load][hostile]") {
  const Fixture fx = load_fixture("mbt2018-mean");
  const NamedTensors all = all_tensors(fx.weights);

  SECTION("wrong shape") {
    require_error(load_status(replaced(all, "g_s.3.gamma", Shape{64, 63}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "'g_s.3.gamma' has shape [64, 63], expected [64, 64]");
    require_error(load_status(replaced(all, "h_s.2.weight", Shape{96, 96, 5, 5}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "'h_s.2.weight'");
    require_error(load_status(replaced(all, "g_a.1.beta_reparam.pedestal", Shape{2}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "'g_a.1.beta_reparam.pedestal'");
    require_error(load_status(replaced(all, "entropy_bottleneck._offset", Shape{63}, DType::kI32), fx.kind),
                  StatusCode::kInvalidData, "'entropy_bottleneck._offset'");
    require_error(load_status(replaced(all, "g_a.0.weight", Shape{64, 3, 5}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "'g_a.0.weight'");
  }
  SECTION("wrong dtype") {
    require_error(load_status(replaced(all, "g_a.0.bias", Shape{64}, DType::kI32), fx.kind),
                  StatusCode::kInvalidData, "'g_a.0.bias' has dtype i32, expected f32");
    require_error(load_status(replaced(all, "gaussian_conditional._cdf_length", Shape{64}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "'gaussian_conditional._cdf_length' has dtype f32, expected i32");
    require_error(load_status(replaced(all, "g_s.1.gamma", Shape{64, 64}, DType::kI8), fx.kind),
                  StatusCode::kInvalidData, "'g_s.1.gamma' has dtype i8, expected f32");
    // f16 / bf16 storage of an f32 parameter is widened, but only at the right shape.
    require_error(load_status(replaced(all, "g_s.1.gamma", Shape{64, 63}, DType::kF16), fx.kind),
                  StatusCode::kInvalidData, "'g_s.1.gamma' has dtype f16, expected f32");
    CHECK(load_status(replaced(all, "g_s.1.gamma", Shape{64, 64}, DType::kF16), fx.kind).ok());
    CHECK(load_status(replaced(all, "g_a.0.weight", Shape{64, 3, 5, 5}, DType::kBF16), fx.kind).ok());
  }
  SECTION("invalid CDF tables") {
    // All-zero rows are not CDFs.
    require_error(load_status(replaced(all, "entropy_bottleneck._quantized_cdf", Shape{64, 31}, DType::kI32),
                              fx.kind),
                  StatusCode::kInvalidData, "'entropy_bottleneck._quantized_cdf' is not a valid CDF table set");
    // An empty scale table.
    require_error(load_status(replaced(all, "gaussian_conditional.scale_table", Shape{0}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "'gaussian_conditional.scale_table'");
  }
  SECTION("configuration disagreeing with the weights") {
    require_error(load_status(all, fx.kind, 32, 0), StatusCode::kInvalidData,
                  "'g_a.0.weight' has shape [64, 3, 5, 5], expected [32, 3, 5, 5]");
    require_error(load_status(all, fx.kind, 0, 128), StatusCode::kInvalidData, "'g_a.6.weight'");
    // mbt2018-mean weights loaded as bmshj2018-hyperprior: h_s is shaped differently.
    require_error(load_status(all, HyperpriorKind::kScaleHyperprior), StatusCode::kInvalidData, "'h_s.0.weight'");
    require_error(load_status(all, fx.kind, 0, 95), StatusCode::kInvalidArgument, "M must be even");
    require_error(load_status(all, fx.kind, -1, 0), StatusCode::kInvalidArgument, "N and M");
    require_error(load_status(all, fx.kind, 0, 5000), StatusCode::kInvalidArgument, "N and M");
    // An odd M in the weights themselves is the checkpoint's fault.
    require_error(load_status(replaced(all, "g_a.6.weight", Shape{95, 64, 5, 5}, DType::kF32), fx.kind),
                  StatusCode::kInvalidData, "M must be even");
    require_error(load_status({}, fx.kind), StatusCode::kNotFound, "'g_a.0.weight'");
    require_error(load_status(all, static_cast<HyperpriorKind>(7)), StatusCode::kInvalidArgument,
                  "unknown model kind");
  }
}
