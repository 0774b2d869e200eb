// Parity harness: every op runs on every available backend and is compared
// with the reference implementation on the same random inputs.
//
// Each parity file registers cases with NMC_PARITY_OPS("op1", "op2", ...) for
// the ops it covers; test_parity_coverage.cpp fails if an op in NMC_OP_LIST has
// no registered case.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/tensor.h"

namespace nmc::test {

// Registers op names as covered; returns a dummy for static initialisation.
int register_parity_ops(std::initializer_list<const char*> names);
const std::vector<std::string>& parity_ops();

#define NMC_PARITY_CONCAT2_(a, b) a##b
#define NMC_PARITY_CONCAT_(a, b) NMC_PARITY_CONCAT2_(a, b)
#define NMC_PARITY_OPS(...) \
  static const int NMC_PARITY_CONCAT_(nmc_parity_reg_, __LINE__) = ::nmc::test::register_parity_ops({__VA_ARGS__})

// Host tensor with uniform random values in [lo, hi) (floats) or integers in [lo, hi).
Tensor random_tensor(const Shape& shape, DType dtype, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f);
Tensor zeros(const Shape& shape, DType dtype = DType::kF32);
// Copies a host tensor to `backend`'s device (identity on host backends) and back.
Tensor to_backend(const Tensor& host, const Backend& backend);
Tensor to_host(const Tensor& t, const Backend& backend);

// Max |a - b| / (atol + rtol * |b|) over elements, as f32; <= 1 means within tolerance.
// Reports the worst element in `where` when non-null.
double tolerance_ratio(const Tensor& a, const Tensor& b, double atol, double rtol, std::string* where = nullptr);

// Backends other than the reference that the parity test runs (cpu, cuda when present).
std::vector<const Backend*> backends_under_test();

}  // namespace nmc::test
