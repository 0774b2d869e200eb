/* nmc: describing files - images, audio, video, safetensors checkpoints (and,
 * as codecs land, nmc bitstreams). Used by `nmc info`. */
#ifndef NMC_INFO_H
#define NMC_INFO_H

#include "nmc/nmc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nmc_file_kind {
  NMC_FILE_UNKNOWN = 0,
  NMC_FILE_IMAGE = 1,
  NMC_FILE_AUDIO = 2,
  NMC_FILE_VIDEO = 3,
  NMC_FILE_CHECKPOINT = 4, /* a .safetensors file or a model folder */
  NMC_FILE_BITSTREAM = 5, /* an nmc bitstream */
  NMC_FILE_KIND_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_FILE_KIND_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_file_kind;

typedef enum nmc_describe_format {
  NMC_DESCRIBE_TEXT = 0, /* human-readable, several lines */
  NMC_DESCRIBE_JSON = 1, /* one JSON object */
  NMC_DESCRIBE_FORMAT_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_DESCRIBE_FORMAT_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_describe_format;

/* Describes the file or model folder at `path` into `buf` (NUL-terminated).
 * `*needed` (if not NULL) receives the size including the NUL. With buf NULL or
 * buf_size too small, returns NMC_ERR_BUFFER_TOO_SMALL (call again with a
 * buffer of *needed bytes). `kind` (if not NULL) receives the detected kind.
 * Files nmc cannot read fail with NMC_ERR_UNSUPPORTED or NMC_ERR_INVALID_DATA
 * and a message in nmc_context_last_error(). */
NMC_API nmc_status nmc_file_describe(nmc_context* ctx, const char* path, nmc_describe_format format, char* buf,
                                     size_t buf_size, size_t* needed, nmc_file_kind* kind);

#ifdef __cplusplus
}
#endif

#endif /* NMC_INFO_H */
