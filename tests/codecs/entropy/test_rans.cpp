// rANS coder: CompressAI byte compatibility, round trips, canonical streams,
// coding overhead and hostile streams.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "entropy_test_util.h"
#include "nmc/codecs/entropy/rans.h"

using namespace nmc;
using namespace nmc::entropy;
using namespace nmc::entropy::test;

namespace {

std::vector<uint8_t> encode_all(int lanes, std::span<const int32_t> values, std::span<const int32_t> indexes,
                                const CdfTableSet& tables) {
  RansEncoder enc(lanes);
  REQUIRE(enc.encode(values, indexes, tables).ok());
  return enc.finish();
}

Status decode_all(int lanes, std::span<const uint8_t> bytes, std::span<int32_t> out,
                  std::span<const int32_t> indexes, const CdfTableSet& tables) {
  NMC_ASSIGN_OR_RETURN(auto dec, RansDecoder::open(bytes, lanes));
  NMC_RETURN_IF_ERROR(dec.decode(out, indexes, tables));
  return dec.finish();
}

// A random table set: `count` tables with 1..max_values values, random
// frequencies (some equal to 1) and random offsets.
CdfTableSet random_tables(std::mt19937& rng, int count, int max_values) {
  std::vector<int32_t> rows, lengths, offsets;
  for (int t = 0; t < count; ++t) {
    const int values = std::uniform_int_distribution<int>(1, max_values)(rng);
    const int n = values + 1;  // + escape
    std::vector<uint64_t> w(n);
    for (auto& x : w) x = (rng() % 4 == 0) ? 0 : rng() % 1000;
    // Frequencies: 1 + share of the rest proportional to w.
    uint64_t sum = 0;
    for (auto x : w) sum += x;
    const uint32_t spare = kProbabilityOne - n;
    std::vector<uint32_t> f(n, 1);
    uint32_t given = 0;
    for (int i = 0; i < n && sum; ++i) given += (f[i] += static_cast<uint32_t>(w[i] * spare / sum)) - 1;
    f[n - 1] += spare - given;
    int32_t c = 0;
    rows.push_back(0);
    for (auto x : f) rows.push_back(c += static_cast<int32_t>(x));
    lengths.push_back(n + 1);
    offsets.push_back(std::uniform_int_distribution<int32_t>(-300, 300)(rng));
  }
  auto set = CdfTableSet::from_rows(rows, lengths, offsets);
  REQUIRE(set.ok());
  return std::move(set).value();
}

// Ideal size in bits of coding values with the given tables (escape bypass bits included).
double ideal_bits(std::span<const int32_t> values, std::span<const int32_t> indexes, const CdfTableSet& tables) {
  double bits = 0;
  for (size_t i = 0; i < values.size(); ++i) bits += tables.cost_bits(indexes[i], values[i]);
  return bits;
}

}  // namespace

TEST_CASE("rANS with one lane writes CompressAI's exact y and z strings", "[rans][parity]") {
  const CdfTableSet gaussian = compressai_gaussian_tables();
  REQUIRE(gaussian.size() == 64);
  for (const char* model : {"mbt2018-mean", "bmshj2018-hyperprior"}) {
    SECTION(model) {
      const auto fx = load_compressai_fixture(model);
      const auto y = encode_all(1, fx.y_symbols, fx.y_indexes, gaussian);
      const auto z = encode_all(1, fx.z_symbols, fx.z_indexes, fx.eb_tables);
      CHECK(y == fx.y_string);
      CHECK(z == fx.z_string);

      // And decodes CompressAI's strings back to the symbols.
      std::vector<int32_t> y_out(fx.y_symbols.size()), z_out(fx.z_symbols.size());
      REQUIRE(decode_all(1, fx.y_string, y_out, fx.y_indexes, gaussian).ok());
      REQUIRE(decode_all(1, fx.z_string, z_out, fx.z_indexes, fx.eb_tables).ok());
      CHECK(y_out == fx.y_symbols);
      CHECK(z_out == fx.z_symbols);
    }
  }
}

TEST_CASE("rANS with 4 and 8 lanes codes the fixture symbols within 1% of CompressAI's size", "[rans][parity]") {
  const CdfTableSet gaussian = compressai_gaussian_tables();
  for (const char* model : {"mbt2018-mean", "bmshj2018-hyperprior"}) {
    const auto fx = load_compressai_fixture(model);
    for (int lanes : {4, 8}) {
      const auto y = encode_all(lanes, fx.y_symbols, fx.y_indexes, gaussian);
      const auto z = encode_all(lanes, fx.z_symbols, fx.z_indexes, fx.eb_tables);
      INFO(model << " lanes " << lanes << ": y " << y.size() << " vs " << fx.y_string.size() << ", z " << z.size()
                 << " vs " << fx.z_string.size());
      // The lanes add 8 bytes of final state each; z is only 768 symbols, so
      // its bound is 1% plus those bytes.
      CHECK(std::abs(double(y.size()) - double(fx.y_string.size())) <= 0.01 * fx.y_string.size());
      CHECK(std::abs(double(z.size()) - double(fx.z_string.size())) <= 0.01 * fx.z_string.size() + 8 * lanes);
      std::vector<int32_t> y_out(fx.y_symbols.size());
      REQUIRE(decode_all(lanes, y, y_out, fx.y_indexes, gaussian).ok());
      CHECK(y_out == fx.y_symbols);
      // Ideal size of the same symbols: the coder's overhead is the lanes' state bytes and word padding.
      const double ideal = ideal_bits(fx.y_symbols, fx.y_indexes, gaussian) / 8;
      CHECK(double(y.size()) <= ideal * 1.001 + 8 * lanes + 4);
      CHECK(double(y.size()) >= ideal);
    }
  }
}

TEST_CASE("rANS round-trips random streams over random tables with escapes", "[rans]") {
  std::mt19937 rng(7);
  for (int lanes : {1, 4, 8}) {
    for (int round = 0; round < 20; ++round) {
      const int table_count = 1 + round % 5 * 17;  // 1, 18, 35, 52, 69: exact and bucketed lookups
      const CdfTableSet tables = random_tables(rng, table_count, round % 2 ? 40 : 3000);
      const size_t n = std::uniform_int_distribution<size_t>(0, 5000)(rng);
      std::vector<int32_t> values(n), indexes(n);
      for (size_t i = 0; i < n; ++i) {
        indexes[i] = static_cast<int32_t>(rng() % table_count);
        const int32_t lo = tables.offset(indexes[i]);
        const int32_t count = static_cast<int32_t>(tables.num_symbols(indexes[i])) - 1;
        switch (rng() % 16) {
          case 0: values[i] = lo - 1 - static_cast<int32_t>(rng() % 100000); break;  // escape below
          case 1: values[i] = lo + count + static_cast<int32_t>(rng() % 100000); break;  // escape above
          case 2: values[i] = (rng() & 1) ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max(); break;
          default: values[i] = lo + static_cast<int32_t>(rng() % count);
        }
      }
      INFO("lanes " << lanes << " round " << round << " n " << n);
      const auto bytes = encode_all(lanes, values, indexes, tables);
      CHECK(bytes == encode_all(lanes, values, indexes, tables));  // deterministic
      std::vector<int32_t> out(n, 12345);
      REQUIRE(decode_all(lanes, bytes, out, indexes, tables).ok());
      CHECK(out == values);
      CHECK(double(bytes.size()) <= ideal_bits(values, indexes, tables) / 8 * 1.001 + 8 * lanes + 4);
    }
  }
}

TEST_CASE("rANS lane assignment is independent of how a stream is split into calls", "[rans]") {
  std::mt19937 rng(11);
  const CdfTableSet tables = random_tables(rng, 5, 20);
  const size_t n = 1001;
  std::vector<int32_t> values(n), indexes(n);
  for (size_t i = 0; i < n; ++i) {
    indexes[i] = static_cast<int32_t>(i % 5);
    values[i] = tables.offset(indexes[i]) + static_cast<int32_t>(rng() % 25) - 2;
  }
  for (int lanes : {1, 4, 8}) {
    const auto whole = encode_all(lanes, values, indexes, tables);
    RansEncoder enc(lanes);
    for (size_t a = 0; a < n;) {
      const size_t b = std::min(n, a + 1 + rng() % 13);
      REQUIRE(enc.encode(std::span(values).subspan(a, b - a), std::span(indexes).subspan(a, b - a), tables).ok());
      a = b;
    }
    CHECK(enc.finish() == whole);
    auto dec = RansDecoder::open(whole, lanes);
    REQUIRE(dec.ok());
    std::vector<int32_t> out(n);
    for (size_t a = 0; a < n;) {
      const size_t b = std::min(n, a + 1 + rng() % 7);
      REQUIRE(dec->decode(std::span(out).subspan(a, b - a), std::span(indexes).subspan(a, b - a), tables).ok());
      a = b;
    }
    REQUIRE(dec->finish().ok());
    CHECK(out == values);
  }
}

TEST_CASE("rANS edge cases: empty stream, one symbol, every table, single-table mode", "[rans]") {
  std::mt19937 rng(3);
  const CdfTableSet tables = random_tables(rng, 64, 200);
  for (int lanes : {1, 4, 8}) {
    RansEncoder empty(lanes);
    const auto bytes = empty.finish();
    CHECK(bytes.size() == 8u * lanes);
    auto dec = RansDecoder::open(bytes, lanes);
    REQUIRE(dec.ok());
    CHECK(dec->finish().ok());

    for (int t = 0; t < tables.size(); ++t) {
      for (int32_t v : {tables.offset(t), tables.offset(t) + int32_t(tables.num_symbols(t)) - 2,
                        tables.offset(t) - 1, tables.offset(t) + int32_t(tables.num_symbols(t)) - 1}) {
        RansEncoder enc(lanes);
        const int32_t value[1] = {v};
        REQUIRE(enc.encode(value, t, tables).ok());
        const auto one = enc.finish();
        auto d = RansDecoder::open(one, lanes);
        REQUIRE(d.ok());
        int32_t out[1] = {0};
        REQUIRE(d->decode(out, t, tables).ok());
        REQUIRE(d->finish().ok());
        CHECK(out[0] == v);
      }
    }
  }
  // Single-table mode equals indexed mode with a constant index.
  std::vector<int32_t> values(777);
  for (auto& v : values) v = tables.offset(9) + static_cast<int32_t>(rng() % 150);
  const std::vector<int32_t> nines(values.size(), 9);
  RansEncoder enc(8);
  REQUIRE(enc.encode(values, 9, tables).ok());
  CHECK(enc.finish() == encode_all(8, values, nines, tables));
}

TEST_CASE("rANS coded size is within 0.1% of the ideal for long streams", "[rans]") {
  // A skewed 256-value table and 200k symbols drawn from it.
  std::vector<int32_t> rows{0}, lengths{258}, offsets{-128};
  std::vector<uint32_t> freq(257);
  uint32_t sum = 0;
  for (int s = 0; s < 256; ++s) sum += freq[s] = 1 + static_cast<uint32_t>(30000.0 * std::exp(-std::abs(s - 128) / 6.0) / 6.0);
  freq[256] = kProbabilityOne - sum;
  REQUIRE(freq[256] >= 1);
  int32_t c = 0;
  for (auto f : freq) rows.push_back(c += static_cast<int32_t>(f));
  auto tables = CdfTableSet::from_rows(rows, lengths, offsets);
  REQUIRE(tables.ok());
  std::mt19937 rng(5);
  std::discrete_distribution<int> pick(freq.begin(), freq.end() - 1);
  std::vector<int32_t> values(200000);
  for (auto& v : values) v = pick(rng) - 128;
  const std::vector<int32_t> zeros(values.size(), 0);
  const double ideal = ideal_bits(values, zeros, *tables) / 8;
  for (int lanes : {1, 4, 8}) {
    RansEncoder enc(lanes);
    REQUIRE(enc.encode(values, 0, *tables).ok());
    const auto bytes = enc.finish();
    INFO("lanes " << lanes << ": " << bytes.size() << " bytes, ideal " << ideal);
    CHECK(double(bytes.size()) <= ideal * 1.001);
    CHECK(double(bytes.size()) >= ideal);
  }
}

TEST_CASE("rANS rejects bad arguments", "[rans][hostile]") {
  std::mt19937 rng(1);
  const CdfTableSet tables = random_tables(rng, 3, 10);
  const std::vector<int32_t> values{1, 2, 3};
  RansEncoder bad(3);
  CHECK(bad.encode(values, 0, tables).code() == StatusCode::kInvalidArgument);
  CHECK(bad.finish().empty());
  RansEncoder enc(4);
  CHECK(enc.encode(values, std::vector<int32_t>{0, 1}, tables).code() == StatusCode::kInvalidArgument);
  CHECK(enc.encode(values, std::vector<int32_t>{0, 3, 1}, tables).code() == StatusCode::kInvalidArgument);
  CHECK(enc.encode(values, std::vector<int32_t>{0, -1, 1}, tables).code() == StatusCode::kInvalidArgument);
  CHECK(enc.encode(values, 3, tables).code() == StatusCode::kInvalidArgument);
  CHECK(enc.symbols() == 0);  // nothing queued by failed calls
  REQUIRE(enc.encode(values, 1, tables).ok());
  const auto bytes = enc.finish();
  CHECK(RansDecoder::open(bytes, 2).status().code() == StatusCode::kInvalidArgument);
  auto dec = RansDecoder::open(bytes, 4);
  REQUIRE(dec.ok());
  std::vector<int32_t> out(3);
  CHECK(dec->decode(out, std::vector<int32_t>{0, 7, 0}, tables).code() == StatusCode::kInvalidArgument);
  // The decoder stays failed after an error.
  CHECK(!dec->decode(out, 1, tables).ok());
  CHECK(!dec->finish().ok());
}

TEST_CASE("rANS rejects truncated, extended and corrupted streams", "[rans][hostile]") {
  const CdfTableSet gaussian = compressai_gaussian_tables();
  const auto fx = load_compressai_fixture("mbt2018-mean");
  // A 2000-symbol prefix keeps the loops below quick.
  const std::span<const int32_t> values(fx.y_symbols.data(), 2000), indexes(fx.y_indexes.data(), 2000);
  for (int lanes : {1, 8}) {
    const auto bytes = encode_all(lanes, values, indexes, gaussian);
    std::vector<int32_t> out(values.size());
    // Every truncation length fails cleanly (open, decode or finish).
    for (size_t len = 0; len < bytes.size(); ++len) {
      const Status st = decode_all(lanes, std::span(bytes.data(), len), out, indexes, gaussian);
      INFO("lanes " << lanes << " length " << len);
      REQUIRE(!st.ok());
      CHECK(st.code() == StatusCode::kInvalidData);
      CHECK(!st.message().empty());
    }
    // Extra words after the stream are detected.
    auto longer = bytes;
    longer.insert(longer.end(), {1, 2, 3, 4});
    CHECK(decode_all(lanes, longer, out, indexes, gaussian).code() == StatusCode::kInvalidData);
    // A flipped bit is detected by the final-state check or a decode error,
    // except where the state bits it hits act as raw bits: an escaped value's
    // bypass nibbles, or a slot moving to a neighbouring symbol with the same
    // power-of-two frequency. Such a flip changes exactly one value and the
    // decoder stays in sync (the container's CRC catches it).
    int detected = 0, total = 0;
    for (size_t pos = 0; pos < bytes.size(); pos += 3) {
      auto bad = bytes;
      bad[pos] ^= static_cast<uint8_t>(1u << (pos % 8));
      ++total;
      const Status st = decode_all(lanes, bad, out, indexes, gaussian);
      if (!st.ok()) {
        ++detected;
        continue;
      }
      std::vector<size_t> changed;
      for (size_t i = 0; i < out.size(); ++i)
        if (out[i] != values[i]) changed.push_back(i);
      INFO("lanes " << lanes << " flip at byte " << pos);
      CHECK(changed.size() == 1);
    }
    INFO("lanes " << lanes << ": detected " << detected << " of " << total);
    CHECK(detected >= total * 90 / 100);  // measured: 95%
  }
}

TEST_CASE("rANS decoder survives random garbage", "[rans][hostile]") {
  std::mt19937 rng(99);
  const CdfTableSet tables = random_tables(rng, 4, 5);
  std::vector<int32_t> out(3000), indexes(3000);
  for (auto& i : indexes) i = static_cast<int32_t>(rng() % 4);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> junk(4 * (16 + rng() % 300));
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    const Status st = decode_all(8, junk, out, indexes, tables);
    CHECK(!st.ok());  // garbage never passes the final-state check in practice
    CHECK(!st.message().empty());
  }
}

TEST_CASE("CdfTableSet validates its tables", "[rans][hostile]") {
  auto make = [](std::vector<int32_t> rows, std::vector<int32_t> lengths, std::vector<int32_t> offsets) {
    return CdfTableSet::from_rows(rows, lengths, offsets).status();
  };
  CHECK(make({0, 100, 65536}, {3}, {0}).ok());
  CHECK(make({0, 100, 65535}, {3}, {0}).code() == StatusCode::kInvalidData);   // does not end at 65536
  CHECK(make({1, 100, 65536}, {3}, {0}).code() == StatusCode::kInvalidData);   // does not start at 0
  CHECK(make({0, 100, 100, 65536}, {4}, {0}).code() == StatusCode::kInvalidData);  // zero frequency
  CHECK(make({0, 65536}, {2}, {0}).code() == StatusCode::kInvalidData);        // no regular symbol
  CHECK(make({0, 100, 65536}, {4}, {0}).code() == StatusCode::kInvalidData);   // lengths vs rows
  CHECK(make({0, 100, 65536}, {3}, {}).code() == StatusCode::kInvalidData);    // offsets missing
  CHECK(make({}, {}, {}).code() == StatusCode::kInvalidData);
  // The last regular value (offset + n - 2) must fit in int32.
  CHECK(make({0, 100, 200, 65536}, {4}, {std::numeric_limits<int32_t>::max()}).code() == StatusCode::kInvalidData);
  CHECK(make({0, 100, 200, 65536}, {4}, {std::numeric_limits<int32_t>::max() - 1}).ok());
  const std::vector<int32_t> padded{0, 5, 65536, 0, 0, 7, 9, 65536};
  CHECK(CdfTableSet::from_compressai(padded, 4, std::vector<int32_t>{3, 4}, std::vector<int32_t>{0, 0}).ok());
  CHECK(CdfTableSet::from_compressai(padded, 4, std::vector<int32_t>{3, 5}, std::vector<int32_t>{0, 0}).status().code() ==
        StatusCode::kInvalidData);
  CHECK(CdfTableSet::from_compressai(padded, 3, std::vector<int32_t>{3, 3}, std::vector<int32_t>{0, 0}).status().code() ==
        StatusCode::kInvalidData);
}

TEST_CASE("cost_bits gives the symbol's code length and escape bypass bits", "[rans]") {
  auto set = CdfTableSet::from_rows(std::vector<int32_t>{0, 32768, 65535, 65536}, std::vector<int32_t>{4},
                                    std::vector<int32_t>{10});
  REQUIRE(set.ok());
  CHECK(set->cost_bits(0, 10) == Approx(1.0));
  CHECK(set->cost_bits(0, 11) == Approx(16 - std::log2(32767.0)));
  // 12 is the first value past the range: v = 2 = escape, raw = 0 -> one count nibble.
  CHECK(set->cost_bits(0, 12) == Approx(16.0 + 4));
  // 9: v = -1, raw = 1 -> count nibble + one value nibble.
  CHECK(set->cost_bits(0, 9) == Approx(16.0 + 8));
}
