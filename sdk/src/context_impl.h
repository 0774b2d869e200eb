// Internal representation of nmc_context and helpers shared by the C ABI shims.
#pragma once

#include <memory>
#include <new>
#include <string>

#include "nmc/kernels/backend.h"
#include "nmc/kernels/status.h"
#include "nmc/kernels/thread_pool.h"
#include "nmc/nmc.h"

struct nmc_context {
  nmc_context_settings settings{};
  nmc_backend backend_kind = NMC_BACKEND_CPU;
  const nmc::Backend* backend = nullptr;
  std::unique_ptr<nmc::ThreadPool> pool;
  nmc::HostAllocator allocator;
  std::string last_error;

  nmc::Exec exec() const { return nmc::Exec{backend, pool.get()}; }
  void log(nmc_log_level level, const std::string& message) const;
};

namespace nmc::sdk {

// Records `s` as the context's last error (when ctx is non-null), logs it, and
// returns its code as nmc_status.
nmc_status fail(nmc_context* ctx, const Status& s);
inline nmc_status fail(nmc_context* ctx, StatusCode code, std::string message) {
  return fail(ctx, Status(code, std::move(message)));
}
// Clears the last error and returns NMC_OK.
nmc_status succeed(nmc_context* ctx);

// Runs `body` (returning nmc::Status), converting exceptions to statuses, so
// nothing throws across the ABI.
template <class F>
nmc_status guarded(nmc_context* ctx, F&& body) {
  try {
    Status s = body();
    return s.ok() ? succeed(ctx) : fail(ctx, s);
  } catch (const std::bad_alloc&) {
    return fail(ctx, StatusCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    return fail(ctx, StatusCode::kInternal, e.what());
  } catch (...) {
    return fail(ctx, StatusCode::kInternal, "unknown exception");
  }
}

}  // namespace nmc::sdk
