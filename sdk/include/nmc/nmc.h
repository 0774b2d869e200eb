/* nmc: Neural Media Codec SDK - core C ABI.
 *
 * Conventions (all public headers):
 * - Every function returns nmc_status (0 ok, negative error, positive
 *   non-fatal) unless it is a pure query. Values are never renumbered.
 * - Handles are opaque. One handle is used by one thread at a time; separate
 *   handles may be used in parallel. Every *_free accepts NULL.
 * - Settings structs begin with `size_t struct_size` (set by the matching
 *   *_default_settings function) and end with reserved space, so fields can be
 *   appended without breaking the ABI.
 * - No exception or abort crosses this boundary: bad arguments return
 *   NMC_ERR_INVALID_ARGUMENT.
 */
#ifndef NMC_NMC_H
#define NMC_NMC_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  define NMC_API __declspec(dllexport)
#elif defined(__GNUC__)
#  define NMC_API __attribute__((visibility("default")))
#else
#  define NMC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versioning ---------------------------------------------------------- */
#define NMC_VERSION_MAJOR 0
#define NMC_VERSION_MINOR 1
#define NMC_VERSION_PATCH 0
/* Packed as (major << 16) | (minor << 8) | patch. */
#define NMC_VERSION_INT ((NMC_VERSION_MAJOR << 16) | (NMC_VERSION_MINOR << 8) | NMC_VERSION_PATCH)

/* Version of the library actually loaded (may differ from the header's). */
NMC_API uint32_t nmc_version(void);
/* "0.1.0" - static storage. */
NMC_API const char* nmc_version_string(void);
/* Build description: compiler, CPU ISA in use, CUDA on/off - static storage. */
NMC_API const char* nmc_build_info(void);

/* ---- status --------------------------------------------------------------- */
typedef int32_t nmc_status;
#define NMC_OK 0
#define NMC_AGAIN 1                     /* non-fatal: call again / needs more input */
#define NMC_EOF 2                       /* non-fatal: end of stream */
#define NMC_ERR_INVALID_ARGUMENT (-1)
#define NMC_ERR_OUT_OF_MEMORY (-2)
#define NMC_ERR_IO (-3)
#define NMC_ERR_INVALID_DATA (-4)       /* corrupt, truncated or malformed input */
#define NMC_ERR_UNSUPPORTED (-5)
#define NMC_ERR_LIMIT_EXCEEDED (-6)     /* input beyond a configured or hard limit */
#define NMC_ERR_BACKEND_UNAVAILABLE (-7)
#define NMC_ERR_BUFFER_TOO_SMALL (-8)
#define NMC_ERR_NOT_FOUND (-9)
#define NMC_ERR_ABORTED (-10)           /* stopped by the abort callback */
#define NMC_ERR_INTERNAL (-11)

/* Short English description of a status code - static storage, never NULL. */
NMC_API const char* nmc_status_string(nmc_status status);

/* ---- context ---------------------------------------------------------------- */
typedef enum nmc_backend {
  NMC_BACKEND_AUTO = 0, /* the best backend that runs every op: CPU today, while the
                           CUDA backend covers only part of the op list */
  NMC_BACKEND_CPU = 1,
  NMC_BACKEND_CUDA = 2,
  NMC_BACKEND_REFERENCE = 3, /* scalar reference kernels (testing) */
  NMC_BACKEND_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_BACKEND_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_backend;

typedef enum nmc_log_level {
  NMC_LOG_ERROR = 0,
  NMC_LOG_WARNING = 1,
  NMC_LOG_INFO = 2,
  NMC_LOG_DEBUG = 3,
  NMC_LOG_LEVEL_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_LOG_LEVEL_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_log_level;

/* Called on the thread that uses the context; `message` is valid during the call. */
typedef void (*nmc_log_callback)(void* user, nmc_log_level level, const char* message);

/* Optional host allocator for large buffers (tensors, frames). alloc returns
 * memory aligned to `alignment` (a power of two <= 4096) or NULL. Both must be
 * thread-safe. */
typedef struct nmc_allocator {
  void* (*alloc)(void* user, size_t size, size_t alignment);
  void (*free)(void* user, void* ptr);
  void* user;
} nmc_allocator;

typedef struct nmc_context_settings {
  size_t struct_size;         /* sizeof(nmc_context_settings) */
  nmc_backend backend;        /* default NMC_BACKEND_AUTO */
  int32_t num_threads;        /* 0 = number of cores */
  nmc_log_level log_level;    /* messages above it are dropped; default WARNING */
  nmc_log_callback log_callback; /* NULL: no logging */
  void* log_user;
  nmc_allocator allocator;    /* all NULL: library default */
  uint8_t reserved[64];
} nmc_context_settings;

typedef struct nmc_context nmc_context;

/* Fills `settings` with defaults (sets struct_size). */
NMC_API void nmc_context_default_settings(nmc_context_settings* settings);
/* settings may be NULL for defaults. Requesting CUDA when it is not available
 * fails with NMC_ERR_BACKEND_UNAVAILABLE.
 * Threads: a context and every handle created from it (readers, models, ...)
 * form one unit used by one thread at a time: handles report errors through
 * their context's last-error message and log callback. Use one context per
 * thread for parallel work. */
NMC_API nmc_status nmc_context_create(const nmc_context_settings* settings, nmc_context** out);
NMC_API void nmc_context_free(nmc_context* ctx);
/* Message of the last error on this context ("" if none); valid until the next call on ctx. */
NMC_API const char* nmc_context_last_error(const nmc_context* ctx);
/* The backend the context resolved to (never AUTO). */
NMC_API nmc_backend nmc_context_backend(const nmc_context* ctx);
NMC_API int32_t nmc_context_num_threads(const nmc_context* ctx);

/* 1 when `backend` can be used on this machine (AUTO is always 1), else 0. */
NMC_API int nmc_backend_available(nmc_backend backend);
/* "cpu", "cuda", ... - static storage. */
NMC_API const char* nmc_backend_name(nmc_backend backend);

#ifdef __cplusplus
}
#endif

#endif /* NMC_NMC_H */
