// Checks the dense reference ops (and the CPU backend) against outputs that
// PyTorch computed in float64 (tests/data/ops/dense_ops.*, written by
// tools/fixtures/make_op_fixtures.py). Format: see tests/data/ops/README.md.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parity_dense_util.h"

namespace nmc::test {
namespace {

using json = nlohmann::json;

// Reference vs float64 PyTorch: f32 rounding of the result plus f32 inputs.
constexpr double kRefAtol = 1e-6, kRefRtol = 1e-5;
// CPU backend (f32 accumulation in oneDNN / own kernels).
constexpr double kCpuAtol = 1e-4, kCpuRtol = 1e-4;

struct Fixtures {
  json index;
  std::vector<char> blob;
};

const Fixtures& fixtures() {
  static const Fixtures f = [] {
    Fixtures r;
    const std::string dir = std::string(NMC_TEST_DATA) + "/ops/";
    std::ifstream js(dir + "dense_ops.json");
    REQUIRE(js.good());
    r.index = json::parse(js);
    REQUIRE(r.index.at("format") == "nmc-op-fixtures-1");
    std::ifstream bin(dir + r.index.at("data").get<std::string>(), std::ios::binary);
    REQUIRE(bin.good());
    r.blob.assign(std::istreambuf_iterator<char>(bin), std::istreambuf_iterator<char>());
    return r;
  }();
  return f;
}

// A fixture tensor as an owned host tensor (f32 or i32).
Tensor load(const json& c, const std::string& name) {
  const json& t = c.at("tensors").at(name);
  Shape s;
  for (const auto& v : t.at("shape")) s[s.rank++] = v.get<int64_t>();
  const DType dt = t.at("dtype") == "i32" ? DType::kI32 : DType::kF32;
  Tensor out = zeros(s, dt);
  const auto off = t.at("offset").get<size_t>();
  REQUIRE(off + out.nbytes() <= fixtures().blob.size());
  std::memcpy(out.raw(), fixtures().blob.data() + off, out.nbytes());
  return out;
}

Tensor to_dtype(const Tensor& t, DType dt) {
  Tensor r = zeros(t.shape(), dt);
  REQUIRE(reference::copy(Exec{}, CopyArgs{&t, &r}).ok());
  return r;
}

PadMode pad_mode(const json& p) {
  const std::string m = p.at("mode");
  return m == "reflect" ? PadMode::kReflect : m == "replicate" ? PadMode::kReplicate : PadMode::kZeros;
}

// Runs fixture case `c` on `exec` into `out` (shaped like the expected output).
Status run_case(const json& c, const Exec& ex, Tensor& out) {
  const std::string op = c.at("op");
  const json& p = c.at("params");
  const bool has_bias = c.at("tensors").contains("bias");
  Tensor bias = has_bias ? load(c, "bias") : Tensor();
  if (op == "matmul") {
    Tensor a = load(c, "a"), b = load(c, "b");
    if (p.at("b_dtype") == "bf16") b = to_dtype(b, DType::kBF16);
    return ops::matmul(ex, MatmulArgs{&a, &b, has_bias ? &bias : nullptr, &out, p.at("trans_b").get<bool>(),
                                      p.at("alpha").get<float>()});
  }
  if (op == "conv2d") {
    Tensor x = load(c, "x"), w = load(c, "w");
    Conv2dArgs a;
    a.x = &x; a.w = &w; a.bias = has_bias ? &bias : nullptr; a.out = &out;
    a.stride_h = p["stride"][0]; a.stride_w = p["stride"][1];
    a.dilation_h = p["dilation"][0]; a.dilation_w = p["dilation"][1];
    a.groups = p["groups"];
    a.pad_top = p["pad"][0]; a.pad_bottom = p["pad"][1]; a.pad_left = p["pad"][2]; a.pad_right = p["pad"][3];
    a.pad_mode = pad_mode(p);
    return ops::conv2d(ex, a);
  }
  if (op == "conv1d") {
    Tensor x = load(c, "x"), w = load(c, "w");
    Conv1dArgs a;
    a.x = &x; a.w = &w; a.bias = has_bias ? &bias : nullptr; a.out = &out;
    a.stride = p["stride"]; a.dilation = p["dilation"]; a.groups = p["groups"];
    a.pad_begin = p["pad"][0]; a.pad_end = p["pad"][1];
    a.pad_mode = pad_mode(p);
    return ops::conv1d(ex, a);
  }
  if (op == "conv_transpose1d") {
    Tensor x = load(c, "x"), w = load(c, "w");
    ConvTranspose1dArgs a;
    a.x = &x; a.w = &w; a.bias = has_bias ? &bias : nullptr; a.out = &out;
    a.stride = p["stride"]; a.dilation = p["dilation"]; a.groups = p["groups"];
    a.crop_begin = p["crop"][0]; a.crop_end = p["crop"][1]; a.output_padding = p["output_padding"];
    return ops::conv_transpose1d(ex, a);
  }
  if (op == "conv_transpose2d") {
    Tensor x = load(c, "x"), w = load(c, "w");
    ConvTranspose2dArgs a;
    a.x = &x; a.w = &w; a.bias = has_bias ? &bias : nullptr; a.out = &out;
    a.stride_h = p["stride"][0]; a.stride_w = p["stride"][1];
    a.dilation_h = p["dilation"][0]; a.dilation_w = p["dilation"][1];
    a.groups = p["groups"];
    a.crop_top = p["crop"][0]; a.crop_bottom = p["crop"][1]; a.crop_left = p["crop"][2]; a.crop_right = p["crop"][3];
    a.output_padding_h = p["output_padding"][0]; a.output_padding_w = p["output_padding"][1];
    return ops::conv_transpose2d(ex, a);
  }
  if (op == "pool2d") {
    Tensor x = load(c, "x");
    Pool2dArgs a;
    a.x = &x; a.out = &out;
    a.kind = p.at("kind") == "max" ? PoolKind::kMax : PoolKind::kAvg;
    a.kernel_h = p["kernel"][0]; a.kernel_w = p["kernel"][1];
    a.stride_h = p["stride"][0]; a.stride_w = p["stride"][1];
    a.pad_h = p["pad"][0]; a.pad_w = p["pad"][1];
    a.exclude_pad = p["exclude_pad"];
    return ops::pool2d(ex, a);
  }
  if (op == "resize_bilinear") {
    Tensor x = load(c, "x");
    return ops::resize_bilinear(ex, ResizeBilinearArgs{&x, &out, p.at("align_corners").get<bool>()});
  }
  if (op == "embedding") {
    Tensor table = load(c, "table"), ids = load(c, "ids");
    return ops::embedding(ex, EmbeddingArgs{&table, &ids, &out});
  }
  if (op == "concat") {
    Tensor a = load(c, "in0"), b = load(c, "in1"), d = load(c, "in2");
    const Tensor* ins[] = {&a, &b, &d};
    return ops::concat(ex, ConcatArgs{ins, &out, p.at("axis").get<int>()});
  }
  if (op == "slice") {
    Tensor x = load(c, "x");
    return ops::slice(ex, SliceArgs{&x, &out, p.at("axis").get<int>(), p.at("begin").get<int64_t>(),
                                    p.at("step").get<int64_t>()});
  }
  if (op == "gather") {
    Tensor x = load(c, "x"), idx = load(c, "indices");
    return ops::gather(ex, GatherArgs{&x, &idx, &out, p.at("axis").get<int>()});
  }
  if (op == "copy") {
    // src f32 -> dst (bf16/f16), then widened back to f32 for comparison.
    Tensor src = load(c, "src");
    Tensor dst = zeros(src.shape(), p.at("dst_dtype") == "bf16" ? DType::kBF16 : DType::kF16);
    NMC_RETURN_IF_ERROR(ops::copy(ex, CopyArgs{&src, &dst}));
    return reference::copy(Exec{}, CopyArgs{&dst, &out});
  }
  return Unsupported("unknown fixture op " + op);
}

TEST_CASE("dense reference ops match PyTorch fixtures", "[dense][fixtures]") {
  const json& cases = fixtures().index.at("cases");
  REQUIRE(cases.size() >= 20);
  std::vector<std::string> seen;
  for (const json& c : cases) {
    const std::string name = c.at("name");
    const Tensor want = load(c, "out");
    for (const Backend* be : {&reference_backend(), &cpu_backend()}) {
      const bool ref = be == &reference_backend();
      ThreadPool pool(2);
      Tensor out = zeros(want.shape());
      const Status s = run_case(c, Exec{be, ref ? nullptr : &pool}, out);
      INFO(name << " on " << be->name() << ": " << s.to_string());
      REQUIRE(s.ok());
      dense::require_close(out, want, ref ? kRefAtol : kCpuAtol, ref ? kRefRtol : kCpuRtol,
                           name + " on " + be->name());
    }
    seen.push_back(c.at("op"));
  }
  // Every op of the dense group has at least one independent fixture.
  for (const char* op : {"copy", "matmul", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "embedding",
                         "pool2d", "resize_bilinear", "concat", "slice", "gather"}) {
    INFO("fixture for " << op);
    CHECK(std::find(seen.begin(), seen.end(), op) != seen.end());
  }
}

}  // namespace
}  // namespace nmc::test
