/* C ABI test, written in C99 against libnmc.so. Prints "N passed, N failed". */
#include <nmc/image_codec.h>
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

/* The learned image codec through the C ABI: shipped model by quality and by
 * name, encode -> inspect -> decode of a small gradient image, bad inputs. */
static void test_image_codec(void) {
  nmc_context* ctx = NULL;
  nmc_image_codec* codec = NULL;
  nmc_image_codec* by_name = NULL;
  nmc_image* image = NULL;
  nmc_image* decoded = NULL;
  nmc_buffer* stream = NULL;
  nmc_image_codec_info info;
  nmc_image_stream_info sinfo;
  nmc_image_encode_settings settings;
  nmc_image_decode_settings dsettings;
  uint8_t* px;
  uint8_t garbage[64];
  int x, y, c;
  double se = 0;
  CHECK(nmc_context_create(NULL, &ctx) == NMC_OK);
  CHECK(nmc_image_codec_quality_count() == 4);
  CHECK(nmc_image_codec_open_quality(ctx, 0, &codec) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(codec == NULL);
  CHECK(nmc_image_codec_open(ctx, "no-such-model", &codec) == NMC_ERR_NOT_FOUND);
  CHECK(strstr(nmc_context_last_error(ctx), "no-such-model") != NULL);
  CHECK(nmc_image_codec_open(ctx, NULL, &codec) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_image_codec_open(ctx, "nmc-image-q1", &by_name) == NMC_OK);
  CHECK(nmc_image_codec_open_quality(ctx, 1, &codec) == NMC_OK);
  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  CHECK(nmc_image_codec_get_info(codec, &info) == NMC_OK);
  CHECK(strcmp(info.name, "nmc-image-q1") == 0);
  CHECK(strcmp(info.architecture, "mbt2018-mean") == 0);
  CHECK(info.quality == 1 && info.n == 128 && info.m == 192);
  info.struct_size = 3;
  CHECK(nmc_image_codec_get_info(codec, &info) == NMC_ERR_INVALID_ARGUMENT);

  CHECK(nmc_image_create(ctx, 80, 56, 3, &image) == NMC_OK);
  px = nmc_image_data_mutable(image);
  for (y = 0; y < 56; ++y)
    for (x = 0; x < 80; ++x)
      for (c = 0; c < 3; ++c) px[(y * 80 + x) * 3 + c] = (uint8_t)(40 + 2 * x + y + 30 * c);
  CHECK(nmc_image_encode(ctx, NULL, image, NULL, &stream) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(stream == NULL);
  nmc_image_encode_default_settings(&settings);
  CHECK(settings.lanes == 8);
  settings.lanes = 3;
  CHECK(nmc_image_encode(ctx, codec, image, &settings, &stream) == NMC_ERR_INVALID_ARGUMENT);
  settings.lanes = 4;
  settings.exact_transforms = 2;
  CHECK(nmc_image_encode(ctx, codec, image, &settings, &stream) == NMC_ERR_INVALID_ARGUMENT);
  settings.exact_transforms = 1; /* float32 analysis: a valid stream of its own */
  CHECK(nmc_image_encode(ctx, codec, image, &settings, &stream) == NMC_OK);
  CHECK(stream != NULL && nmc_buffer_size(stream) > 40);
  nmc_buffer_free(stream);
  stream = NULL;
  settings.exact_transforms = 0;
  CHECK(nmc_image_encode(ctx, codec, image, &settings, &stream) == NMC_OK);
  CHECK(stream != NULL && nmc_buffer_size(stream) > 40 && nmc_buffer_size(stream) < 4000);

  memset(&sinfo, 0, sizeof sinfo);
  sinfo.struct_size = sizeof sinfo;
  CHECK(nmc_image_stream_inspect(ctx, nmc_buffer_data(stream), nmc_buffer_size(stream), &sinfo) == NMC_OK);
  CHECK(sinfo.width == 80 && sinfo.height == 56 && sinfo.channels == 3 && sinfo.lanes == 4);
  CHECK(strcmp(sinfo.model_name, "nmc-image-q1") == 0);
  CHECK(sinfo.stream_bytes == (int64_t)nmc_buffer_size(stream));
  CHECK(sinfo.bits_per_pixel > 0.0);

  /* By the model the stream names (codec NULL), and with a codec opened by name: same pixels. */
  CHECK(nmc_image_decode(ctx, NULL, nmc_buffer_data(stream), nmc_buffer_size(stream), NULL, &decoded) == NMC_OK);
  CHECK(decoded != NULL && nmc_image_width(decoded) == 80 && nmc_image_height(decoded) == 56 &&
        nmc_image_channels(decoded) == 3);
  if (decoded) {
    nmc_image* again = NULL;
    const uint8_t* d = nmc_image_data(decoded);
    for (x = 0; x < 80 * 56 * 3; ++x) se += (double)(d[x] - px[x]) * (d[x] - px[x]);
    /* q1 is the lowest rate point and this tiny image is mostly padding: 612 when written; a broken decode
     * (swapped planes, misplaced rows) is far above the bound. */
    CHECK(se / (80 * 56 * 3) < 1000.0);
    CHECK(nmc_image_decode(ctx, by_name, nmc_buffer_data(stream), nmc_buffer_size(stream), NULL, &again) == NMC_OK);
    CHECK(again && memcmp(nmc_image_data(again), d, 80 * 56 * 3) == 0);
    nmc_image_free(again);
    again = NULL;
    /* float32 synthesis: the same image up to bf16 rounding (a level or two at most). */
    nmc_image_decode_default_settings(&dsettings);
    CHECK(dsettings.exact_transforms == 0);
    dsettings.exact_transforms = 1;
    CHECK(nmc_image_decode(ctx, codec, nmc_buffer_data(stream), nmc_buffer_size(stream), &dsettings, &again) ==
          NMC_OK);
    if (again) {
      int worst = 0;
      const uint8_t* e = nmc_image_data(again);
      for (x = 0; x < 80 * 56 * 3; ++x) worst = abs(e[x] - d[x]) > worst ? abs(e[x] - d[x]) : worst;
      CHECK(worst <= 3);
    }
    nmc_image_free(again);
    dsettings.exact_transforms = 5;
    CHECK(nmc_image_decode(ctx, codec, nmc_buffer_data(stream), nmc_buffer_size(stream), &dsettings, &again) ==
          NMC_ERR_INVALID_ARGUMENT);
  }
  nmc_image_free(decoded);
  decoded = NULL;
  memset(garbage, 0x5a, sizeof garbage);
  CHECK(nmc_image_decode(ctx, codec, garbage, sizeof garbage, NULL, &decoded) == NMC_ERR_INVALID_DATA);
  CHECK(decoded == NULL);
  CHECK(nmc_image_decode(ctx, codec, nmc_buffer_data(stream), nmc_buffer_size(stream) - 1, NULL, &decoded) ==
        NMC_ERR_INVALID_DATA);
  nmc_image_decode_default_settings(&dsettings);
  CHECK(dsettings.max_pixels == ((int64_t)1 << 24) && dsettings.max_dimension == 16384);
  dsettings.max_pixels = 80 * 56 - 1;
  CHECK(nmc_image_decode(ctx, codec, nmc_buffer_data(stream), nmc_buffer_size(stream), &dsettings, &decoded) ==
        NMC_ERR_LIMIT_EXCEEDED);
  dsettings.max_pixels = 0;
  CHECK(nmc_image_decode(ctx, codec, nmc_buffer_data(stream), nmc_buffer_size(stream), &dsettings, &decoded) ==
        NMC_ERR_INVALID_ARGUMENT);
  dsettings.max_pixels = 80 * 56;
  dsettings.struct_size = 4;
  CHECK(nmc_image_decode(ctx, codec, nmc_buffer_data(stream), nmc_buffer_size(stream), &dsettings, &decoded) ==
        NMC_ERR_INVALID_ARGUMENT);
  CHECK(decoded == NULL);
  CHECK(nmc_image_stream_inspect(ctx, garbage, sizeof garbage, &sinfo) == NMC_ERR_INVALID_DATA);
  CHECK(nmc_image_decode(ctx, codec, NULL, 5, NULL, &decoded) == NMC_ERR_INVALID_ARGUMENT);

  nmc_buffer_free(stream);
  nmc_image_free(image);
  nmc_image_codec_free(codec);
  nmc_image_codec_free(by_name);
  nmc_image_codec_free(NULL);
  nmc_buffer_free(NULL);
  nmc_context_free(ctx);
}

int main(void) {
  test_version();
  test_status_strings();
  test_context();
  test_bad_arguments();
  test_backends();
  test_image_codec();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
