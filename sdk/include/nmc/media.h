/* nmc: Neural Media Codec SDK - media I/O C ABI (images, audio, video, probing).
 *
 * Follows the conventions of nmc.h: every function takes an nmc_context* that
 * receives the last error message (nmc_context_last_error) and returns an
 * nmc_status; handles are opaque, owned by the library and freed by the
 * matching *_free (which accepts NULL); settings structs start with
 * struct_size and end with reserved space.
 *
 * Input files are treated as untrusted: truncated, corrupt, empty, non-media
 * or oversized inputs fail with NMC_ERR_INVALID_DATA, NMC_ERR_UNSUPPORTED,
 * NMC_ERR_LIMIT_EXCEEDED, NMC_ERR_IO or NMC_ERR_NOT_FOUND and a message; they
 * never crash or hang. Only regular local files are opened (no URLs, pipes or
 * devices). Decoding uses FFmpeg (libavformat/libavcodec/libswscale/
 * libswresample) and libpng; FFmpeg's global log level is left as the host
 * application set it.
 *
 * Threads: images and audio are plain buffers: they do not reference the
 * context after the call that created them returns (except that image pixels
 * are allocated and freed with the context's allocator hooks, when set, which
 * must stay valid until the image is freed) and distinct ones may be used in
 * parallel. A video reader keeps its context for error reporting, so it belongs
 * to its context's thread (see nmc_context_create): for parallel decoding, open
 * each reader on its own context.
 */
#ifndef NMC_MEDIA_H
#define NMC_MEDIA_H

#include "nmc/nmc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ----------------------------------------------------------------- */
/* Images and video frames larger than these fail with NMC_ERR_LIMIT_EXCEEDED
 * before any pixel buffer is allocated. */
#define NMC_IMAGE_MAX_DIMENSION 65535
#define NMC_IMAGE_MAX_PIXELS (1LL << 28)
/* Default for nmc_audio_read_settings.max_duration_seconds (4 hours). */
#define NMC_AUDIO_DEFAULT_MAX_DURATION_SECONDS 14400.0
#define NMC_AUDIO_MAX_CHANNELS 64
#define NMC_AUDIO_MAX_SAMPLE_RATE 768000

/* ---- images ----------------------------------------------------------------- */
/* An 8-bit image: `height` rows of `width` pixels, each pixel `channels`
 * interleaved bytes (1 = gray, 3 = RGB, 4 = RGBA with straight alpha). Rows are
 * `stride` bytes apart (stride >= width * channels). */
typedef struct nmc_image nmc_image;

/* New zero-filled image. channels is 1, 3 or 4; width/height within the limits. */
NMC_API nmc_status nmc_image_create(nmc_context* ctx, int32_t width, int32_t height, int32_t channels,
                                    nmc_image** out);
NMC_API void nmc_image_free(nmc_image* image);

/* Reads a still image. PNG (1/2/4/8/16-bit, gray, palette, alpha, interlaced;
 * 16-bit samples are rounded to 8) is decoded with libpng; any other format
 * FFmpeg decodes (JPEG, WebP, BMP, TIFF, ...) with FFmpeg - of a multi-frame
 * file (GIF, video) the first frame. desired_channels: 0 keeps the stored
 * layout (gray -> 1, gray+alpha -> 4, colour -> 3, colour+alpha -> 4),
 * otherwise 1, 3 or 4: alpha is dropped or added (opaque), colour becomes
 * gray as Y = (77 R + 150 G + 29 B + 128) >> 8, gray is replicated to RGB. */
NMC_API nmc_status nmc_image_read(nmc_context* ctx, const char* path, int32_t desired_channels,
                                  nmc_image** out);

/* Writes `image` as an 8-bit PNG (gray, RGB or RGBA by its channel count),
 * replacing `path`. */
NMC_API nmc_status nmc_image_write_png(nmc_context* ctx, const nmc_image* image, const char* path);
/* Same from a caller buffer: `height` rows of width * channels bytes, `stride`
 * bytes apart (stride >= width * channels). The buffer is only read. */
NMC_API nmc_status nmc_image_write_png_buffer(nmc_context* ctx, const uint8_t* data, int32_t width,
                                              int32_t height, int32_t channels, size_t stride,
                                              const char* path);

/* Resampling filters for nmc_image_resize (OpenCV's INTER_LINEAR, INTER_CUBIC,
 * INTER_AREA, INTER_LANCZOS4). AREA is the right choice for large downscales. */
typedef enum nmc_resize_filter {
  NMC_RESIZE_BILINEAR = 0,
  NMC_RESIZE_BICUBIC = 1,
  NMC_RESIZE_AREA = 2,
  NMC_RESIZE_LANCZOS = 3,
  NMC_RESIZE_FILTER_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_RESIZE_FILTER_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_resize_filter;

/* New image `width` x `height` (same channels) resampled from `src` with
 * `filter`; 8-bit results are rounded and saturated. Sizes are checked against
 * the image limits before anything is allocated. */
NMC_API nmc_status nmc_image_resize(nmc_context* ctx, const nmc_image* src, int32_t width, int32_t height,
                                    nmc_resize_filter filter, nmc_image** out);

/* Accessors; all return 0 / NULL for a NULL image. Pixel memory is owned by
 * the image and valid until nmc_image_free. */
NMC_API int32_t nmc_image_width(const nmc_image* image);
NMC_API int32_t nmc_image_height(const nmc_image* image);
NMC_API int32_t nmc_image_channels(const nmc_image* image);
NMC_API size_t nmc_image_stride(const nmc_image* image);
NMC_API const uint8_t* nmc_image_data(const nmc_image* image);
NMC_API uint8_t* nmc_image_data_mutable(nmc_image* image);

/* ---- audio ------------------------------------------------------------------ */
/* Decoded audio: num_frames sample frames of `channels` interleaved 32-bit
 * float samples (nominal range [-1, 1]) at sample_rate Hz. */
typedef struct nmc_audio nmc_audio;

typedef struct nmc_audio_read_settings {
  size_t struct_size;          /* sizeof(nmc_audio_read_settings) */
  int32_t sample_rate;         /* output rate in Hz; 0 = the stream's rate */
  int32_t channels;            /* output channels; 0 = the stream's count.
                                  Mono is copied to every output channel;
                                  other conversions use FFmpeg's default
                                  matrices for the default layouts, normalised
                                  so outputs stay within the input's range
                                  (stereo -> mono = (L + R) / 2). */
  double max_duration_seconds; /* decoding stops with NMC_ERR_LIMIT_EXCEEDED
                                  once the output grows past it; default 4 h */
  uint8_t reserved[64];
} nmc_audio_read_settings;

NMC_API void nmc_audio_read_default_settings(nmc_audio_read_settings* settings);

/* Decodes the best audio stream of any FFmpeg-readable file to float PCM,
 * converting rate and channel count with libswresample. `settings` may be NULL
 * for defaults. Packets the decoder rejects are skipped (up to 64 in a row);
 * a file with no decodable sample, or one that ends before the length its
 * container declares (WAV, MP4, FLAC, MP3 with a length header; not Ogg or
 * Matroska, which declare none per stream), fails with NMC_ERR_INVALID_DATA. */
NMC_API nmc_status nmc_audio_read_ex(nmc_context* ctx, const char* path,
                                     const nmc_audio_read_settings* settings, nmc_audio** out);
/* nmc_audio_read_ex with default settings and the given rate/channels (0 = native). */
NMC_API nmc_status nmc_audio_read(nmc_context* ctx, const char* path, int32_t sample_rate,
                                  int32_t channels, nmc_audio** out);

/* New silent audio (num_frames >= 0) to fill through nmc_audio_data_mutable. */
NMC_API nmc_status nmc_audio_create(nmc_context* ctx, int32_t sample_rate, int32_t channels,
                                    int64_t num_frames, nmc_audio** out);
NMC_API void nmc_audio_free(nmc_audio* audio);

/* Writes a RIFF/WAVE file, replacing `path`. bits = 16: PCM signed 16-bit
 * (samples scaled by 32768, rounded to nearest, clipped); bits = 32: IEEE
 * 32-bit float, samples written unchanged. Data above 4 GiB fails with
 * NMC_ERR_LIMIT_EXCEEDED. */
NMC_API nmc_status nmc_audio_write_wav(nmc_context* ctx, const nmc_audio* audio, const char* path,
                                       int32_t bits);

/* Accessors; 0 / NULL for a NULL audio. */
NMC_API int32_t nmc_audio_sample_rate(const nmc_audio* audio);
NMC_API int32_t nmc_audio_channels(const nmc_audio* audio);
NMC_API int64_t nmc_audio_num_frames(const nmc_audio* audio);
NMC_API const float* nmc_audio_data(const nmc_audio* audio);
NMC_API float* nmc_audio_data_mutable(nmc_audio* audio);

/* ---- video ------------------------------------------------------------------ */
typedef enum nmc_pixel_format {
  NMC_PIXEL_FORMAT_RGB24 = 0, /* 3 channels, R G B bytes */
  NMC_PIXEL_FORMAT_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_PIXEL_FORMAT_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_pixel_format;

typedef struct nmc_video_reader_settings {
  size_t struct_size;   /* sizeof(nmc_video_reader_settings) */
  int32_t width;        /* output size; both 0 = source size; one 0 = derived */
  int32_t height;       /*   from the other keeping the display aspect ratio */
  double fps;           /* 0 = every frame; > 0 = frame sampling, see below */
  int32_t pixel_format; /* an nmc_pixel_format: NMC_PIXEL_FORMAT_RGB24 */
  int32_t num_threads;  /* decoder threads; 0 = 1 */
  uint8_t reserved[64];
} nmc_video_reader_settings;

typedef struct nmc_video_info {
  size_t struct_size;   /* set by the caller to sizeof(nmc_video_info) */
  int32_t width;        /* output frame size (after scaling) */
  int32_t height;
  int32_t source_width; /* coded size of the stream */
  int32_t source_height;
  double fps;           /* the stream's average frame rate (0 when unknown) */
  int64_t num_frames;   /* container's frame count, else duration * fps; an estimate */
  double duration_seconds; /* 0 when unknown */
  char codec_name[32];  /* FFmpeg codec name, e.g. "h264"; NUL-terminated */
  uint8_t reserved[64];
} nmc_video_info;

typedef struct nmc_video_reader nmc_video_reader;

NMC_API void nmc_video_reader_default_settings(nmc_video_reader_settings* settings);

/* Opens the best video stream of `path`. settings may be NULL for defaults.
 * The reader keeps `ctx` for error messages of later calls: ctx must outlive it. */
NMC_API nmc_status nmc_video_reader_open(nmc_context* ctx, const char* path,
                                         const nmc_video_reader_settings* settings,
                                         nmc_video_reader** out);
NMC_API void nmc_video_reader_free(nmc_video_reader* reader);

/* Fills `info` (set info->struct_size first; a smaller struct from an older
 * header is filled up to its size). */
NMC_API nmc_status nmc_video_reader_info(nmc_video_reader* reader, nmc_video_info* info);

/* Decodes the next output frame into a new image (free it with nmc_image_free)
 * and its presentation time in seconds from the start of the stream (may be
 * NULL). Returns NMC_EOF (and *frame = NULL) after the last frame.
 *
 * With settings.fps > 0, for each target time k / fps (k = 0, 1, ... and
 * before the end of the last frame) the frame whose presentation time is
 * nearest is returned (ties go to the earlier frame); a frame is returned at
 * most once, so targets closer than the source frame spacing may share one.
 *
 * Damaged packets inside a stream are concealed or skipped by the decoder (up
 * to 64 failures in a row, then NMC_ERR_INVALID_DATA). A file that ends before
 * the length its container declares (a truncated MP4, for instance) returns its
 * complete frames and then NMC_ERR_INVALID_DATA instead of NMC_EOF. */
NMC_API nmc_status nmc_video_reader_read(nmc_video_reader* reader, nmc_image** frame,
                                         double* pts_seconds);

/* Repositions so that the next read returns the first frame presented at or
 * after `seconds` (>= 0; in sampling mode, the frame for the first target at
 * or after it): seeks to the keyframe before and decodes forward. Seeking past
 * the end makes the next read return NMC_EOF. */
NMC_API nmc_status nmc_video_reader_seek(nmc_video_reader* reader, double seconds);

/* ---- probing ---------------------------------------------------------------- */
typedef enum nmc_media_kind {
  NMC_MEDIA_UNKNOWN = 0,
  NMC_MEDIA_IMAGE = 1,
  NMC_MEDIA_AUDIO = 2,
  NMC_MEDIA_VIDEO = 3, /* may also carry audio: channels/sample_rate are then set */
  NMC_MEDIA_KIND_MIN_ENUM_ = -0x7fffffff - 1, /* with _MAX_ENUM_: the full int32 range, so any */
  NMC_MEDIA_KIND_MAX_ENUM_ = 0x7fffffff        /* int32 value is safe to pass (and rejected if unknown) */
} nmc_media_kind;

typedef struct nmc_media_info {
  size_t struct_size;      /* set by the caller to sizeof(nmc_media_info) */
  nmc_media_kind kind;
  int32_t width;           /* image / video; 0 otherwise */
  int32_t height;
  int32_t channels;        /* image: channels nmc_image_read gives with 0 (1, 3, 4);
                              audio / video with audio: audio channels */
  int32_t sample_rate;     /* audio, Hz; 0 otherwise */
  double duration_seconds; /* 0 for images or when unknown */
  double frame_rate;       /* video: average frames per second */
  int64_t num_frames;      /* video: estimated frame count; image: 1;
                              audio: estimated sample frames */
  char codec_name[32];     /* codec of the main stream, e.g. "png", "h264" */
  char container_name[32]; /* FFmpeg demuxer, e.g. "mov,mp4,m4a,3gp,3g2,mj2" (truncated) */
  uint8_t reserved[64];
} nmc_media_info;

/* Identifies a media file without decoding it. Files FFmpeg cannot identify
 * fail with NMC_ERR_UNSUPPORTED or NMC_ERR_INVALID_DATA (kind stays UNKNOWN). */
NMC_API nmc_status nmc_media_probe(nmc_context* ctx, const char* path, nmc_media_info* out);

#ifdef __cplusplus
}
#endif

#endif /* NMC_MEDIA_H */
