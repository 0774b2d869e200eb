// VideoReader: sequential RGB frame reading with optional rate sampling and
// accurate seeking, over one FFmpeg input. Not thread-safe: one thread at a time.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "media/ffmpeg_util.h"
#include "media/frame_convert.h"
#include "media/frame_sampler.h"
#include "media/image.h"

namespace nmc::media {

struct VideoReaderOptions {
  int width = 0;     // 0/0 = source size; one 0 = derived keeping display aspect
  int height = 0;
  double fps = 0;    // 0 = every frame
  int threads = 1;   // decoder threads (>= 1)
  HostAllocator alloc;  // for output frames
};

struct VideoInfo {
  int width = 0, height = 0;                // output size
  int source_width = 0, source_height = 0;  // coded size
  double fps = 0;                           // average frame rate, 0 when unknown
  int64_t num_frames = 0;                   // estimate
  double duration_seconds = 0;              // 0 when unknown
  std::string codec_name;
};

struct VideoFrame {
  Image image;
  double pts_seconds = 0;  // from the start of the stream
};

class VideoReader {
 public:
  static Result<std::unique_ptr<VideoReader>> open(const char* path, const VideoReaderOptions& options);

  const VideoInfo& info() const { return info_; }

  // The next frame, or a Status with code kEof after the last one.
  Result<VideoFrame> read();

  // See nmc_video_reader_seek.
  Status seek(double seconds);

 private:
  struct Pending {
    FramePtr frame;
    double pts = 0;
  };

  VideoReader() = default;
  Status pump();                       // decodes until a frame is queued or the stream ends
  Status on_decoded(AVFrame* frame);   // applies seek filtering and sampling
  double frame_pts_seconds(const AVFrame* frame);
  double frame_duration_seconds(const AVFrame* frame) const;
  Status seek_to(double seconds);      // demuxer seek + decoder flush, no state reset

  std::string path_;
  DecoderInput in_;
  VideoReaderOptions options_;
  VideoInfo info_;
  FrameConverter converter_;
  std::optional<FrameSampler> sampler_;
  std::deque<Pending> queue_;   // frames chosen for output, in order
  Pending held_;                // sampling: latest frame before the current target
  double held_duration_ = 0;
  PacketPtr packet_;
  FramePtr decoded_;
  double stream_start_ = 0;     // seconds subtracted from every pts
  double last_pts_ = -1;        // for frames without a timestamp
  bool input_eof_ = false;
  bool finished_ = false;
  int consecutive_errors_ = 0;
  StreamEndCheck end_check_;    // reports truncation instead of an early EOF
  // Accurate seek state: frames before seek_target_ are dropped; when the
  // demuxer lands after the target the seek is retried further back.
  double seek_target_ = -1;
  bool seek_verify_ = false;
  int seek_retries_ = 0;
};

}  // namespace nmc::media
