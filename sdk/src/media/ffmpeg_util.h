// RAII owners for FFmpeg objects and the translation of libav error codes to
// nmc::Status. Every libav failure inside sdk/src/media goes through
// av_status() so messages carry av_strerror text.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

#include "nmc/kernels/status.h"

namespace nmc::media {

struct InputDeleter {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
struct SwrDeleter {
  void operator()(SwrContext* p) const { swr_free(&p); }
};

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;

// "what: <av_strerror text>" with a StatusCode chosen from the error
// (ENOENT -> NotFound, ENOMEM -> OutOfMemory, decoder/demuxer not found or
// PATCHWELCOME -> Unsupported, EIO/EACCES -> Io, anything else -> InvalidData).
Status av_status(int averror, const std::string& what);

FramePtr make_frame();    // throws std::bad_alloc on failure (caught at the ABI)
PacketPtr make_packet();

// An opened input with one selected stream and its opened decoder.
struct DecoderInput {
  InputPtr format;
  CodecPtr codec;
  int stream_index = -1;
  AVStream* stream() const { return format->streams[stream_index]; }
};

// Opens the regular file `path` (checked with check_input_file; only the
// "file" protocol is allowed, the image2 demuxer never expands patterns),
// reads stream info, and returns the opened input.
Result<InputPtr> open_input(const char* path);

// Selects the best stream of `type` in `input` and opens its decoder with
// `threads` threads (>= 1). Decoders refuse frames above NMC_IMAGE_MAX_PIXELS.
// `strict` makes the decoder fail on minor damage (AV_EF_EXPLODE) instead of
// concealing it; still images use it, streams do not.
Result<DecoderInput> open_decoder(InputPtr input, AVMediaType type, int threads, bool strict,
                                  const char* path);

// Tells a file that ends early (truncated) from one that ends where its
// container said it would, from the packets of one stream. Demuxers do not
// report truncation: a cut MP4 or WAV simply reaches EOF sooner.
class StreamEndCheck {
 public:
  void reset();                         // after a seek
  void on_packet(const AVPacket* pkt);  // every packet of the stream
  // At end of input: InvalidData when a packet was flagged corrupt (read
  // short) or when the container declares the stream to end more than
  // max(2 packet durations, 0.25 s) after the last packet; Ok when it is
  // consistent or the declared end is unknown or only estimated.
  Status check(const AVFormatContext* format, const AVStream* stream, const std::string& path) const;

 private:
  int64_t max_end_ = AV_NOPTS_VALUE;  // stream time base
  int64_t max_duration_ = 0;
  bool corrupt_ = false;
};

// Display duration of a decoded frame in stream time-base units (0 if unknown).
int64_t frame_duration(const AVFrame* frame);

// Copies at most dst_size - 1 bytes of `src` (may be null) and terminates.
void copy_name(char* dst, size_t dst_size, const char* src);

}  // namespace nmc::media
