// Writes the seed corpus of fuzz_rans (tests/fuzz/corpus/rans): small valid
// streams in the target's input layout (see fuzz_rans.cpp), covering each lane
// count, both modes, escapes and the empty stream.
// Build and run: ninja make_rans_seeds && ./tests/fuzz/make_rans_seeds OUT_DIR
#include <cstdio>
#include <string>
#include <vector>

#include "nmc/codecs/entropy/rans.h"
#include "rans_fuzz_tables.h"

using namespace nmc::entropy;

void write(const std::string& name, int lanes_code, bool indexed, int table, const std::vector<int32_t>& values, const std::vector<int32_t>& idx) {
  static const int kLanes[4] = {1, 4, 8, 3};
  const CdfTableSet set = make_rans_fuzz_tables();
  RansEncoder enc(kLanes[lanes_code]);
  if (indexed) (void)enc.encode(values, idx, set); else (void)enc.encode(values, table, set);
  auto bytes = enc.finish();
  std::vector<uint8_t> out{uint8_t(lanes_code | (indexed ? 4 : 0) | (table << 3)), uint8_t(values.size()), uint8_t(values.size() >> 8)};
  if (indexed) for (auto i : idx) out.push_back(uint8_t(i));
  out.insert(out.end(), bytes.begin(), bytes.end());
  FILE* f = fopen(name.c_str(), "wb"); fwrite(out.data(), 1, out.size(), f); fclose(f);
}
int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_rans_seeds OUT_DIR\n");
    return 2;
  }
  std::string d = argv[1];
  std::vector<int32_t> v, idx;
  for (int i = 0; i < 40; ++i) { v.push_back((i * 7) % 9 - 3); }
  write(d + "/static_t4_lanes1", 0, false, 4, v, {});
  write(d + "/static_t4_lanes8", 2, false, 4, v, {});
  std::vector<int32_t> w;
  for (int i = 0; i < 60; ++i) { w.push_back(i % 3 == 0 ? -70000 + i : (i % 5) - 2); idx.push_back(i % 5); }
  write(d + "/indexed_escapes_lanes4", 1, true, 0, w, idx);
  write(d + "/indexed_escapes_lanes8", 2, true, 0, w, idx);
  write(d + "/empty_lanes8", 2, false, 0, {}, {});
  std::vector<int32_t> wide; for (int i = 0; i < 100; ++i) wide.push_back(i * 37 % 1100 - 540);
  write(d + "/wide_table_lanes1", 0, false, 3, wide, {});
}
