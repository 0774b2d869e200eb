// Shared by the vision tests: reading JSON test data.
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "nmc/kernels/json_file.h"

namespace nmc::test {

// The parsed JSON file (fails the test when it cannot be read).
inline nlohmann::json read_test_json(const std::string& path) {
  auto j = read_json_file(path);
  REQUIRE(j.ok());
  return std::move(j).value();
}

}  // namespace nmc::test
