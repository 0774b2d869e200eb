/* nmc VLM runtime: LLaVA-OneVision (SigLIP vision tower, 2-layer projector,
 * Qwen2 decoder) straight from a Hugging Face checkpoint folder.
 *
 * A model folder holds config.json, model.safetensors or a sharded
 * model.safetensors.index.json, and optionally tokenizer.json (needed for
 * nmc_vlm_append_text and token text in callbacks) and preprocessor_config.json
 * (checked against what the runtime implements). Weights may be f32, bf16 or
 * f16; compute is f32 on the CPU backend.
 *
 * A session is one conversation: append input in order (text, token ids,
 * images, video frames or a video file), then prefill and/or generate. Media
 * become feature tokens where the Hugging Face processor would put its <image>
 * / <video> placeholders, so the caller does not add placeholder tokens.
 *
 * Thread rules: a model is immutable once open and may serve any number of
 * sessions on any threads; a session is used by one thread at a time. Errors
 * are reported on the context the session was created with.
 */
#ifndef NMC_VLM_H
#define NMC_VLM_H

#include "nmc/media.h"
#include "nmc/nmc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmc_vlm_model nmc_vlm_model;
typedef struct nmc_vlm_session nmc_vlm_session;

/* Precision of the weight matrices, which sets the matmuls' compute precision. */
typedef enum nmc_vlm_precision {
  NMC_VLM_PRECISION_AUTO = 0, /* as stored: f32 checkpoints compute in f32, bf16 ones in bf16 */
  NMC_VLM_PRECISION_F32 = 1,  /* f32 weights and products (a bf16 checkpoint takes 2x the memory) */
  NMC_VLM_PRECISION_BF16 = 2, /* bf16 weights, activations rounded to bf16, f32 sums: ~2x faster
                                 on CPUs with AVX512-BF16, relative error ~2^-9 per operand */
  NMC_VLM_PRECISION_MIN_ENUM_ = -0x7fffffff - 1,
  NMC_VLM_PRECISION_MAX_ENUM_ = 0x7fffffff
} nmc_vlm_precision;

typedef struct nmc_vlm_model_settings {
  size_t struct_size;          /* sizeof(nmc_vlm_model_settings) */
  nmc_vlm_precision precision; /* default NMC_VLM_PRECISION_AUTO */
  uint8_t reserved[60];
} nmc_vlm_model_settings;

NMC_API void nmc_vlm_model_default_settings(nmc_vlm_model_settings* settings);

/* Opens the model folder `dir`; settings may be NULL (defaults).
 * NMC_ERR_NOT_FOUND / NMC_ERR_IO for missing files, NMC_ERR_INVALID_DATA for
 * malformed or mismatched ones (a tensor with the wrong shape, a tokenizer that
 * does not fit the vocabulary), NMC_ERR_UNSUPPORTED for model variants the
 * runtime does not implement. */
NMC_API nmc_status nmc_vlm_model_open(nmc_context* ctx, const char* dir, const nmc_vlm_model_settings* settings,
                                      nmc_vlm_model** out);
NMC_API void nmc_vlm_model_free(nmc_vlm_model* model);

typedef struct nmc_vlm_model_info {
  size_t struct_size;        /* set by the caller to sizeof(nmc_vlm_model_info) */
  int32_t vocab_size;
  int32_t hidden_size;       /* decoder width */
  int32_t num_layers;        /* decoder layers */
  int32_t vision_layers;     /* vision-tower layers that run (up to the selected feature layer) */
  int32_t tile_size;         /* vision input tile, pixels a side */
  int32_t tile_tokens;       /* feature tokens per tile */
  int32_t has_tokenizer;     /* 1 when tokenizer.json was loaded */
  int32_t eos_token;         /* "<|im_end|>" when the tokenizer has it, else -1 */
  int64_t max_position_embeddings;
  uint64_t weight_bytes;     /* bytes of the decoder's weight matrices and lm_head */
  uint8_t reserved[64];
} nmc_vlm_model_info;

NMC_API nmc_status nmc_vlm_model_get_info(const nmc_vlm_model* model, nmc_vlm_model_info* info);

typedef struct nmc_vlm_session_settings {
  size_t struct_size;       /* sizeof(nmc_vlm_session_settings) */
  int64_t max_context;      /* tokens; default 8192 (<= max_position_embeddings) */
  int32_t kv_page_tokens;   /* KV cache page size; default 256 */
  int32_t prefill_chunk;    /* tokens per decoder pass when prefilling; default 512 */
  int64_t max_image_pixels; /* larger images are refused; default 2^26 */
  uint8_t reserved[64];
} nmc_vlm_session_settings;

NMC_API void nmc_vlm_session_default_settings(nmc_vlm_session_settings* settings);

/* settings may be NULL (defaults). The session uses `ctx` (its thread pool and
 * error slot) and `model`, which must outlive it. NMC_ERR_BACKEND_UNAVAILABLE
 * on a context whose backend is CUDA (the VLM runs on the CPU). */
NMC_API nmc_status nmc_vlm_session_create(nmc_context* ctx, nmc_vlm_model* model,
                                          const nmc_vlm_session_settings* settings, nmc_vlm_session** out);
NMC_API void nmc_vlm_session_free(nmc_vlm_session* session);
/* Forgets the conversation (KV cache, pending input) and the statistics. */
NMC_API nmc_status nmc_vlm_session_reset(nmc_vlm_session* session);

/* Appending. On error nothing is appended. NMC_ERR_LIMIT_EXCEEDED when the
 * context would overflow max_context. */
/* UTF-8 text, tokenized with tokenizer.json (special tokens such as
 * "<|im_start|>" are recognised). NMC_ERR_UNSUPPORTED without a tokenizer. */
NMC_API nmc_status nmc_vlm_append_text(nmc_vlm_session* session, const char* utf8);
NMC_API nmc_status nmc_vlm_append_tokens(nmc_vlm_session* session, const int32_t* ids, size_t count);
/* An 8-bit RGB image (3 channels), any size: anyres tiles as the model was trained. */
NMC_API nmc_status nmc_vlm_append_image(nmc_vlm_session* session, const nmc_image* rgb);
/* Video frames (8-bit RGB) in time order; 1 <= count <= 1024. */
NMC_API nmc_status nmc_vlm_append_video_frames(nmc_vlm_session* session, const nmc_image* const* frames,
                                               size_t count);
/* A video file decoded with FFmpeg. With frames > 0: that many frames at
 * uniformly spaced indices over the whole video (round(linspace(0, n-1, frames)),
 * as the Hugging Face examples sample); else with fps > 0: one frame per 1/fps
 * seconds. At most 1024 frames. */
NMC_API nmc_status nmc_vlm_append_video_file(nmc_vlm_session* session, const char* path, int32_t frames,
                                             double fps);

/* Runs the pending input through the decoder (a no-op without any). */
NMC_API nmc_status nmc_vlm_prefill(nmc_vlm_session* session);
/* Next-token logits after the last prefilled or generated token; valid until
 * the next call on the session. NMC_ERR_INVALID_ARGUMENT before any prefill. */
NMC_API nmc_status nmc_vlm_last_logits(nmc_vlm_session* session, const float** logits, int32_t* vocab_size);

typedef struct nmc_vlm_generate_settings {
  size_t struct_size;         /* sizeof(nmc_vlm_generate_settings) */
  int32_t max_new_tokens;     /* default 256 */
  float temperature;          /* <= 0: greedy (default 0) */
  int32_t top_k;              /* 0: off (default) */
  float top_p;                /* (0, 1]; default 1 */
  uint64_t seed;              /* sampling seed; default 0 */
  const int32_t* stop_tokens; /* generation ends after emitting one of these */
  size_t num_stop_tokens;
  int32_t stop_at_eos;        /* 1 (default): the model's eos_token stops too */
  uint8_t reserved[60];
} nmc_vlm_generate_settings;

NMC_API void nmc_vlm_generate_default_settings(nmc_vlm_generate_settings* settings);

/* Called once per generated token with its id and, when the model has a
 * tokenizer, the UTF-8 text it completes (special tokens give no text; bytes of
 * a character split over tokens arrive with the token that completes it).
 * Return nonzero to stop generating. */
typedef int32_t (*nmc_vlm_token_callback)(void* user, int32_t token, const char* text, size_t text_size);

/* Prefills pending input, then generates. callback may be NULL. `generated`
 * (may be NULL) receives the number of tokens generated. Reaching max_context
 * ends generation without an error once a token was produced. */
NMC_API nmc_status nmc_vlm_generate(nmc_vlm_session* session, const nmc_vlm_generate_settings* settings,
                                    nmc_vlm_token_callback callback, void* user, int32_t* generated);

typedef struct nmc_vlm_stats {
  size_t struct_size;       /* set by the caller to sizeof(nmc_vlm_stats) */
  int64_t context_tokens;   /* tokens in the KV cache */
  int64_t pending_tokens;   /* appended, not yet prefilled */
  int64_t vision_tokens;    /* feature tokens of the media appended */
  int64_t prefill_tokens;
  int64_t decode_tokens;
  uint64_t kv_bytes;        /* KV cache memory held */
  double vision_ms;         /* time in the vision tower and feature packing */
  double prefill_ms;
  double decode_ms;
  uint8_t reserved[64];
} nmc_vlm_stats;

NMC_API nmc_status nmc_vlm_session_get_stats(const nmc_vlm_session* session, nmc_vlm_stats* stats);

#ifdef __cplusplus
}
#endif

#endif /* NMC_VLM_H */
