// Every op in NMC_OP_LIST must have a parity case on every backend.
#include <algorithm>
#include <catch2/catch.hpp>

#include "nmc/kernels/ops.h"
#include "parity.h"

TEST_CASE("every op has a parity case", "[parity]") {
  const auto& covered = nmc::test::parity_ops();
  for (int i = 0; i < nmc::kOpCount; ++i) {
    const std::string name = nmc::op_name(static_cast<nmc::OpId>(i));
    INFO("op " << name);
    CHECK(std::find(covered.begin(), covered.end(), name) != covered.end());
  }
}
