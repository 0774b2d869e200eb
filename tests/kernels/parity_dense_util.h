// Helpers for the dense op parity tests: run one op on a backend with a given
// thread count and compare it with the reference on the same host inputs.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nmc/kernels/ops.h"
#include "nmc/kernels/thread_pool.h"
#include "parity.h"

namespace nmc::test::dense {

// Thread counts every parity case runs with (the pool is the Exec's pool).
inline const std::vector<int>& thread_counts() {
  static const std::vector<int> v{1, 3};
  return v;
}

// Requires |got - want| <= atol + rtol * |want| element-wise.
inline void require_close(const Tensor& got, const Tensor& want, double atol, double rtol,
                          const std::string& what) {
  std::string where;
  const double r = tolerance_ratio(got, want, atol, rtol, &where);
  INFO(what << ": tolerance ratio " << r << " (" << where << "), atol " << atol << ", rtol " << rtol);
  REQUIRE(r <= 1.0);
}

// Runs `op` with host inputs on every backend under test and thread count, and
// compares the output (host shape `out_shape`) with the reference run.
// `op(exec, to_dev, out)`: to_dev maps a host input to the backend's memory.
using DenseOp = std::function<Status(const Exec&, const std::function<Tensor(const Tensor&)>& to_dev, Tensor& out)>;

inline Tensor run_reference(const DenseOp& op, const Shape& out_shape, DType out_dtype = DType::kF32) {
  Tensor out = zeros(out_shape, out_dtype);
  Exec ex{&reference_backend(), nullptr};
  const Status s = op(ex, [](const Tensor& t) { return t; }, out);
  INFO("reference: " << s.to_string());
  REQUIRE(s.ok());
  return out;
}

inline void check_backends(const std::string& what, const DenseOp& op, const Tensor& want, double atol,
                           double rtol) {
  for (const Backend* be : backends_under_test()) {
    for (int threads : thread_counts()) {
      ThreadPool pool(threads);
      Exec ex{be, &pool};
      Tensor out = be->zeros(want.shape(), want.dtype()).value();
      const Status s = op(ex, [be](const Tensor& t) { return to_backend(t, *be); }, out);
      INFO(what << " on " << be->name() << " with " << threads << " threads: " << s.to_string());
      REQUIRE(s.ok());
      require_close(to_host(out, *be), want, atol, rtol,
                    what + " on " + be->name() + ", " + std::to_string(threads) + " threads");
    }
  }
}

// Reference run, then every backend and thread count against it.
inline Tensor parity(const std::string& what, const DenseOp& op, const Shape& out_shape, double atol, double rtol,
                     DType out_dtype = DType::kF32) {
  Tensor want = run_reference(op, out_shape, out_dtype);
  check_backends(what, op, want, atol, rtol);
  return want;
}

// Every backend (and the reference) rejects the call with kInvalidArgument.
inline void require_invalid(const std::string& what, const DenseOp& op, const Shape& out_shape,
                            DType out_dtype = DType::kF32) {
  std::vector<const Backend*> all = backends_under_test();
  all.insert(all.begin(), &reference_backend());
  for (const Backend* be : all) {
    ThreadPool pool(2);
    Exec ex{be, &pool};
    Tensor out = be->zeros(out_shape, out_dtype).value();
    const Status s = op(ex, [be](const Tensor& t) { return to_backend(t, *be); }, out);
    INFO(what << " on " << be->name() << ": " << s.to_string());
    REQUIRE(s.code() == StatusCode::kInvalidArgument);
    REQUIRE(!s.message().empty());
  }
}

}  // namespace nmc::test::dense
