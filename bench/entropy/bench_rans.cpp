// rANS throughput, single thread, in symbols per second:
//   static   - one table (CompressAI's Gaussian table for scale ~3.4, exact
//              slot lookup), 1M symbols drawn from it;
//   indexed  - CompressAI's 64 Gaussian tables, each symbol with its own table;
//              the table indexes repeat the fixture's `indexes` (a real
//              mbt2018-mean scale distribution), values drawn from each table.
// For each, nmc with 1, 4 and 8 lanes, and CompressAI's own decode loop
// (rans_interface.cpp: one rans64 lane, linear CDF search; re-typed here from
// its source so both run in this process on the same data) as the peer.
// Counters: items_per_second = symbols/s; overhead_pct = coded size over the
// ideal -sum(log2 p) (escape bypass bits included), in percent.
// After the run the nmc / CompressAI decode speed-up of each case is printed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"
#include "nmc/codecs/entropy/rans.h"
#include "nmc/kernels/safetensors.h"

namespace {

using nmc::entropy::CdfTableSet;

constexpr size_t kSymbols = 1 << 20;

template <class T>
std::vector<T> read(const nmc::SafetensorsFile& f, const char* name) {
  auto t = f.tensor(name).value();
  const T* p = static_cast<const T*>(t.raw());
  return std::vector<T>(p, p + t.nbytes() / sizeof(T));
}

struct Data {
  CdfTableSet gaussian;     // 64 tables
  CdfTableSet single;       // one of them alone
  std::vector<int32_t> cdf_rows, cdf_lengths, offsets;  // CompressAI layout for the peer
  std::vector<int32_t> indexes, indexed_values, static_values;
};

// Draws a value from table t's distribution (escape included, then mapped to
// a value just outside the range).
int32_t draw(const CdfTableSet& set, int t, std::mt19937& rng) {
  const auto cdf = set.cdf(t);
  const uint32_t u = rng() & 0xFFFF;
  uint32_t s = 0;
  while (cdf[s + 1] <= u) ++s;
  if (s + 1 == set.num_symbols(t)) return set.offset(t) + static_cast<int32_t>(s) + static_cast<int32_t>(rng() % 20);
  return set.offset(t) + static_cast<int32_t>(s);
}

const Data& data() {
  static const Data d = [] {
    Data d;
    auto tables = nmc::SafetensorsFile::open(NMC_BENCH_DATA "/entropy/compressai_gaussian_tables.safetensors").value();
    d.cdf_rows = read<int32_t>(tables, "cdf_rows");
    d.cdf_lengths = read<int32_t>(tables, "cdf_length");
    d.offsets = read<int32_t>(tables, "offset");
    d.gaussian = CdfTableSet::from_rows(d.cdf_rows, d.cdf_lengths, d.offsets).value();
    const int kStaticTable = 28;  // scale 3.45
    size_t begin = 0;
    for (int t = 0; t < kStaticTable; ++t) begin += static_cast<size_t>(d.cdf_lengths[t]);
    d.single = CdfTableSet::from_rows(std::span(d.cdf_rows).subspan(begin, d.cdf_lengths[kStaticTable]),
                                      std::span(d.cdf_lengths).subspan(kStaticTable, 1),
                                      std::span(d.offsets).subspan(kStaticTable, 1))
                   .value();
    auto fx = nmc::SafetensorsFile::open(NMC_BENCH_DATA "/entropy/mbt2018-mean.safetensors").value();
    const auto idx = read<int32_t>(fx, "indexes");
    std::mt19937 rng(42);
    for (size_t i = 0; i < kSymbols; ++i) {
      d.indexes.push_back(idx[i % idx.size()]);
      d.indexed_values.push_back(draw(d.gaussian, d.indexes.back(), rng));
      d.static_values.push_back(draw(d.single, 0, rng));
    }
    return d;
  }();
  return d;
}

double ideal_bytes(const CdfTableSet& set, const std::vector<int32_t>& values, const std::vector<int32_t>* indexes) {
  double bits = 0;
  for (size_t i = 0; i < values.size(); ++i) bits += set.cost_bits(indexes ? (*indexes)[i] : 0, values[i]);
  return bits / 8;
}

std::vector<uint8_t> encode(const Data& d, bool indexed, int lanes) {
  nmc::entropy::RansEncoder enc(lanes);
  nmc::Status st = indexed ? enc.encode(d.indexed_values, d.indexes, d.gaussian) : enc.encode(d.static_values, 0, d.single);
  if (!st.ok()) std::abort();
  return enc.finish();
}

void BM_encode(benchmark::State& state, bool indexed, int lanes) {
  const Data& d = data();
  std::vector<uint8_t> bytes;
  for (auto _ : state) {
    bytes = encode(d, indexed, lanes);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSymbols));
  const double ideal = indexed ? ideal_bytes(d.gaussian, d.indexed_values, &d.indexes)
                               : ideal_bytes(d.single, d.static_values, nullptr);
  state.counters["overhead_pct"] = 100.0 * (static_cast<double>(bytes.size()) / ideal - 1.0);
}

void BM_decode(benchmark::State& state, bool indexed, int lanes) {
  const Data& d = data();
  const auto bytes = encode(d, indexed, lanes);
  std::vector<int32_t> out(kSymbols);
  for (auto _ : state) {
    auto dec = nmc::entropy::RansDecoder::open(bytes, lanes).value();
    nmc::Status st = indexed ? dec.decode(out, d.indexes, d.gaussian) : dec.decode(out, 0, d.single);
    if (!st.ok() || !dec.finish().ok()) std::abort();
    benchmark::DoNotOptimize(out.data());
  }
  if (out != (indexed ? d.indexed_values : d.static_values)) std::abort();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSymbols));
}

// CompressAI's RansDecoder::decode_with_indexes (compressai/cpp_exts/rans/rans_interface.cpp),
// same arithmetic: one rans64 lane, linear search over the CDF row, 4-bit bypass escapes.
void compressai_decode(const std::vector<uint8_t>& bytes, const std::vector<int32_t>& indexes,
                       const std::vector<std::vector<int32_t>>& cdfs, const std::vector<int32_t>& cdf_lengths,
                       const std::vector<int32_t>& offsets, std::vector<int32_t>& out) {
  const uint32_t* ptr = reinterpret_cast<const uint32_t*>(bytes.data());
  uint64_t x = static_cast<uint64_t>(ptr[0]) | static_cast<uint64_t>(ptr[1]) << 32;
  ptr += 2;
  auto renorm = [&] {
    if (x < (1ull << 31)) x = (x << 32) | *ptr++;
  };
  auto get_bits = [&](int n) {
    const uint32_t v = static_cast<uint32_t>(x & ((1u << n) - 1));
    x >>= n;
    renorm();
    return static_cast<int32_t>(v);
  };
  for (size_t i = 0; i < indexes.size(); ++i) {
    const int32_t cdf_idx = indexes[i];
    const std::vector<int32_t>& cdf = cdfs[cdf_idx];
    const int32_t max_value = cdf_lengths[cdf_idx] - 2;
    const int32_t offset = offsets[cdf_idx];
    const uint32_t cum_freq = static_cast<uint32_t>(x & 0xFFFF);
    const auto it = std::find_if(cdf.begin(), cdf.begin() + cdf_lengths[cdf_idx],
                                 [cum_freq](int v) { return static_cast<uint32_t>(v) > cum_freq; });
    const uint32_t s = static_cast<uint32_t>(std::distance(cdf.begin(), it) - 1);
    x = static_cast<uint64_t>(cdf[s + 1] - cdf[s]) * (x >> 16) + cum_freq - static_cast<uint32_t>(cdf[s]);
    renorm();
    int32_t value = static_cast<int32_t>(s);
    if (value == max_value) {
      int32_t val = get_bits(4);
      int32_t n_bypass = val;
      while (val == 15) {
        val = get_bits(4);
        n_bypass += val;
      }
      int32_t raw_val = 0;
      for (int j = 0; j < n_bypass; ++j) raw_val |= get_bits(4) << (j * 4);
      value = raw_val >> 1;
      value = (raw_val & 1) ? -value - 1 : value + max_value;
    }
    out[i] = value + offset;
  }
}

void BM_decode_compressai(benchmark::State& state, bool indexed) {
  const Data& d = data();
  const auto bytes = encode(d, indexed, 1);
  std::vector<std::vector<int32_t>> cdfs;
  std::vector<int32_t> lengths, offsets;
  const CdfTableSet& set = indexed ? d.gaussian : d.single;
  for (int t = 0; t < set.size(); ++t) {
    const auto c = set.cdf(t);
    cdfs.emplace_back(c.begin(), c.end());
    lengths.push_back(static_cast<int32_t>(c.size()));
    offsets.push_back(set.offset(t));
  }
  const std::vector<int32_t> zeros(kSymbols, 0);
  std::vector<int32_t> out(kSymbols);
  for (auto _ : state) {
    compressai_decode(bytes, indexed ? d.indexes : zeros, cdfs, lengths, offsets, out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != (indexed ? d.indexed_values : d.static_values)) std::abort();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSymbols));
}

// Collects items/s per benchmark name to print the speed-up table at the end.
// With repetitions, the median aggregate replaces the single runs.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_None) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!median && r.run_type != Run::RT_Iteration) continue;
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate_[r.run_name.str()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nDecode speed-up over CompressAI's loop (same stream format, 1 thread):\n");
    for (const char* kind : {"static", "indexed"}) {
      const double peer = rate_["decode_compressai/" + std::string(kind)];
      for (int lanes : {1, 4, 8}) {
        const double nmc = rate_["decode/" + std::string(kind) + "/lanes:" + std::to_string(lanes)];
        if (peer > 0 && nmc > 0)
          std::printf("  %-8s lanes %d: %7.1f M symbols/s vs %6.1f M symbols/s = %.1fx\n", kind, lanes, nmc / 1e6,
                      peer / 1e6, nmc / peer);
      }
    }
  }

 private:
  std::map<std::string, double> rate_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const char* kind : {"static", "indexed"}) {
    const bool indexed = std::string(kind) == "indexed";
    for (int lanes : {1, 4, 8}) {
      benchmark::RegisterBenchmark(("encode/" + std::string(kind) + "/lanes:" + std::to_string(lanes)).c_str(),
                                   BM_encode, indexed, lanes)->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("decode/" + std::string(kind) + "/lanes:" + std::to_string(lanes)).c_str(),
                                   BM_decode, indexed, lanes)->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("decode_compressai/" + std::string(kind)).c_str(), BM_decode_compressai, indexed)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
