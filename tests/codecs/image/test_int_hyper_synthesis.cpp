// IntHyperSynthesis (integer h_s): exact equality with the numpy integer
// reference (tests/data/image/int_h_s, made by
// tools/fixtures/make_int_hyper_synthesis_fixture.py), independence of the
// thread count and of the ISA path, the IntConv geometry against a direct
// definition, agreement with the float h_s, hostile files, and a hidden
// [.timing] case at the N = 128, M = 192 size.
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>

#include "image_test_util.h"
#include "int_conv.h"
#include "nmc/codecs/image/int_hyper_synthesis.h"
#include "nmc/kernels/cpu_features.h"
#include "nmc/kernels/thread_pool.h"

using namespace nmc;
using namespace nmc::image;
using namespace nmc::image::test;

namespace {

constexpr int kCases = 4;  // io.safetensors cases 0..3

struct IntFixture {
  std::string model;
  HyperpriorKind kind;
  SafetensorsFile file;
  SafetensorsFile io;
  Tensor io_tensor(const std::string& name) const {
    auto t = io.tensor(name);
    INFO(name << ": " << t.status().to_string());
    REQUIRE(t.ok());
    return std::move(t).value();
  }
  bool mean_scale() const { return kind == HyperpriorKind::kMeanScaleHyperprior; }
};

IntFixture load_int_fixture(const std::string& model) {
  const std::string dir = image_data("int_h_s/" + model) + "/";
  auto kind = parse_hyperprior_kind(model);
  REQUIRE(kind.ok());
  return {model, *kind, open_file(dir + "model.safetensors"), open_file(dir + "io.safetensors")};
}

IntHyperSynthesis load_int(const SafetensorsFile& file, HyperpriorKind kind) {
  auto s = IntHyperSynthesis::load(file, HyperpriorConfig{kind, 0, 0});
  INFO(s.status().to_string());
  REQUIRE(s.ok());
  return std::move(s).value();
}

Status load_status(const NamedTensors& tensors, HyperpriorKind kind, int64_t n = 0, int64_t m = 0) {
  const SafetensorsFile file = in_memory(tensors);
  return IntHyperSynthesis::load(file, HyperpriorConfig{kind, n, m}).status();
}

Tensor* find_tensor(NamedTensors& tensors, const std::string& name) {
  for (auto& [key, t] : tensors)
    if (key == name) return &t;
  FAIL("no tensor " << name);
  return nullptr;
}

// A writable copy of tensor `name` (the file's tensors are read-only views).
template <class T>
T* writable(NamedTensors& tensors, const std::string& name) {
  Tensor* t = find_tensor(tensors, name);
  auto copy = Tensor::zeros(t->shape(), t->dtype());
  REQUIRE(copy.ok());
  std::memcpy(copy->raw(), t->raw(), t->nbytes());
  *t = std::move(copy).value();
  return t->data<T>();
}

NamedTensors without(NamedTensors tensors, const std::string& name) {
  std::erase_if(tensors, [&](const auto& e) { return e.first == name; });
  return tensors;
}

Tensor zeros(const Shape& shape, DType dtype) {
  auto t = Tensor::zeros(shape, dtype);
  REQUIRE(t.ok());
  return std::move(t).value();
}

void require_error(const Status& s, StatusCode code, const std::string& needle) {
  INFO(s.to_string());
  CHECK(s.code() == code);
  CHECK(s.message().find(needle) != std::string::npos);
}

// Means expected from the fixture's mean_int: mean_int * 2^-k.
Tensor expected_means(const Tensor& mean_int, int k) {
  auto out = Tensor::zeros(mean_int.shape(), DType::kF32);
  REQUIRE(out.ok());
  for (int64_t i = 0; i < mean_int.numel(); ++i)
    out->data<float>()[i] = std::ldexp(static_cast<float>(mean_int.data<int32_t>()[i]), -k);
  return std::move(out).value();
}

// Direct definition of Conv2d(k, 1, k/2) / ConvTranspose2d(k, 2, k/2, output_padding 1)
// on CHW int64 values; returns [c_out][H_out][W_out].
std::vector<int64_t> direct_conv(const IntConvShape& s, const std::vector<int8_t>& w, const std::vector<int32_t>& b,
                                 const std::vector<int16_t>& x, int64_t h, int64_t wd) {
  const int64_t k = s.kernel, p = k / 2, ho = s.transposed ? 2 * h : h, wo = s.transposed ? 2 * wd : wd;
  std::vector<int64_t> out(static_cast<size_t>(s.c_out * ho * wo));
  for (int64_t o = 0; o < s.c_out; ++o)
    for (int64_t i = 0; i < ho * wo; ++i) out[static_cast<size_t>(o * ho * wo + i)] = b[static_cast<size_t>(o)];
  for (int64_t c = 0; c < s.c_in; ++c)
    for (int64_t o = 0; o < s.c_out; ++o)
      for (int64_t kh = 0; kh < k; ++kh)
        for (int64_t kw = 0; kw < k; ++kw) {
          const int64_t wv = s.transposed ? w[static_cast<size_t>(((c * s.c_out + o) * k + kh) * k + kw)]
                                          : w[static_cast<size_t>(((o * s.c_in + c) * k + kh) * k + kw)];
          for (int64_t y = 0; y < ho; ++y)
            for (int64_t xx = 0; xx < wo; ++xx) {
              int64_t iy, ix;
              if (s.transposed) {  // y = 2 iy - p + kh
                if ((y + p - kh) % 2 != 0 || (xx + p - kw) % 2 != 0) continue;
                iy = (y + p - kh) / 2;
                ix = (xx + p - kw) / 2;
              } else {
                iy = y + kh - p;
                ix = xx + kw - p;
              }
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
              out[static_cast<size_t>((o * ho + y) * wo + xx)] += wv * x[static_cast<size_t>((c * h + iy) * wd + ix)];
            }
        }
  return out;
}

}  // namespace

TEST_CASE("int h_s equals the integer reference for any thread count", "[int_h_s]") {
  ThreadPool pool2(2), pool3(3);
  for (const char* name : {"mbt2018-mean", "bmshj2018-hyperprior"}) {
    SECTION(name) {
      const IntFixture fx = load_int_fixture(name);
      const IntHyperSynthesis hs = load_int(fx.file, fx.kind);
      CHECK(hs.kind() == fx.kind);
      CHECK(hs.n() == (fx.mean_scale() ? 8 : 9));
      CHECK(hs.m() == (fx.mean_scale() ? 16 : 12));
      CHECK(hs.table_count() == 32);
      for (int k = 0; k < kCases; ++k) {
        INFO("case " << k);
        const Tensor z = fx.io_tensor("z_symbols_" + std::to_string(k));
        auto serial = hs.run(z, nullptr);
        REQUIRE(serial.ok());
        const Tensor want = fx.io_tensor("indexes_" + std::to_string(k));
        REQUIRE(serial->indexes.shape() == want.shape());
        CHECK(count_differences(serial->indexes, want) == 0);
        if (fx.mean_scale()) {
          CHECK(hs.mean_frac_bits() > 0);
          const Tensor means = expected_means(fx.io_tensor("mean_int_" + std::to_string(k)), hs.mean_frac_bits());
          REQUIRE(serial->means.defined());
          CHECK(count_differences(serial->means, means) == 0);
        } else {
          CHECK_FALSE(serial->means.defined());
        }
        for (ThreadPool* pool : {&pool2, &pool3}) {
          auto threaded = hs.run(z, pool);
          REQUIRE(threaded.ok());
          CHECK(count_differences(threaded->indexes, serial->indexes) == 0);
          if (fx.mean_scale()) CHECK(count_differences(threaded->means, serial->means) == 0);
        }
      }
    }
  }
}

TEST_CASE("int conv matches the convolution definition on every ISA path", "[int_h_s]") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> wdist(-127, 127), xdist(-32767, 32767), bdist(-100000, 100000);
  ThreadPool pool(2);
  // Odd channel counts (pair padding), widths that are not multiples of the 16-pixel tile.
  for (const IntConvShape shape : {IntConvShape{7, 19, 5, true}, IntConvShape{6, 33, 3, false},
                                   IntConvShape{5, 17, 5, false}, IntConvShape{3, 4, 1, true}}) {
    for (const auto& [h, w] : {std::pair<int64_t, int64_t>{3, 23}, {1, 1}, {2, 17}}) {
      INFO("c_in " << shape.c_in << " c_out " << shape.c_out << " k " << shape.kernel << " transposed "
                   << shape.transposed << " " << h << "x" << w);
      std::vector<int8_t> wt(static_cast<size_t>(shape.c_in * shape.c_out * shape.kernel * shape.kernel));
      std::vector<int32_t> b(static_cast<size_t>(shape.c_out));
      std::vector<int16_t> x(static_cast<size_t>(shape.c_in * h * w));
      for (auto& v : wt) v = static_cast<int8_t>(wdist(rng));
      for (auto& v : b) v = bdist(rng);
      for (auto& v : x) v = static_cast<int16_t>(xdist(rng));
      auto conv = IntConv::create(shape, wt, b);
      REQUIRE(conv.ok());
      REQUIRE(conv->accumulator_bound(32767) < (int64_t{1} << 31));
      I16Image img;
      img.reset(h, w, shape.c_in, conv->border());
      for (int64_t c = 0; c < shape.c_in; ++c)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t xx = 0; xx < w; ++xx) img.pixel(y, xx)[c] = x[static_cast<size_t>((c * h + y) * w + xx)];
      const auto want = direct_conv(shape, wt, b, x, h, w);
      std::vector<int32_t> auto_out, path_out;
      REQUIRE(conv->run(img, auto_out, &pool, IntConvPath::kAuto).ok());
      for (IntConvPath path : {IntConvPath::kPortable, IntConvPath::kAvx2, IntConvPath::kAvx512,
                               IntConvPath::kAvx512Vnni}) {
        if (!int_conv_path_supported(path)) continue;
        INFO("path " << static_cast<int>(path));
        REQUIRE(conv->run(img, path_out, nullptr, path).ok());
        CHECK(path_out == auto_out);
      }
      const int64_t ho = conv->out_height(h), wo = conv->out_width(w), cs = conv->out_channel_stride();
      int64_t mismatches = 0;
      for (int64_t o = 0; o < shape.c_out; ++o)
        for (int64_t p = 0; p < ho * wo; ++p)
          mismatches += auto_out[static_cast<size_t>(p * cs + o)] != want[static_cast<size_t>(o * ho * wo + p)];
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("int h_s agrees with the float h_s", "[int_h_s]") {
  // Tolerances for the fixture models (measured: at most 0.1 % of the indexes
  // differ, each by one table, and |mean error| <= 0.0013).
  constexpr double kMaxIndexFraction = 0.005;
  constexpr double kMaxMeanError = 0.004;
  for (const char* name : {"mbt2018-mean", "bmshj2018-hyperprior"}) {
    SECTION(name) {
      const IntFixture fx = load_int_fixture(name);
      const IntHyperSynthesis hs = load_int(fx.file, fx.kind);
      auto model = HyperpriorModel::load(fx.file, HyperpriorConfig{fx.kind, 0, 0});
      REQUIRE(model.ok());
      const Exec exec{&cpu_backend(), nullptr};
      for (int k : {0, 1}) {  // the cases sampled from the z distribution
        INFO("case " << k);
        const Tensor z = fx.io_tensor("z_symbols_" + std::to_string(k));
        auto z_hat = model->dequantize_z(z);
        REQUIRE(z_hat.ok());
        auto fp = model->hyper_synthesis(exec, *z_hat);
        REQUIRE(fp.ok());
        auto float_idx = model->gaussian_indexes(fp->scales);
        REQUIRE(float_idx.ok());
        auto ip = hs.run(z, nullptr);
        REQUIRE(ip.ok());
        int64_t differ = 0, worst = 0;
        for (int64_t i = 0; i < float_idx->numel(); ++i) {
          const int64_t d = std::abs(int64_t{float_idx->data<int32_t>()[i]} - ip->indexes.data<int32_t>()[i]);
          differ += d != 0;
          worst = std::max(worst, d);
        }
        const double fraction = static_cast<double>(differ) / static_cast<double>(float_idx->numel());
        INFO("differing indexes " << differ << " of " << float_idx->numel());
        CHECK(fraction <= kMaxIndexFraction);
        CHECK(worst <= 1);
        // The spread of the fixture's scales: indexes from 0 to the last table occur.
        const auto [lo, hi] = std::minmax_element(ip->indexes.data<int32_t>(),
                                                  ip->indexes.data<int32_t>() + ip->indexes.numel());
        CHECK(*lo == 0);
        CHECK(*hi >= 25);
        if (fx.mean_scale()) CHECK(max_abs_diff(fp->means, ip->means) <= kMaxMeanError);
      }
    }
  }
}

TEST_CASE("int h_s rejects hostile files", "[int_h_s]") {
  const IntFixture fx = load_int_fixture("mbt2018-mean");
  const HyperpriorKind mbt = fx.kind;
  const NamedTensors good = all_tensors(fx.file);
  REQUIRE(load_status(good, mbt).ok());

  SECTION("no integer tensors") {
    NamedTensors plain;
    for (const auto& e : good)
      if (e.first.rfind("nmc.int_h_s.", 0) != 0) plain.push_back(e);
    require_error(load_status(plain, mbt), StatusCode::kNotFound, "quantize_hyper_synthesis");
  }
  SECTION("missing tensors") {
    for (const char* name : {"nmc.int_h_s.1.bias", "nmc.int_h_s.0.multiplier", "nmc.int_h_s.mean_shift",
                             "nmc.int_h_s.act_bound", "nmc.int_h_s.version", "nmc.int_h_s.input_offset"})
      require_error(load_status(without(good, name), mbt), StatusCode::kInvalidData, name);
  }
  SECTION("wrong dtypes and shapes") {
    NamedTensors t = good;
    *find_tensor(t, "nmc.int_h_s.2.weight") = zeros(Shape{32, 24, 3, 3}, DType::kF32);
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "nmc.int_h_s.2.weight must be i8");
    t = good;
    *find_tensor(t, "nmc.int_h_s.1.weight") = zeros(Shape{16, 24, 3, 3}, DType::kI8);
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "nmc.int_h_s.1.weight must have shape");
    t = good;
    *find_tensor(t, "nmc.int_h_s.scale_thresholds") = zeros(Shape{16, 40}, DType::kI32);
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "gaussian_conditional.scale_table");
    // A config whose N differs from the tensors.
    require_error(load_status(good, mbt, 9, 0), StatusCode::kInvalidData, "nmc.int_h_s.0.weight must have shape");
    // The architecture must match: the mbt tensors do not form a bmshj h_s.
    CHECK(load_status(good, HyperpriorKind::kScaleHyperprior).code() == StatusCode::kInvalidData);
  }
  SECTION("values out of range") {
    NamedTensors t = good;
    writable<int8_t>(t, "nmc.int_h_s.0.weight")[3] = -128;
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "-128");
    t = good;
    writable<int32_t>(t, "nmc.int_h_s.act_bound")[1] = 40000;
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "act_bound[1]");
    t = good;
    writable<int32_t>(t, "nmc.int_h_s.1.shift")[0] = 63;
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "1.shift[0]");
    t = good;
    writable<int32_t>(t, "nmc.int_h_s.mean_multiplier")[2] = -1;
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "mean_multiplier[2]");
    t = good;
    int32_t* thr = writable<int32_t>(t, "nmc.int_h_s.scale_thresholds");
    std::swap(thr[5], thr[20]);
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "non-decreasing");
    t = good;
    writable<int32_t>(t, "nmc.int_h_s.version")[0] = 2;
    require_error(load_status(t, mbt), StatusCode::kUnsupported, "version 2");
  }
  SECTION("accumulator overflow") {
    NamedTensors t = good;
    int8_t* w = writable<int8_t>(t, "nmc.int_h_s.2.weight");
    std::fill(w, w + 32 * 24 * 9, int8_t{127});  // 2e9 + 24 * 9 * 127 * 32767 > 2^31 - 2
    writable<int32_t>(t, "nmc.int_h_s.2.bias")[0] = 2000000000;
    writable<int32_t>(t, "nmc.int_h_s.act_bound")[2] = 32767;
    require_error(load_status(t, mbt), StatusCode::kInvalidData, "layer 2 may overflow int32");
  }
  SECTION("bmshj files carry no means") {
    const IntFixture b = load_int_fixture("bmshj2018-hyperprior");
    NamedTensors t = all_tensors(b.file);
    REQUIRE(load_status(t, b.kind).ok());
    t.emplace_back("nmc.int_h_s.mean_frac_bits", zeros(Shape{1}, DType::kI32));
    require_error(load_status(t, b.kind), StatusCode::kInvalidData, "no means");
  }
  SECTION("bad inputs") {
    const IntHyperSynthesis hs = load_int(fx.file, mbt);
    require_error(hs.run(zeros(Shape{1, 8, 2, 2}, DType::kF32), nullptr).status(),
                  StatusCode::kInvalidArgument, "i32");
    require_error(hs.run(zeros(Shape{1, 7, 2, 2}, DType::kI32), nullptr).status(),
                  StatusCode::kInvalidArgument, "[1, 8, h, w]");
    require_error(IntHyperSynthesis().run(zeros(Shape{1, 8, 2, 2}, DType::kI32), nullptr).status(),
                  StatusCode::kInvalidArgument, "not loaded");
  }
}

TEST_CASE("int h_s timing, z 12x8 (768x512 image), N=128 M=192, 2 threads", "[.timing][int_h_s]") {
  // Random integer tensors with the mbt2018-mean q1-4 shapes; weights in
  // [-24, 24] and act_bound 16384 keep the accumulator bound below 2^31.
  constexpr int64_t n = 128, m = 192;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> wdist(-24, 24);
  NamedTensors t;
  auto add = [&](const std::string& name, const Shape& shape, DType dtype, const std::function<int64_t(int64_t)>& f) {
    auto x = Tensor::zeros(shape, dtype);
    REQUIRE(x.ok());
    for (int64_t i = 0; i < x->numel(); ++i) {
      if (dtype == DType::kI8) x->data<int8_t>()[i] = static_cast<int8_t>(f(i));
      else x->data<int32_t>()[i] = static_cast<int32_t>(f(i));
    }
    t.emplace_back("nmc.int_h_s." + name, std::move(x).value());
  };
  auto rand_w = [&](int64_t) { return int64_t{wdist(rng)}; };
  add("version", Shape{1}, DType::kI32, [](int64_t) { return 1; });
  add("0.weight", Shape{n, m, 5, 5}, DType::kI8, rand_w);
  add("1.weight", Shape{m, 3 * m / 2, 5, 5}, DType::kI8, rand_w);
  add("2.weight", Shape{2 * m, 3 * m / 2, 3, 3}, DType::kI8, rand_w);
  add("0.bias", Shape{m}, DType::kI32, [](int64_t i) { return i * 10; });
  add("1.bias", Shape{3 * m / 2}, DType::kI32, [](int64_t i) { return -i * 10; });
  add("2.bias", Shape{2 * m}, DType::kI32, [](int64_t i) { return i; });
  add("0.multiplier", Shape{m}, DType::kI32, [](int64_t) { return 1 << 30; });
  add("0.shift", Shape{m}, DType::kI32, [](int64_t) { return 40; });
  add("1.multiplier", Shape{3 * m / 2}, DType::kI32, [](int64_t) { return 1 << 30; });
  add("1.shift", Shape{3 * m / 2}, DType::kI32, [](int64_t) { return 40; });
  add("act_bound", Shape{3}, DType::kI32, [](int64_t) { return 16384; });
  add("act_frac_bits", Shape{3}, DType::kI32, [](int64_t) { return 10; });
  add("input_offset", Shape{n}, DType::kI32, [](int64_t i) { return i; });
  add("scale_thresholds", Shape{m, 63}, DType::kI32, [](int64_t i) { return (i % 63) * 20000 - 600000; });
  add("mean_multiplier", Shape{m}, DType::kI32, [](int64_t) { return 1 << 30; });
  add("mean_shift", Shape{m}, DType::kI32, [](int64_t) { return 36; });
  add("mean_frac_bits", Shape{1}, DType::kI32, [](int64_t) { return 12; });
  const SafetensorsFile file = in_memory(t);
  auto hs = IntHyperSynthesis::load(file, HyperpriorConfig{HyperpriorKind::kMeanScaleHyperprior, 0, 0});
  INFO(hs.status().to_string());
  REQUIRE(hs.ok());
  auto z = Tensor::zeros(Shape{1, n, 8, 12}, DType::kI32);
  REQUIRE(z.ok());
  std::uniform_int_distribution<int> zdist(-8, 8);
  for (int64_t i = 0; i < z->numel(); ++i) z->data<int32_t>()[i] = zdist(rng);
  ThreadPool pool(2);
  std::vector<double> ms;
  Result<IntHyperParams> out = hs->run(*z, &pool);  // warm-up
  for (int i = 0; i < 7; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    out = hs->run(*z, &pool);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    REQUIRE(out.ok());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("int h_s 768x512 (z 8x12, N=128, M=192), 2 threads, %s: median %.2f ms (min %.2f)\n",
              cpu_isa_name(), ms[ms.size() / 2], ms[0]);
  CHECK(out->indexes.shape() == Shape({1, m, 32, 48}));
  CHECK(out->means.shape() == Shape({1, m, 32, 48}));
}
