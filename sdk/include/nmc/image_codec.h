/* nmc image codec: learned image compression into nmc streams.
 *
 * A codec is one model at one rate point. nmc ships four (qualities 1..4,
 * "nmc-image-q1" .. "nmc-image-q4", from ~0.15 to ~1 bit per pixel); any
 * CompressAI mbt2018-mean / bmshj2018-hyperprior checkpoint converted by
 * tools/convert/compressai_to_safetensors.py opens the same way by folder.
 * Streams made with a model that has the integer hyper-synthesis (all shipped
 * models) decode to identical pixels on every machine and thread count.
 *
 * Shipped models are looked up by name in, in order: each folder of the
 * NMC_MODEL_PATH environment variable (':'-separated), the installed
 * <prefix>/share/nmc/models, and the source tree's models/ folder.
 *
 * Thread rules: a codec is immutable once open; encode/decode calls may share
 * it across threads, each thread with its own context.
 */
#ifndef NMC_IMAGE_CODEC_H
#define NMC_IMAGE_CODEC_H

#include "nmc/media.h"
#include "nmc/nmc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmc_image_codec nmc_image_codec;

/* Number of shipped rate points (qualities 1..N). */
NMC_API int32_t nmc_image_codec_quality_count(void);

/* Opens `model`: a shipped model's name (e.g. "nmc-image-q3") or a model folder
 * (a path holding model.safetensors and config.json). NMC_ERR_NOT_FOUND when
 * neither exists; NMC_ERR_INVALID_DATA for a damaged model. An open codec keeps
 * up to 256 MiB of transform buffers between calls (reused, so repeated calls do
 * not fault fresh pages); nmc_image_codec_free releases them. */
NMC_API nmc_status nmc_image_codec_open(nmc_context* ctx, const char* model, nmc_image_codec** out);
/* Opens the shipped model of `quality` (1..nmc_image_codec_quality_count()). */
NMC_API nmc_status nmc_image_codec_open_quality(nmc_context* ctx, int32_t quality, nmc_image_codec** out);
NMC_API void nmc_image_codec_free(nmc_image_codec* codec);

typedef struct nmc_image_codec_info {
  size_t struct_size;      /* set by the caller to sizeof(nmc_image_codec_info) */
  char name[72];           /* model name recorded in streams; NUL-terminated */
  char architecture[32];   /* "mbt2018-mean" or "bmshj2018-hyperprior" */
  int32_t quality;         /* 0 when the model does not say */
  int32_t n;               /* transform width */
  int32_t m;               /* latent channels */
  int32_t deterministic;   /* 1: integer probability path (portable streams) */
  uint8_t weights_sha256[32];
  uint8_t reserved[64];
} nmc_image_codec_info;

NMC_API nmc_status nmc_image_codec_get_info(const nmc_image_codec* codec, nmc_image_codec_info* info);

typedef struct nmc_image_encode_settings {
  size_t struct_size; /* sizeof(nmc_image_encode_settings) */
  int32_t lanes;      /* rANS lanes 1, 4 or 8 (default 8; 1 = CompressAI's string format) */
  int32_t exact_transforms; /* 1: analysis transforms in float32 throughout (CompressAI's exact
                               latents); 0 (default): bf16 convolutions and GDN where the CPU has
                               native bf16, ~2x faster. Probabilities are integer either way */
  uint8_t reserved[56];
} nmc_image_encode_settings;

NMC_API void nmc_image_encode_default_settings(nmc_image_encode_settings* settings);

/* A byte buffer owned by the library. */
typedef struct nmc_buffer nmc_buffer;
NMC_API const uint8_t* nmc_buffer_data(const nmc_buffer* buffer);
NMC_API size_t nmc_buffer_size(const nmc_buffer* buffer);
NMC_API void nmc_buffer_free(nmc_buffer* buffer);

/* Compresses an 8-bit gray or RGB image into a complete nmc stream.
 * settings may be NULL (defaults). Images up to 16384 pixels a side and
 * 2^24 pixels in all (NMC_ERR_LIMIT_EXCEEDED beyond). */
NMC_API nmc_status nmc_image_encode(nmc_context* ctx, const nmc_image_codec* codec, const nmc_image* image,
                                    const nmc_image_encode_settings* settings, nmc_buffer** out);

typedef struct nmc_image_decode_settings {
  size_t struct_size;     /* sizeof(nmc_image_decode_settings) */
  int64_t max_pixels;     /* width * height bound; default 2^24. Decoding needs about 500 bytes per pixel
                             (N = 128): a service decoding untrusted streams should lower it */
  int32_t max_dimension;  /* width and height bound; default 16384 */
  int32_t exact_transforms; /* 1: synthesis transform in float32 throughout; 0 (default): bf16 where
                               the CPU has it (pixels may differ by a level between the two) */
  uint8_t reserved[56];
} nmc_image_decode_settings;

NMC_API void nmc_image_decode_default_settings(nmc_image_decode_settings* settings);

/* Decodes a stream. codec may be NULL: the shipped model the stream names is
 * opened. settings may be NULL (defaults). NMC_ERR_INVALID_DATA for damaged
 * streams, NMC_ERR_INVALID_ARGUMENT when the stream was made with another
 * model than `codec`, NMC_ERR_LIMIT_EXCEEDED beyond the settings' bounds. */
NMC_API nmc_status nmc_image_decode(nmc_context* ctx, const nmc_image_codec* codec, const uint8_t* data,
                                    size_t size, const nmc_image_decode_settings* settings, nmc_image** out);

typedef struct nmc_image_stream_info {
  size_t struct_size;      /* set by the caller to sizeof(nmc_image_stream_info) */
  char model_name[72];     /* NUL-terminated */
  uint8_t weights_sha256[32];
  int32_t width;
  int32_t height;
  int32_t channels;        /* 1 or 3 */
  char architecture[32];
  int32_t deterministic;   /* 1: integer probability path */
  int32_t lanes;
  int32_t n;
  int32_t m;
  int64_t z_bytes;         /* rANS bytes of the hyper-latent */
  int64_t y_bytes;         /* rANS bytes of the latent */
  int64_t stream_bytes;
  double bits_per_pixel;   /* stream_bytes * 8 / (width * height) */
  uint8_t reserved[64];
} nmc_image_stream_info;

/* Validates a stream's framing and fields without decoding it. */
NMC_API nmc_status nmc_image_stream_inspect(nmc_context* ctx, const uint8_t* data, size_t size,
                                            nmc_image_stream_info* info);

#ifdef __cplusplus
}
#endif

#endif /* NMC_IMAGE_CODEC_H */
