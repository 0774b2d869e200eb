/* C ABI test, written in C99 against libnmc.so. Prints "N passed, N failed". */
#include <nmc/nmc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_pass = 0, g_fail = 0;
#define CHECK(cond)                                                 \
  do {                                                              \
    if (cond) {                                                     \
      ++g_pass;                                                     \
    } else {                                                        \
      ++g_fail;                                                     \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    }                                                               \
  } while (0)

static int g_log_calls = 0;
static void on_log(void* user, nmc_log_level level, const char* message) {
  (void)level;
  CHECK(user == (void*)&g_log_calls);
  CHECK(message != NULL);
  ++g_log_calls;
}

static size_t g_allocs = 0;
static void* my_alloc(void* user, size_t size, size_t alignment) {
  void* p = NULL;
  (void)user;
  if (posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size ? size : 1)) return NULL;
  ++g_allocs;
  return p;
}
static void my_free(void* user, void* p) {
  (void)user;
  free(p);
}

static void test_version(void) {
  char expect[32];
  CHECK(nmc_version() == NMC_VERSION_INT);
  snprintf(expect, sizeof expect, "%d.%d.%d", NMC_VERSION_MAJOR, NMC_VERSION_MINOR, NMC_VERSION_PATCH);
  CHECK(strcmp(nmc_version_string(), expect) == 0);
  CHECK(strstr(nmc_build_info(), "nmc") != NULL);
}

static void test_status_strings(void) {
  nmc_status s;
  CHECK(strcmp(nmc_status_string(NMC_OK), "ok") == 0);
  CHECK(strcmp(nmc_status_string(NMC_ERR_INVALID_DATA), "invalid data") == 0);
  CHECK(strcmp(nmc_status_string(12345), "unknown status") == 0);
  for (s = NMC_ERR_INTERNAL; s <= NMC_EOF; ++s) CHECK(nmc_status_string(s) != NULL);
}

static void test_context(void) {
  nmc_context_settings st;
  nmc_context* ctx = NULL;
  nmc_context_default_settings(&st);
  CHECK(st.struct_size == sizeof(st));
  CHECK(st.backend == NMC_BACKEND_AUTO);

  st.backend = NMC_BACKEND_CPU;
  st.num_threads = 2;
  st.log_level = NMC_LOG_DEBUG;
  st.log_callback = on_log;
  st.log_user = &g_log_calls;
  st.allocator.alloc = my_alloc;
  st.allocator.free = my_free;
  CHECK(nmc_context_create(&st, &ctx) == NMC_OK);
  CHECK(ctx != NULL);
  CHECK(nmc_context_backend(ctx) == NMC_BACKEND_CPU);
  CHECK(nmc_context_num_threads(ctx) == 2);
  CHECK(strcmp(nmc_context_last_error(ctx), "") == 0);
  CHECK(g_log_calls >= 1); /* the context logs its configuration at INFO */
  nmc_context_free(ctx);

  /* defaults */
  ctx = NULL;
  CHECK(nmc_context_create(NULL, &ctx) == NMC_OK);
  CHECK(nmc_context_backend(ctx) != NMC_BACKEND_AUTO);
  CHECK(nmc_context_num_threads(ctx) >= 1);
  nmc_context_free(ctx);
  nmc_context_free(NULL);
}

static void test_bad_arguments(void) {
  nmc_context_settings st;
  nmc_context* ctx = (nmc_context*)&st;
  CHECK(nmc_context_create(NULL, NULL) == NMC_ERR_INVALID_ARGUMENT);

  nmc_context_default_settings(&st);
  st.struct_size = 3;
  CHECK(nmc_context_create(&st, &ctx) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(ctx == NULL);

  nmc_context_default_settings(&st);
  st.num_threads = -4;
  CHECK(nmc_context_create(&st, &ctx) == NMC_ERR_INVALID_ARGUMENT);

  nmc_context_default_settings(&st);
  st.backend = (nmc_backend)77;
  CHECK(nmc_context_create(&st, &ctx) == NMC_ERR_INVALID_ARGUMENT);

  nmc_context_default_settings(&st);
  st.allocator.alloc = my_alloc; /* free missing */
  CHECK(nmc_context_create(&st, &ctx) == NMC_ERR_INVALID_ARGUMENT);

  nmc_context_default_settings(&st);
  st.backend = NMC_BACKEND_CUDA;
  if (!nmc_backend_available(NMC_BACKEND_CUDA)) {
    CHECK(nmc_context_create(&st, &ctx) == NMC_ERR_BACKEND_UNAVAILABLE);
  } else {
    CHECK(nmc_context_create(&st, &ctx) == NMC_OK);
    nmc_context_free(ctx);
  }
  CHECK(strcmp(nmc_context_last_error(NULL), "") == 0);
}

static void test_backends(void) {
  CHECK(nmc_backend_available(NMC_BACKEND_CPU) == 1);
  CHECK(nmc_backend_available(NMC_BACKEND_AUTO) == 1);
  CHECK(strcmp(nmc_backend_name(NMC_BACKEND_CUDA), "cuda") == 0);
  CHECK(strcmp(nmc_backend_name((nmc_backend)99), "unknown") == 0);
}

int main(void) {
  test_version();
  test_status_strings();
  test_context();
  test_bad_arguments();
  test_backends();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
