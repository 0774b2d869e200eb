// The reference pointwise / norm / rope / attention ops against PyTorch
// outputs in tests/data/ops/pointwise_ops.{json,bin}
// (tools/fixtures/make_pointwise_fixtures.py; float64 PyTorch, stored as f32).
// Tolerance: 2e-6 absolute + 2e-6 relative (the fixtures are correctly rounded
// f32; the reference computes in double and rounds once).
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "parity.h"

using namespace nmc;
using namespace nmc::test;

namespace {

struct Fixtures {
  nlohmann::json index;
  std::string blob;

  static const Fixtures& get() {
    static const Fixtures f = [] {
      Fixtures r;
      const std::string dir = std::string(NMC_TEST_DATA) + "/ops/";
      std::ifstream js(dir + "pointwise_ops.json");
      std::ifstream bin(dir + "pointwise_ops.bin", std::ios::binary);
      if (!js || !bin) return r;
      r.index = nlohmann::json::parse(js, nullptr, false);
      std::ostringstream os;
      os << bin.rdbuf();
      r.blob = os.str();
      return r;
    }();
    return f;
  }

  Tensor tensor(const std::string& name) const {
    INFO("fixture tensor " << name);
    REQUIRE(index.contains("tensors"));
    REQUIRE(index["tensors"].contains(name));
    const auto& e = index["tensors"][name];
    REQUIRE(e["dtype"] == "f32");
    Shape s;
    for (const auto& d : e["shape"]) s[s.rank++] = d.get<int64_t>();
    Tensor t = zeros(s);
    const auto off = e["offset"].get<size_t>();
    REQUIRE(off + t.nbytes() <= blob.size());
    std::memcpy(t.raw(), blob.data() + off, t.nbytes());
    return t;
  }
  double param(const std::string& group, const std::string& key) const {
    return index["params"][group][key].get<double>();
  }
};

void check_close(const Tensor& got, const Tensor& want, const char* what) {
  std::string where;
  const double r = tolerance_ratio(got, want, 2e-6, 2e-6, &where);
  INFO(what << ": " << where);
  CHECK(r <= 1.0);
}

}  // namespace

TEST_CASE("reference activations match PyTorch", "[pointwise][fixtures]") {
  const auto& f = Fixtures::get();
  REQUIRE(!f.blob.empty());
  const Tensor x = f.tensor("act.x");
  struct K { UnaryKind kind; const char* name; float alpha; };
  const K kinds[] = {{UnaryKind::kGelu, "act.gelu", 0},
                     {UnaryKind::kGeluTanh, "act.gelu_tanh", 0},
                     {UnaryKind::kSilu, "act.silu", 0},
                     {UnaryKind::kElu, "act.elu", static_cast<float>(f.param("act", "elu_alpha"))},
                     {UnaryKind::kLeakyRelu, "act.leaky_relu", static_cast<float>(f.param("act", "leaky_slope"))}};
  for (const auto& k : kinds) {
    Tensor out = zeros(x.shape());
    REQUIRE(reference::unary({}, {&x, &out, k.kind, k.alpha, 0.0f}).ok());
    check_close(out, f.tensor(k.name), k.name);
  }
}

TEST_CASE("reference norms and softmax match PyTorch", "[pointwise][fixtures]") {
  const auto& f = Fixtures::get();
  REQUIRE(!f.blob.empty());
  const Tensor x = f.tensor("ln.x"), w = f.tensor("ln.w"), b = f.tensor("ln.b");
  Tensor out = zeros(x.shape());
  REQUIRE(reference::layer_norm({}, {&x, &w, &b, &out, static_cast<float>(f.param("ln", "eps"))}).ok());
  check_close(out, f.tensor("ln.out"), "layer_norm");
  REQUIRE(reference::rms_norm({}, {&x, &w, &out, static_cast<float>(f.param("rms", "eps"))}).ok());
  check_close(out, f.tensor("rms.out"), "rms_norm (Qwen2RMSNorm)");
  const Tensor s = f.tensor("softmax.x");
  Tensor sout = zeros(s.shape());
  REQUIRE(reference::softmax({}, {&s, &sout, static_cast<float>(f.param("softmax", "scale"))}).ok());
  check_close(sout, f.tensor("softmax.out"), "softmax");
}

TEST_CASE("reference rope matches HF rotate_half and complex rotary", "[pointwise][fixtures]") {
  const auto& f = Fixtures::get();
  REQUIRE(!f.blob.empty());
  const float theta = static_cast<float>(f.param("rope", "theta"));
  {
    const Tensor x = f.tensor("rope_half.x"), pos = f.tensor("rope_half.pos");
    Tensor out = zeros(x.shape());
    REQUIRE(reference::rope({}, {&x, &pos, &out, theta, 0, RopeLayout::kHalfSplit}).ok());
    check_close(out, f.tensor("rope_half.out"), "rope half-split, [B, T] positions");
  }
  {
    const Tensor x = f.tensor("rope_inter.x"), pos = f.tensor("rope_inter.pos");
    Tensor out = zeros(x.shape());
    const int rot = static_cast<int>(f.param("rope", "inter_rotary_dim"));
    REQUIRE(reference::rope({}, {&x, &pos, &out, theta, rot, RopeLayout::kInterleaved}).ok());
    check_close(out, f.tensor("rope_inter.out"), "rope interleaved, partial rotary dim");
  }
}

TEST_CASE("reference attention matches scaled_dot_product_attention", "[pointwise][fixtures]") {
  const auto& f = Fixtures::get();
  REQUIRE(!f.blob.empty());
  struct C { const char* name; MaskKind mask; int64_t q_offset, window, block; };
  const C cases[] = {
      {"attn_causal", MaskKind::kCausal, 0, 0, 0},
      {"attn_window", MaskKind::kSlidingWindow, static_cast<int64_t>(f.param("attn_window", "q_offset")),
       static_cast<int64_t>(f.param("attn_window", "window")), 0},
      {"attn_block", MaskKind::kBlockDiagonal, 0, 0, static_cast<int64_t>(f.param("attn_block", "block_size"))},
  };
  for (const auto& c : cases) {
    const std::string n = c.name;
    const Tensor q = f.tensor(n + ".q"), k = f.tensor(n + ".k"), v = f.tensor(n + ".v");
    Tensor out = zeros({q.dim(0), q.dim(1), q.dim(2), v.dim(3)});
    REQUIRE(reference::attention({}, {&q, &k, &v, &out, 0.0f, c.mask, c.q_offset, c.window, c.block}).ok());
    check_close(out, f.tensor(n + ".out"), c.name);
  }
}

TEST_CASE("reference gdn and snake match CompressAI / Snake formulas", "[pointwise][fixtures]") {
  const auto& f = Fixtures::get();
  REQUIRE(!f.blob.empty());
  const Tensor x = f.tensor("gdn.x"), beta = f.tensor("gdn.beta"), gamma = f.tensor("gdn.gamma");
  Tensor out = zeros(x.shape());
  REQUIRE(reference::gdn({}, {&x, &beta, &gamma, &out, false}).ok());
  check_close(out, f.tensor("gdn.out"), "gdn");
  REQUIRE(reference::gdn({}, {&x, &beta, &gamma, &out, true}).ok());
  check_close(out, f.tensor("igdn.out"), "inverse gdn");
  const Tensor sx = f.tensor("snake.x"), alpha = f.tensor("snake.alpha");
  Tensor sout = zeros(sx.shape());
  REQUIRE(reference::snake({}, {&sx, &alpha, &sout}).ok());
  check_close(sout, f.tensor("snake.out"), "snake");
}
