// CDF table builders (table_builders.h): CompressAI's Gaussian tables rebuilt
// with integer arithmetic, its pmf_to_quantized_cdf rule, count-based static
// tables, and the fixed-point / float32-emulation primitives underneath.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "fixed_point.h"
#include "fixed_point_float32.h"
#include "entropy_test_util.h"
#include "nmc/codecs/entropy/table_builders.h"

namespace nmc::entropy {
namespace {

using test::open_file;
using test::read_tensor;

// FNV-1a (64-bit) over a sequence of 32-bit values, one value at a time.
uint64_t fnv1a(uint64_t h, std::span<const int32_t> values) {
  for (int32_t v : values) {
    h ^= static_cast<uint32_t>(v);
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t checksum(const CdfRows& rows) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv1a(h, rows.cdf_lengths);
  h = fnv1a(h, rows.offsets);
  return fnv1a(h, rows.cdf_rows);
}

std::vector<uint32_t> frequencies(std::span<const uint32_t> cdf) {
  std::vector<uint32_t> f(cdf.size() - 1);
  for (size_t k = 0; k + 1 < cdf.size(); ++k) f[k] = cdf[k + 1] - cdf[k];
  return f;
}

// The binary32 bits of an emulated value in the normal range.
uint32_t bits_of(fixed::Float32 v) {
  if (v.is_zero()) return v.negative ? 0x80000000u : 0u;
  REQUIRE(v.exp + 150 >= 1);
  REQUIRE(v.exp + 150 <= 254);
  return (v.negative ? 0x80000000u : 0u) | (uint32_t(v.exp + 150) << 23) | (v.mant & 0x7FFFFFu);
}

}  // namespace

TEST_CASE("default_gaussian_scale_table equals CompressAI's float32 scale table bit for bit", "[entropy][tables]") {
  auto file = open_file("compressai_gaussian_tables.safetensors");
  const std::vector<float> reference = read_tensor<float>(file, "scale_table");
  const std::span<const float> table = default_gaussian_scale_table();
  REQUIRE(table.size() == 64);
  REQUIRE(reference.size() == 64);
  for (size_t k = 0; k < table.size(); ++k) {
    INFO("k = " << k);
    CHECK(std::bit_cast<uint32_t>(table[k]) == std::bit_cast<uint32_t>(reference[k]));
  }
}

TEST_CASE("Gaussian tables equal CompressAI's GaussianConditional tables", "[entropy][tables][parity]") {
  auto file = open_file("compressai_gaussian_tables.safetensors");
  const std::vector<int32_t> ref_rows = read_tensor<int32_t>(file, "cdf_rows");
  const std::vector<int32_t> ref_lengths = read_tensor<int32_t>(file, "cdf_length");
  const std::vector<int32_t> ref_offsets = read_tensor<int32_t>(file, "offset");

  auto built = build_gaussian_rows(default_gaussian_scale_table());
  REQUIRE(built.ok());
  REQUIRE(built->cdf_lengths == ref_lengths);
  REQUIRE(built->offsets == ref_offsets);
  REQUIRE(built->cdf_rows.size() == ref_rows.size());

  // Measured: 0 differing frequencies in all 64 tables (27256 CDF entries). A
  // computation in exact arithmetic instead of CompressAI's float32 would differ
  // in 3 frequencies of table 46 (by up to 2), which is why float32 is emulated.
  int differing = 0;
  int max_difference = 0;
  size_t pos = 0;
  for (size_t t = 0; t < ref_lengths.size(); ++t) {
    for (int32_t i = 0; i + 1 < ref_lengths[t]; ++i) {
      const int32_t ours = built->cdf_rows[pos + i + 1] - built->cdf_rows[pos + i];
      const int32_t theirs = ref_rows[pos + i + 1] - ref_rows[pos + i];
      if (ours != theirs) {
        ++differing;
        max_difference = std::max(max_difference, std::abs(ours - theirs));
      }
    }
    pos += size_t(ref_lengths[t]);
  }
  CHECK(differing == 0);
  CHECK(max_difference == 0);

  // Ideal code length of the fixture's y symbols (mbt2018-mean) under both table sets.
  auto ours = build_gaussian_tables(default_gaussian_scale_table());
  REQUIRE(ours.ok());
  const CdfTableSet theirs = test::compressai_gaussian_tables();
  const test::CompressaiFixture fx = test::load_compressai_fixture("mbt2018-mean");
  REQUIRE(fx.y_symbols.size() == fx.y_indexes.size());
  REQUIRE(fx.y_symbols.size() == 96u * 12u * 16u);
  double bits_ours = 0.0, bits_theirs = 0.0;
  for (size_t i = 0; i < fx.y_symbols.size(); ++i) {
    bits_ours += ours->cost_bits(fx.y_indexes[i], fx.y_symbols[i]);
    bits_theirs += theirs.cost_bits(fx.y_indexes[i], fx.y_symbols[i]);
  }
  CHECK(bits_ours == Approx(bits_theirs).epsilon(1e-12));
  // Cross-check against CompressAI's real y string (13920 bytes = 111360 bits):
  // measured ideal cost 111324.2 bits (1004 escapes); the 35.8-bit gap is the
  // coder's flush and rounding overhead.
  const double string_bits = 8.0 * double(fx.y_string.size());
  CHECK(bits_ours < string_bits);
  CHECK(bits_ours > string_bits - 128.0);
}

TEST_CASE("Gaussian tables are deterministic and pinned by a checksum", "[entropy][tables]") {
  auto first = build_gaussian_rows(default_gaussian_scale_table());
  auto second = build_gaussian_rows(default_gaussian_scale_table());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->cdf_rows == second->cdf_rows);
  CHECK(first->cdf_lengths == second->cdf_lengths);
  CHECK(first->offsets == second->offsets);
  // FNV-1a over lengths, offsets and rows; CompressAI's tables have the same checksum.
  CHECK(checksum(*first) == 0x78f6288d22b9bd06ULL);
  auto file = open_file("compressai_gaussian_tables.safetensors");
  CdfRows reference{read_tensor<int32_t>(file, "cdf_rows"), read_tensor<int32_t>(file, "cdf_length"),
                    read_tensor<int32_t>(file, "offset")};
  CHECK(checksum(reference) == 0x78f6288d22b9bd06ULL);
}

TEST_CASE("Gaussian tables for other scales and bounds", "[entropy][tables]") {
  SECTION("one scale: valid table with the documented size") {
    const float scales[] = {1.0f};
    auto rows = build_gaussian_rows(scales);
    REQUIRE(rows.ok());
    // center = ceil(1.0 * 6.1094103) = 7: values -7..7 plus the escape.
    REQUIRE(rows->cdf_lengths == std::vector<int32_t>{17});
    REQUIRE(rows->offsets == std::vector<int32_t>{-7});
    CHECK(rows->cdf_rows.front() == 0);
    CHECK(rows->cdf_rows.back() == 65536);
    for (size_t i = 1; i < rows->cdf_rows.size(); ++i) CHECK(rows->cdf_rows[i] > rows->cdf_rows[i - 1]);
    // The value 0 carries Phi(0.5) - Phi(-0.5) = 0.382925 of the mass.
    CHECK(rows->cdf_rows[8] - rows->cdf_rows[7] == Approx(0.382925 * 65536).margin(2.0));
    auto set = build_gaussian_tables(scales);
    REQUIRE(set.ok());
    CHECK(set->num_symbols(0) == 16);
  }
  SECTION("a larger tail bound widens the tables") {
    const float scales[] = {2.0f};
    GaussianTableParams params;
    params.tail_bound = 8.0f;
    auto rows = build_gaussian_rows(scales, params);
    REQUIRE(rows.ok());
    CHECK(rows->offsets == std::vector<int32_t>{-16});
  }
  SECTION("a tiny scale puts all mass on 0 (0.5 / scale overflows float32)") {
    const float scales[] = {1e-30f, std::numeric_limits<float>::denorm_min()};
    auto rows = build_gaussian_rows(scales);
    REQUIRE(rows.ok());
    // center 1: values -1, 0, 1 and the escape; the zero repair gives 1 to each.
    CHECK(rows->cdf_rows == std::vector<int32_t>{0, 1, 65534, 65535, 65536, 0, 1, 65534, 65535, 65536});
    CHECK(rows->offsets == std::vector<int32_t>{-1, -1});
  }
  SECTION("invalid input") {
    CHECK(build_gaussian_rows({}).status().code() == StatusCode::kInvalidArgument);
    for (float bad : {0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      6000.0f}) {
      INFO("scale " << bad);
      const float scales[] = {0.5f, bad};
      CHECK(build_gaussian_rows(scales).status().code() == StatusCode::kInvalidArgument);
    }
    const float scales[] = {1.0f};
    for (float bad : {0.0f, -6.0f, std::numeric_limits<float>::quiet_NaN()}) {
      GaussianTableParams params;
      params.tail_bound = bad;
      CHECK(build_gaussian_rows(scales, params).status().code() == StatusCode::kInvalidArgument);
    }
    // 2 * ceil(5363 * 6.1094) + 2 = 65532 symbols still fit; 5364 needs 65542.
    const float largest[] = {5363.0f};
    CHECK(build_gaussian_rows(largest).ok());
    const float too_large[] = {5364.0f};
    CHECK(build_gaussian_rows(too_large).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("gaussian_scale_index follows CompressAI's build_indexes", "[entropy][tables]") {
  const std::span<const float> table = default_gaussian_scale_table();
  CHECK(gaussian_scale_index(table, 0.0f) == 0);
  CHECK(gaussian_scale_index(table, -3.0f) == 0);
  CHECK(gaussian_scale_index(table, table[0]) == 0);
  CHECK(gaussian_scale_index(table, std::nextafter(table[0], 1.0f)) == 1);
  CHECK(gaussian_scale_index(table, table[17]) == 17);
  CHECK(gaussian_scale_index(table, std::nextafter(table[17], 1000.0f)) == 18);
  CHECK(gaussian_scale_index(table, table[62]) == 62);
  CHECK(gaussian_scale_index(table, std::nextafter(table[62], 1000.0f)) == 63);
  CHECK(gaussian_scale_index(table, 1e6f) == 63);
  CHECK(gaussian_scale_index(table, std::numeric_limits<float>::quiet_NaN()) == 63);
  CHECK(gaussian_scale_index({}, 1.0f) == 0);
}

TEST_CASE("gaussian_tail_bound inverts the tail mass", "[entropy][tables]") {
  // Expected: float32 of -Phi^-1(mass / 2) from a 300-bit evaluation.
  auto b9 = gaussian_tail_bound(1, 1000000000);
  REQUIRE(b9.ok());
  CHECK(std::bit_cast<uint32_t>(*b9) == std::bit_cast<uint32_t>(GaussianTableParams{}.tail_bound));
  CHECK(std::bit_cast<uint32_t>(*b9) == 0x40c3804au);
  auto half = gaussian_tail_bound(1, 2);  // 0.6744897501960817
  REQUIRE(half.ok());
  CHECK(std::bit_cast<uint32_t>(*half) == 0x3f2cab5cu);
  auto milli = gaussian_tail_bound(1, 1000);  // 3.2905267314918948
  REQUIRE(milli.ok());
  CHECK(std::bit_cast<uint32_t>(*milli) == 0x405297fdu);
  auto smallest = gaussian_tail_bound(1, uint64_t(1) << 60);  // 8.8510030683861469
  REQUIRE(smallest.ok());
  CHECK(std::bit_cast<uint32_t>(*smallest) == 0x410d9db5u);
  CHECK(gaussian_tail_bound(0, 5).status().code() == StatusCode::kInvalidArgument);
  CHECK(gaussian_tail_bound(5, 5).status().code() == StatusCode::kInvalidArgument);
  CHECK(gaussian_tail_bound(1, (uint64_t(1) << 60) + 1).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("quantize_pmf reproduces CompressAI's pmf_to_quantized_cdf", "[entropy][tables]") {
  using V = std::vector<uint32_t>;
  const auto run = [](std::vector<uint64_t> pmf, int frac_bits) {
    auto cdf = quantize_pmf(pmf, frac_bits);
    REQUIRE(cdf.ok());
    return std::move(cdf).value();
  };
  SECTION("exact probabilities pass through") {
    CHECK(run({16384, 32768, 16384}, 16) == V{0, 16384, 49152, 65536});
  }
  SECTION("half rounds away from zero, then renormalisation floors and gives the rest to the last symbol") {
    // 2.5, 65530, 4 -> round 3, 65530, 4 (total 65537) -> floor(65536 f / 65537) = 2, 65529, 3 -> last + 2.
    CHECK(run({5, 131060, 8}, 17) == V{0, 2, 65531, 65536});
    // 2.5 - 2^-46 rounds down: 2, 65530, 4 (total 65536, no renormalisation).
    const uint64_t just_below = (uint64_t(5) << 45) - 1;  // (2.5 - 2^-46) * 2^46 at 62 fraction bits
    CHECK(run({just_below, uint64_t(65530) << 46, uint64_t(4) << 46}, 62) == V{0, 2, 65532, 65536});
  }
  SECTION("remainder of a total below 65536 goes to the last symbol") {
    // 3 x 20000: floor(65536 * 20000 / 60000) = 21845 each, the last (0) gets 1.
    CHECK(run({20000, 20000, 20000, 0}, 16) == V{0, 21845, 43690, 65535, 65536});
  }
  SECTION("zero-frequency repair takes from a later symbol (j > i)") {
    // f = 0, 5, 3, 65528: symbol 0 takes one unit from symbol 2 (smallest f > 1).
    CHECK(run({0, 5, 3, 65528}, 16) == V{0, 1, 6, 8, 65536});
  }
  SECTION("zero-frequency repair takes from an earlier symbol (j < i)") {
    // f = 4, 2, 65530, 0: the escape takes one unit from symbol 1.
    CHECK(run({4, 2, 65530, 0}, 16) == V{0, 4, 5, 65535, 65536});
  }
  SECTION("ties between donors go to the lowest index; a donor at 2 drops out at 1") {
    CHECK(run({0, 3, 3, 65530}, 16) == V{0, 1, 3, 6, 65536});
    CHECK(run({0, 0, 2, 65534}, 16) == V{0, 1, 2, 3, 65536});
  }
  SECTION("invalid input") {
    CHECK(quantize_pmf(std::vector<uint64_t>{1}, 16).status().code() == StatusCode::kInvalidArgument);
    CHECK(quantize_pmf(std::vector<uint64_t>{1, 1}, 15).status().code() == StatusCode::kInvalidArgument);
    CHECK(quantize_pmf(std::vector<uint64_t>{1, 1}, 63).status().code() == StatusCode::kInvalidArgument);
    // Both probabilities round to 0.
    CHECK(quantize_pmf(std::vector<uint64_t>{1, 1}, 40).status().code() == StatusCode::kInvalidArgument);
    // A probability above 1.
    CHECK(quantize_pmf(std::vector<uint64_t>{65537, 0}, 16).status().code() == StatusCode::kInvalidArgument);
    CHECK(quantize_pmf(std::vector<uint64_t>(kMaxSymbols + 1, 1), 16).status().code() ==
          StatusCode::kInvalidArgument);
  }
}

TEST_CASE("counts_to_cdf: near-optimal static tables from symbol counts", "[entropy][tables]") {
  SECTION("skewed 1024-symbol distribution costs within 0.1% of its entropy") {
    // Zipf-like counts, as for one audio RVQ codebook: c_k = 10^9 / (k + 1)^1.2.
    std::vector<uint64_t> counts(1024);
    for (size_t k = 0; k < counts.size(); ++k) counts[k] = uint64_t(1e9 / std::pow(double(k + 1), 1.2));
    auto cdf = counts_to_cdf(counts);
    REQUIRE(cdf.ok());
    REQUIRE(cdf->size() == 1026);
    CHECK(cdf->front() == 0);
    CHECK(cdf->back() == 65536);
    const std::vector<uint32_t> f = frequencies(*cdf);
    for (uint32_t v : f) REQUIRE(v >= 1);
    CHECK(f.back() == 1);  // escape
    double total = 0.0, entropy = 0.0, cost = 0.0;
    for (uint64_t c : counts) total += double(c);
    for (size_t k = 0; k < counts.size(); ++k) {
      const double c = double(counts[k]);
      entropy -= c * std::log2(c / total);
      cost -= c * std::log2(f[k] / 65536.0);
    }
    // Measured: cost / entropy - 1 = 2.1e-5 (entropy 6.11 bits per symbol).
    CHECK(cost / entropy - 1.0 < 1e-3);
    CHECK(cost >= entropy);
    // No single unit move helps (exact logarithms; the marginal test is approximate).
    double best_gain = 0.0, least_loss = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < counts.size(); ++k) {
      const double c = double(counts[k]);
      best_gain = std::max(best_gain, c * std::log2((f[k] + 1.0) / f[k]));
      if (f[k] > 1) least_loss = std::min(least_loss, c * std::log2(f[k] / (f[k] - 1.0)));
    }
    CHECK(best_gain <= least_loss * (1.0 + 1e-4));
  }
  SECTION("one value") {
    auto cdf = counts_to_cdf(std::vector<uint64_t>{5});
    REQUIRE(cdf.ok());
    CHECK(*cdf == std::vector<uint32_t>{0, 65535, 65536});
  }
  SECTION("all-zero counts give the uniform table") {
    auto cdf = counts_to_cdf(std::vector<uint64_t>(4, 0));
    REQUIRE(cdf.ok());
    // 16384 each + escape 1 = 65537: one unit leaves symbol 0 (ties: lowest index).
    CHECK(*cdf == std::vector<uint32_t>{0, 16383, 32767, 49151, 65535, 65536});
    auto uniform = build_uniform_table(4, -2);
    REQUIRE(uniform.ok());
    const auto ucdf = uniform->cdf(0);
    CHECK(std::vector<uint32_t>(ucdf.begin(), ucdf.end()) == *cdf);
    CHECK(uniform->offset(0) == -2);
    CHECK(uniform->num_symbols(0) == 5);
  }
  SECTION("extreme counts do not overflow") {
    const uint64_t big = std::numeric_limits<uint64_t>::max();
    auto cdf = counts_to_cdf(std::vector<uint64_t>{big, big, 0, 1});
    REQUIRE(cdf.ok());
    // 32767 each + 3 ones = 65537: the tie between the two gives up the lower index.
    CHECK(frequencies(*cdf) == std::vector<uint32_t>{32766, 32767, 1, 1, 1});
  }
  SECTION("the largest table: 65535 values and the escape, all 1") {
    auto cdf = counts_to_cdf(std::vector<uint64_t>(kMaxSymbols - 1, 7));
    REQUIRE(cdf.ok());
    for (uint32_t v : frequencies(*cdf)) REQUIRE(v == 1);
  }
  SECTION("invalid input") {
    CHECK(counts_to_cdf({}).status().code() == StatusCode::kInvalidArgument);
    CHECK(counts_to_cdf(std::vector<uint64_t>(kMaxSymbols, 1)).status().code() == StatusCode::kInvalidArgument);
    CHECK(build_uniform_table(0, 0).status().code() == StatusCode::kInvalidArgument);
    CHECK(build_uniform_table(kMaxSymbols, 0).status().code() == StatusCode::kInvalidArgument);
    const std::vector<uint64_t> counts(10, 1);
    CHECK(build_frequency_table(counts, std::numeric_limits<int32_t>::max() - 9).ok());
    CHECK(build_frequency_table(counts, std::numeric_limits<int32_t>::max() - 8).status().code() ==
          StatusCode::kInvalidArgument);
  }
}

TEST_CASE("build_uniform_table for a 1024-entry codebook", "[entropy][tables]") {
  auto set = build_uniform_table(1024, 0);
  REQUIRE(set.ok());
  REQUIRE(set->num_symbols(0) == 1025);
  const std::vector<uint32_t> f = frequencies(set->cdf(0));
  CHECK(f[0] == 63);  // 1024 * 64 + 1 = 65537: one unit leaves symbol 0
  for (size_t k = 1; k < 1024; ++k) REQUIRE(f[k] == 64);
  CHECK(f[1024] == 1);
}

TEST_CASE("erfc_q120 matches 300-bit references within 2^-100", "[entropy][tables]") {
  using fixed::i128;
  using fixed::u128;
  const auto q120 = [](uint64_t hi, uint64_t lo) { return (u128(hi) << 64) | lo; };
  struct Case {
    i128 a;
    u128 expected;
  };
  const i128 one = fixed::kOne;
  // References: round(erfc(a) * 2^120) at the Q120 point a, from a 300-bit evaluation.
  const Case cases[] = {
      {one / 2, q120(0x7ac0851f38916eULL, 0xa17f60e5ce5d856bULL)},       // erfc(0.5)
      {one, q120(0x2844c2c5f7bba9ULL, 0xc97f778122796c86ULL)},           // erfc(1)
      {one * 33 / 10, q120(0x334cc379bdULL, 0x894b5cbd9e0477f9ULL)},     // erfc(3.3)
      {-2 * one, q120(0x1fecd70a13caf19ULL, 0x972801904b9a33efULL)},     // erfc(-2)
      {6 * one, q120(0x1ULL, 0x8cf81557d20b61a8ULL)},                    // erfc(6) = 2.2e-17
      {one / 16, q120(0xedf82b7f16f9a7ULL, 0xacf28ef32757e029ULL)},      // erfc(0.0625)
      {one * 23 / 2, 0},                                                 // erfc(11.5) < 2^-196
      {0, u128(1) << fixed::kFracBits},                                  // erfc(0) = 1
  };
  const u128 tolerance = u128(1) << 20;  // 2^-100; measured worst case 2^-113.6 over 4000 points
  for (const Case& c : cases) {
    const u128 got = fixed::erfc_q120(c.a);
    const u128 error = got > c.expected ? got - c.expected : c.expected - got;
    INFO("a * 2^20 = " << int64_t(c.a >> 100) << ", error * 2^120 = " << uint64_t(error));
    CHECK(error <= tolerance);
  }
  // Symmetry erfc(-a) = 2 - erfc(a) holds exactly by construction; monotone on a fine grid.
  u128 previous = u128(2) << fixed::kFracBits;
  for (int k = -1000; k <= 1000; ++k) {
    const u128 v = fixed::erfc_q120((one / 128) * k);
    REQUIRE(v <= previous);
    previous = v;
  }
}

TEST_CASE("float32 emulation equals IEEE hardware arithmetic", "[entropy][tables]") {
  std::mt19937 rng(20240611);
  // Random normal floats with exponents in [-40, 40]: results stay normal.
  std::uniform_int_distribution<uint32_t> mantissa(0, 0x7FFFFF);
  std::uniform_int_distribution<int> exponent(127 - 40, 127 + 40);
  std::uniform_int_distribution<int> sign(0, 1);
  const auto random_float = [&] {
    return std::bit_cast<float>((uint32_t(sign(rng)) << 31) | (uint32_t(exponent(rng)) << 23) | mantissa(rng));
  };
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    float x = random_float();
    float y = random_float();
    if (i % 4 == 0) y = std::bit_cast<float>(std::bit_cast<uint32_t>(x) ^ uint32_t(rng() & 0x3F));  // near-cancellation
    const fixed::Float32 ex = fixed::float32_from_bits(std::bit_cast<uint32_t>(x));
    const fixed::Float32 ey = fixed::float32_from_bits(std::bit_cast<uint32_t>(y));
    const volatile float vx = x, vy = y;  // keep the hardware operations at run time
    INFO("x = " << x << " y = " << y);
    REQUIRE(bits_of(fixed::mul(ex, ey)) == std::bit_cast<uint32_t>(float(vx * vy)));
    REQUIRE(bits_of(fixed::div(ex, ey)) == std::bit_cast<uint32_t>(float(vx / vy)));
    const float sum = vx + vy, difference = vx - vy;
    if (sum != 0.0f && std::fabs(sum) >= std::numeric_limits<float>::min()) {
      REQUIRE(bits_of(fixed::add(ex, ey)) == std::bit_cast<uint32_t>(sum));
      ++checked;
    }
    if (difference != 0.0f && std::fabs(difference) >= std::numeric_limits<float>::min()) {
      REQUIRE(bits_of(fixed::sub(ex, ey)) == std::bit_cast<uint32_t>(difference));
    }
  }
  CHECK(checked > 19000);
  // ceil and the fixed-point conversions.
  CHECK(fixed::ceil_to_int(fixed::float32_from_bits(std::bit_cast<uint32_t>(6.5f))) == 7);
  CHECK(fixed::ceil_to_int(fixed::float32_from_bits(std::bit_cast<uint32_t>(-6.5f))) == -6);
  CHECK(fixed::ceil_to_int(fixed::float32_from_bits(std::bit_cast<uint32_t>(7.0f))) == 7);
  CHECK(fixed::ceil_to_int(fixed::float32_from_bits(std::bit_cast<uint32_t>(1e-30f))) == 1);
  CHECK(fixed::to_fixed_floor(fixed::float32_from_bits(std::bit_cast<uint32_t>(0.75f)), 16) == 49152);
  CHECK(fixed::to_fixed_floor(fixed::float32_from_bits(std::bit_cast<uint32_t>(1e-10f)), 16) == 0);
}

}  // namespace nmc::entropy
