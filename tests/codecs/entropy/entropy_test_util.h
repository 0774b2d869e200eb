// Shared helpers for the entropy tests: loading the CompressAI fixture tables.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "nmc/codecs/entropy/cdf_tables.h"
#include "nmc/kernels/safetensors.h"

namespace nmc::entropy::test {

inline std::string entropy_data(const std::string& name) { return std::string(NMC_TEST_DATA) + "/entropy/" + name; }

template <class T>
std::vector<T> read_tensor(const SafetensorsFile& file, const std::string& name) {
  auto t = file.tensor(name);
  REQUIRE(t.ok());
  const auto* p = static_cast<const T*>(t->raw());
  REQUIRE(t->nbytes() % sizeof(T) == 0);
  return std::vector<T>(p, p + t->nbytes() / sizeof(T));
}

inline SafetensorsFile open_file(const std::string& name) {
  auto f = SafetensorsFile::open(entropy_data(name));
  REQUIRE(f.ok());
  return std::move(f).value();
}

// CompressAI's GaussianConditional tables for the default scale table.
inline CdfTableSet compressai_gaussian_tables() {
  auto f = open_file("compressai_gaussian_tables.safetensors");
  auto set = CdfTableSet::from_rows(read_tensor<int32_t>(f, "cdf_rows"), read_tensor<int32_t>(f, "cdf_length"),
                                    read_tensor<int32_t>(f, "offset"));
  REQUIRE(set.ok());
  return std::move(set).value();
}

// One fixture model's symbols, indexes, strings and EntropyBottleneck tables.
struct CompressaiFixture {
  CdfTableSet eb_tables;
  std::vector<int32_t> z_symbols, z_indexes, y_symbols, y_indexes;
  std::vector<uint8_t> y_string, z_string;
};

inline CompressaiFixture load_compressai_fixture(const std::string& model) {
  auto f = open_file(model + ".safetensors");
  CompressaiFixture fx;
  auto eb = f.tensor("eb_quantized_cdf");
  REQUIRE(eb.ok());
  const int64_t stride = eb->shape()[1];
  auto set = CdfTableSet::from_compressai(read_tensor<int32_t>(f, "eb_quantized_cdf"), stride,
                                          read_tensor<int32_t>(f, "eb_cdf_length"), read_tensor<int32_t>(f, "eb_offset"));
  REQUIRE(set.ok());
  fx.eb_tables = std::move(set).value();
  fx.z_symbols = read_tensor<int32_t>(f, "z_symbols");
  auto z = f.tensor("z_symbols");
  REQUIRE(z.ok());
  // NCHW with N = 1: the table of a z element is its channel.
  const int64_t channels = z->shape()[1], plane = z->shape()[2] * z->shape()[3];
  for (int64_t c = 0; c < channels; ++c) fx.z_indexes.insert(fx.z_indexes.end(), plane, static_cast<int32_t>(c));
  fx.y_symbols = read_tensor<int32_t>(f, "y_symbols");
  fx.y_indexes = read_tensor<int32_t>(f, "indexes");
  fx.y_string = read_tensor<uint8_t>(f, "y_string");
  fx.z_string = read_tensor<uint8_t>(f, "z_string");
  return fx;
}

}  // namespace nmc::entropy::test
