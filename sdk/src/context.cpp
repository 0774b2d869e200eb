// C ABI: version, status strings, context lifecycle, backend queries.
#include <cstring>

#include "context_impl.h"
#include "nmc/kernels/cpu_features.h"

using nmc::StatusCode;

void nmc_context::log(nmc_log_level level, const std::string& message) const {
  if (settings.log_callback && level <= settings.log_level)
    settings.log_callback(settings.log_user, level, message.c_str());
}

namespace nmc::sdk {

nmc_status fail(nmc_context* ctx, const Status& s) {
  if (ctx) {
    try {
      ctx->last_error = s.message().empty() ? status_code_name(s.code()) : s.message();
      // A size query answered with BUFFER_TOO_SMALL is part of normal use.
      ctx->log(s.code() == StatusCode::kBufferTooSmall ? NMC_LOG_DEBUG : NMC_LOG_ERROR, ctx->last_error);
    } catch (...) {
    }
  }
  return static_cast<nmc_status>(s.code());
}

nmc_status succeed(nmc_context* ctx) {
  if (ctx) ctx->last_error.clear();
  return NMC_OK;
}

}  // namespace nmc::sdk

extern "C" {

uint32_t nmc_version(void) { return NMC_VERSION_INT; }

const char* nmc_version_string(void) {
#define NMC_STR2_(x) #x
#define NMC_STR_(x) NMC_STR2_(x)
  return NMC_STR_(NMC_VERSION_MAJOR) "." NMC_STR_(NMC_VERSION_MINOR) "." NMC_STR_(NMC_VERSION_PATCH);
}

const char* nmc_build_info(void) {
  static const std::string info = [] {
    std::string s = "nmc ";
    s += nmc_version_string();
#if defined(__clang__)
    s += " clang " __clang_version__;
#elif defined(__GNUC__)
    s += " gcc " __VERSION__;
#endif
    s += ", cpu isa ";
    s += nmc::cpu_isa_name();
#ifdef NMC_HAVE_CUDA
    s += ", cuda built";
#else
    s += ", cuda not built";
#endif
    return s;
  }();
  return info.c_str();
}

const char* nmc_status_string(nmc_status status) {
  if (status < -11 || status > 2) return "unknown status";
  return nmc::status_code_name(static_cast<StatusCode>(status));
}

void nmc_context_default_settings(nmc_context_settings* s) {
  if (!s) return;
  std::memset(s, 0, sizeof(*s));
  s->struct_size = sizeof(*s);
  s->backend = NMC_BACKEND_AUTO;
  s->num_threads = 0;
  s->log_level = NMC_LOG_WARNING;
}

int nmc_backend_available(nmc_backend backend) {
  switch (backend) {
    case NMC_BACKEND_AUTO:
    case NMC_BACKEND_CPU:
    case NMC_BACKEND_REFERENCE: return 1;
    case NMC_BACKEND_CUDA: return nmc::cuda_backend() != nullptr;
    default: return 0;
  }
}

const char* nmc_backend_name(nmc_backend backend) {
  switch (backend) {
    case NMC_BACKEND_AUTO: return "auto";
    case NMC_BACKEND_CPU: return "cpu";
    case NMC_BACKEND_CUDA: return "cuda";
    case NMC_BACKEND_REFERENCE: return "reference";
    default: return "unknown";
  }
}

nmc_status nmc_context_create(const nmc_context_settings* settings, nmc_context** out) {
  if (!out) return NMC_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  nmc_context_settings s;
  nmc_context_default_settings(&s);
  if (settings) {
    // Accept older (smaller) structs: copy what the caller's struct has.
    if (settings->struct_size < offsetof(nmc_context_settings, reserved) ||
        settings->struct_size > sizeof(nmc_context_settings))
      return NMC_ERR_INVALID_ARGUMENT;
    std::memcpy(&s, settings, settings->struct_size);
    s.struct_size = sizeof(s);
  }
  if (s.num_threads < 0 || s.num_threads > 1024) return NMC_ERR_INVALID_ARGUMENT;
  if (s.log_level < NMC_LOG_ERROR || s.log_level > NMC_LOG_DEBUG) return NMC_ERR_INVALID_ARGUMENT;
  if ((s.allocator.alloc == nullptr) != (s.allocator.free == nullptr)) return NMC_ERR_INVALID_ARGUMENT;
  try {
    auto ctx = std::make_unique<nmc_context>();
    ctx->settings = s;
    switch (s.backend) {
      case NMC_BACKEND_AUTO:  // CPU until the CUDA backend implements every op
        ctx->backend = &nmc::cpu_backend();
        ctx->backend_kind = NMC_BACKEND_CPU;
        break;
      case NMC_BACKEND_CPU:
        ctx->backend = &nmc::cpu_backend();
        ctx->backend_kind = NMC_BACKEND_CPU;
        break;
      case NMC_BACKEND_REFERENCE:
        ctx->backend = &nmc::reference_backend();
        ctx->backend_kind = NMC_BACKEND_REFERENCE;
        break;
      case NMC_BACKEND_CUDA:
        ctx->backend = nmc::cuda_backend();
        if (!ctx->backend) return NMC_ERR_BACKEND_UNAVAILABLE;
        ctx->backend_kind = NMC_BACKEND_CUDA;
        break;
      default: return NMC_ERR_INVALID_ARGUMENT;
    }
    ctx->pool = std::make_unique<nmc::ThreadPool>(s.num_threads);
    ctx->allocator.alloc = s.allocator.alloc;
    ctx->allocator.free = s.allocator.free;
    ctx->allocator.user = s.allocator.user;
    ctx->log(NMC_LOG_INFO, std::string("context: backend ") + ctx->backend->name() + ", " +
                               std::to_string(ctx->pool->num_threads()) + " threads");
    *out = ctx.release();
    return NMC_OK;
  } catch (const std::bad_alloc&) {
    return NMC_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return NMC_ERR_INTERNAL;
  }
}

void nmc_context_free(nmc_context* ctx) { delete ctx; }

const char* nmc_context_last_error(const nmc_context* ctx) { return ctx ? ctx->last_error.c_str() : ""; }

nmc_backend nmc_context_backend(const nmc_context* ctx) { return ctx ? ctx->backend_kind : NMC_BACKEND_CPU; }

int32_t nmc_context_num_threads(const nmc_context* ctx) { return ctx ? ctx->pool->num_threads() : 0; }

}  // extern "C"
