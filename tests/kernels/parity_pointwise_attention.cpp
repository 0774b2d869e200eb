// Parity of attention: MHA and GQA, every mask kind, q_offset, decode (Tq = 1),
// strided q/k/v views, rows that see no key, multi-tile key ranges.
#include <catch2/catch.hpp>
#include <cmath>

#include "parity_pointwise_util.h"

using namespace nmc;
using namespace nmc::test;

NMC_PARITY_OPS("attention");

namespace {

struct Case {
  int64_t b, tq, tk, hq, hkv, d, dv;
  MaskKind mask;
  int64_t q_offset, window, block;
  bool strided;
};

// [B, T, H, D] tensor; strided: a view of a [B, H, T, D + 5] buffer.
Tensor make(int64_t b, int64_t t, int64_t h, int64_t d, bool strided, std::mt19937& rng, float amp) {
  if (!strided) return random_tensor({b, t, h, d}, DType::kF32, rng, -amp, amp);
  Tensor base = random_tensor({b, h, t, d + 5}, DType::kF32, rng, -amp, amp);
  return base.slice(3, 0, d).value().permute({0, 2, 1, 3}).value();
}

void check_case(const Case& c, std::mt19937& rng) {
  Tensor q = make(c.b, c.tq, c.hq, c.d, c.strided, rng, 2.0f);
  Tensor k = make(c.b, c.tk, c.hkv, c.d, c.strided, rng, 2.0f);
  Tensor v = make(c.b, c.tk, c.hkv, c.dv, c.strided, rng, 1.0f);
  Tensor want = zeros({c.b, c.tq, c.hq, c.dv});
  AttentionArgs ra{&q, &k, &v, &want, 0.0f, c.mask, c.q_offset, c.window, c.block};
  REQUIRE(reference::attention({}, ra).ok());
  for (const auto& cfg : pw::configs()) {
    INFO("b" << c.b << " tq" << c.tq << " tk" << c.tk << " hq" << c.hq << " hkv" << c.hkv << " d" << c.d << " dv"
             << c.dv << " mask " << static_cast<int>(c.mask) << " off " << c.q_offset << " win " << c.window
             << " blk " << c.block << (c.strided ? " strided " : " ") << cfg.label);
    // Output as a strided view too, prefilled with garbage.
    Tensor obuf = random_tensor({c.b, c.hq, c.tq, c.dv + 3}, DType::kF32, rng, 5, 6);
    Tensor out = c.strided ? obuf.slice(3, 0, c.dv).value().permute({0, 2, 1, 3}).value()
                           : random_tensor({c.b, c.tq, c.hq, c.dv}, DType::kF32, rng, 5, 6);
    AttentionArgs a = ra;
    a.out = &out;
    REQUIRE(pw::run(cfg, a).ok());
    std::string where;
    // f32 scores and online softmax vs double: 2e-5 absolute on outputs of magnitude <= 1.
    CHECK(tolerance_ratio(out, want, 2e-5, 1e-4, &where) <= 1.0);
    INFO(where);
  }
}

}  // namespace

TEST_CASE("attention matches the reference for every mask kind", "[parity][pointwise][attention]") {
  std::mt19937 rng(20);
  using M = MaskKind;
  const Case cases[] = {
      // MHA, bidirectional and causal, odd sizes, several key tiles
      {1, 37, 37, 2, 2, 16, 16, M::kNone, 0, 0, 0, false},
      {2, 45, 150, 3, 3, 24, 24, M::kNone, 0, 0, 0, true},
      {1, 130, 130, 2, 2, 64, 64, M::kCausal, 0, 0, 0, false},
      {1, 70, 200, 2, 1, 40, 56, M::kCausal, 130, 0, 0, true},  // q_offset: chunked prefill, dv != d
      // GQA ratios 2, 7 (Qwen2-VL-like) and 14 (one kv head)
      {1, 33, 33, 4, 2, 64, 64, M::kCausal, 0, 0, 0, false},
      {1, 50, 90, 14, 2, 64, 64, M::kCausal, 40, 0, 0, false},
      {2, 19, 19, 14, 1, 32, 32, M::kNone, 0, 0, 0, true},
      // sliding window, block diagonal, block causal
      {1, 100, 100, 2, 2, 32, 32, M::kSlidingWindow, 0, 17, 0, false},
      {1, 60, 160, 4, 2, 32, 32, M::kSlidingWindow, 100, 70, 0, true},
      {1, 90, 90, 2, 1, 48, 48, M::kBlockDiagonal, 0, 0, 25, false},
      {2, 40, 100, 3, 3, 16, 16, M::kBlockDiagonal, 60, 0, 16, true},
      {1, 90, 90, 4, 4, 32, 32, M::kBlockCausal, 0, 0, 30, false},
      {1, 30, 95, 2, 2, 20, 20, M::kBlockCausal, 50, 0, 33, false},
      // decode: one query against a long cache, with and without GQA
      {1, 1, 300, 14, 2, 64, 64, M::kCausal, 299, 0, 0, false},
      {2, 1, 77, 4, 4, 80, 80, M::kNone, 0, 0, 0, true},
      {1, 1, 129, 8, 2, 64, 64, M::kSlidingWindow, 128, 50, 0, false},
      // head dims that are not multiples of 16; a single key
      {1, 9, 11, 2, 2, 3, 5, M::kNone, 0, 0, 0, false},
      {1, 5, 1, 1, 1, 7, 9, M::kNone, 0, 0, 0, false},
  };
  for (const auto& c : cases) check_case(c, rng);
}

TEST_CASE("attention rows that see no key are zeros", "[parity][pointwise][attention]") {
  std::mt19937 rng(21);
  // Causal with a negative offset: queries 0..4 sit before key 0.
  check_case({1, 20, 20, 2, 2, 16, 16, MaskKind::kCausal, -5, 0, 0, false}, rng);
  // No keys at all.
  check_case({1, 4, 0, 2, 1, 16, 16, MaskKind::kNone, 0, 0, 0, false}, rng);
  // Window fully before the cache: query positions 0..6 see keys > 100 only... none exist.
  Tensor q = random_tensor({1, 7, 2, 16}, DType::kF32, rng), k = random_tensor({1, 30, 2, 16}, DType::kF32, rng);
  Tensor v = random_tensor({1, 30, 2, 16}, DType::kF32, rng);
  for (const auto& cfg : pw::configs()) {
    Tensor out = random_tensor({1, 7, 2, 16}, DType::kF32, rng, 1, 2);
    AttentionArgs a{&q, &k, &v, &out, 0.0f, MaskKind::kCausal, -100, 0, 0};
    REQUIRE(pw::run(cfg, a).ok());
    for (int64_t i = 0; i < out.numel(); ++i) REQUIRE(out.data<float>()[i] == 0.0f);
  }
}

TEST_CASE("attention validates its arguments", "[parity][pointwise][attention]") {
  Tensor q = zeros({1, 4, 3, 8}), k = zeros({1, 4, 2, 8}), v = zeros({1, 4, 2, 8}), out = zeros({1, 4, 3, 8});
  AttentionArgs a{&q, &k, &v, &out};
  CHECK(reference::attention({}, a).code() == StatusCode::kInvalidArgument);  // 3 % 2 != 0
  Tensor q2 = zeros({1, 4, 2, 8}), out2 = zeros({1, 4, 2, 8});
  AttentionArgs b{&q2, &k, &v, &out2, 0.0f, MaskKind::kSlidingWindow, 0, 0, 0};
  CHECK(reference::attention({}, b).code() == StatusCode::kInvalidArgument);  // window 0
  for (const auto& cfg : pw::configs()) {
    CHECK(pw::run(cfg, a).code() == StatusCode::kInvalidArgument);
    CHECK(pw::run(cfg, b).code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("attention over key parts (one call, or merged with lse) equals attention over all keys",
          "[parity][pointwise][attention]") {
  std::mt19937 rng(22);
  struct Split {
    int64_t tq, tk, hq, hkv, q_offset;
    std::vector<int64_t> cuts;  // part boundaries inside [0, tk]
  };
  const Split splits[] = {
      {1, 300, 14, 2, 299, {0, 256, 300}},               // decode over two pages
      {40, 300, 4, 2, 260, {0, 64, 128, 256, 300}},      // chunked prefill over pages
      {20, 100, 2, 2, 80, {0, 90, 100}},                 // last part: every query sees some keys
      {10, 64, 2, 1, -20, {0, 32, 64}},                  // rows that see no key in any part
  };
  for (const auto& sp : splits) {
    Tensor q = random_tensor({1, sp.tq, sp.hq, 32}, DType::kF32, rng, -2, 2);
    Tensor k = random_tensor({1, sp.tk, sp.hkv, 32}, DType::kF32, rng, -2, 2);
    Tensor v = random_tensor({1, sp.tk, sp.hkv, 32}, DType::kF32, rng, -1, 1);
    Tensor want = zeros({1, sp.tq, sp.hq, 32}), want_lse = zeros({1, sp.tq, sp.hq});
    AttentionArgs all{&q, &k, &v, &want, 0.0f, MaskKind::kCausal, sp.q_offset, 0, 0, &want_lse};
    REQUIRE(reference::attention({}, all).ok());
    for (const auto& cfg : pw::configs()) {
      INFO("tq " << sp.tq << " tk " << sp.tk << " parts " << sp.cuts.size() - 1 << " " << cfg.label);
      Tensor out = random_tensor({1, sp.tq, sp.hq, 32}, DType::kF32, rng, 5, 6);
      Tensor lse = random_tensor({1, sp.tq, sp.hq}, DType::kF32, rng, 5, 6);
      for (size_t p = 0; p + 1 < sp.cuts.size(); ++p) {
        const int64_t b = sp.cuts[p], n = sp.cuts[p + 1] - b;
        Tensor kp = k.slice(1, b, b + n).value(), vp = v.slice(1, b, b + n).value();
        AttentionArgs a{&q, &kp, &vp, &out, 0.0f, MaskKind::kCausal, sp.q_offset - b, 0, 0, &lse, p > 0};
        REQUIRE(pw::run(cfg, a).ok());
      }
      // The same parts passed as k_parts / v_parts: one call, no merge.
      std::vector<Tensor> kps, vps;
      for (size_t p = 0; p + 1 < sp.cuts.size(); ++p) {
        kps.push_back(k.slice(1, sp.cuts[p], sp.cuts[p + 1]).value());
        vps.push_back(v.slice(1, sp.cuts[p], sp.cuts[p + 1]).value());
      }
      std::vector<const Tensor*> kptr, vptr;
      for (size_t p = 0; p < kps.size(); ++p) {
        kptr.push_back(&kps[p]);
        vptr.push_back(&vps[p]);
      }
      Tensor paged = random_tensor({1, sp.tq, sp.hq, 32}, DType::kF32, rng, 5, 6);
      AttentionArgs pa{&q, kptr[0], vptr[0], &paged, 0.0f, MaskKind::kCausal, sp.q_offset, 0, 0};
      pa.k_parts = kptr;
      pa.v_parts = vptr;
      REQUIRE(pw::run(cfg, pa).ok());
      std::string where;
      CHECK(tolerance_ratio(paged, want, 2e-5, 1e-4, &where) <= 1.0);
      INFO(where);
      CHECK(tolerance_ratio(out, want, 2e-5, 1e-4, &where) <= 1.0);
      INFO(where);
      for (int64_t i = 0; i < lse.numel(); ++i) {
        const float w = want_lse.data<float>()[i], g = lse.data<float>()[i];
        if (std::isinf(w)) {
          REQUIRE(std::isinf(g));
        } else {
          REQUIRE(std::fabs(g - w) <= 1e-4f * (1.0f + std::fabs(w)));
        }
      }
    }
  }
  // Parts whose layout differs from k / v, or unequal part counts, are refused.
  {
    Tensor q = zeros({1, 2, 2, 8}), k = zeros({1, 4, 2, 8}), bad = zeros({1, 4, 1, 8}), out = zeros({1, 2, 2, 8});
    const Tensor* kp[] = {&k, &bad};
    const Tensor* vp[] = {&k, &k};
    AttentionArgs a{&q, &k, &k, &out};
    a.k_parts = kp;
    a.v_parts = vp;
    CHECK(reference::attention({}, a).code() == StatusCode::kInvalidArgument);
    a.v_parts = std::span<const Tensor* const>(vp, 1);
    CHECK(reference::attention({}, a).code() == StatusCode::kInvalidArgument);
  }
  // accumulate without lse is refused.
  Tensor q = zeros({1, 2, 2, 8}), k = zeros({1, 2, 2, 8}), out = zeros({1, 2, 2, 8});
  AttentionArgs bad{&q, &k, &k, &out, 0.0f, MaskKind::kNone, 0, 0, 0, nullptr, true};
  CHECK(reference::attention({}, bad).code() == StatusCode::kInvalidArgument);
}
