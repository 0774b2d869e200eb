#include "media/video_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

#include "nmc/media.h"

namespace nmc::media {

namespace {

// Consecutive decoder failures tolerated before the stream is declared corrupt.
constexpr int kMaxConsecutiveDecodeErrors = 64;
constexpr double kMaxSamplingFps = 1000.0;
constexpr double kPtsEpsilon = 1e-6;  // seconds
constexpr int kMaxSeekRetries = 4;

FramePtr ref_frame(const AVFrame* f) {
  FramePtr out(av_frame_clone(f));
  if (!out) throw std::bad_alloc();
  return out;
}

double rate_of(AVRational r) { return (r.num > 0 && r.den > 0) ? av_q2d(r) : 0.0; }

// ts * tb in seconds with one rounding (ts * num / den), so exact multiples
// of the frame duration stay exact where possible.
double seconds_of(int64_t ts, AVRational tb) {
  return static_cast<double>(ts) * tb.num / tb.den;
}

// Output size from the request and the source's display aspect ratio.
void output_size(const AVCodecParameters* par, AVRational sar, int req_w, int req_h, int* w, int* h) {
  const double sar_d = (sar.num > 0 && sar.den > 0) ? av_q2d(sar) : 1.0;
  const double display_w = par->width * sar_d;
  if (req_w == 0 && req_h == 0) {
    *w = par->width;
    *h = par->height;
  } else if (req_h == 0) {
    *w = req_w;
    *h = std::max(1, static_cast<int>(std::lround(req_w * par->height / display_w)));
  } else if (req_w == 0) {
    *h = req_h;
    *w = std::max(1, static_cast<int>(std::lround(req_h * display_w / par->height)));
  } else {
    *w = req_w;
    *h = req_h;
  }
}

}  // namespace

Result<std::unique_ptr<VideoReader>> VideoReader::open(const char* path, const VideoReaderOptions& options) {
  if (!(options.fps >= 0) || options.fps > kMaxSamplingFps)
    return InvalidArgument("fps must be in [0, " + std::to_string(kMaxSamplingFps) + "]");
  if (options.width < 0 || options.height < 0 || options.width > NMC_IMAGE_MAX_DIMENSION ||
      options.height > NMC_IMAGE_MAX_DIMENSION)
    return InvalidArgument("output width/height must be in [0, " + std::to_string(NMC_IMAGE_MAX_DIMENSION) + "]");
  if (options.threads < 1 || options.threads > 64) return InvalidArgument("threads must be in [1, 64]");

  NMC_ASSIGN_OR_RETURN(InputPtr input, open_input(path));
  NMC_ASSIGN_OR_RETURN(DecoderInput in,
                       open_decoder(std::move(input), AVMEDIA_TYPE_VIDEO, options.threads, false, path));
  const AVStream* st = in.stream();
  const AVCodecParameters* par = st->codecpar;
  if (par->width == 0 || par->height == 0) return InvalidData(std::string(path) + ": video frame size is unknown");
  NMC_RETURN_IF_ERROR(check_image_size(par->width, par->height));

  std::unique_ptr<VideoReader> r(new VideoReader());
  r->path_ = path;
  r->options_ = options;
  VideoInfo& info = r->info_;
  info.source_width = par->width;
  info.source_height = par->height;
  output_size(par, av_guess_sample_aspect_ratio(in.format.get(), in.stream(), nullptr), options.width,
              options.height, &info.width, &info.height);
  NMC_RETURN_IF_ERROR(check_image_size(info.width, info.height));
  info.fps = rate_of(st->avg_frame_rate);
  if (info.fps == 0) info.fps = rate_of(st->r_frame_rate);
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info.duration_seconds = st->duration * av_q2d(st->time_base);
  else if (in.format->duration != AV_NOPTS_VALUE && in.format->duration > 0)
    info.duration_seconds = static_cast<double>(in.format->duration) / AV_TIME_BASE;
  info.num_frames = st->nb_frames > 0 ? st->nb_frames
                                      : static_cast<int64_t>(std::llround(info.duration_seconds * info.fps));
  info.codec_name = avcodec_get_name(par->codec_id);
  r->stream_start_ = st->start_time != AV_NOPTS_VALUE ? seconds_of(st->start_time, st->time_base) : 0.0;
  if (options.fps > 0) {
    r->sampler_.emplace(options.fps);
    r->sampler_->reset(0);
  }
  r->in_ = std::move(in);
  r->packet_ = make_packet();
  r->decoded_ = make_frame();
  return r;
}

double VideoReader::frame_duration_seconds(const AVFrame* frame) const {
  const int64_t d = frame_duration(frame);
  if (d > 0) return seconds_of(d, in_.stream()->time_base);
  return info_.fps > 0 ? 1.0 / info_.fps : 0.0;
}

double VideoReader::frame_pts_seconds(const AVFrame* frame) {
  int64_t ts = frame->best_effort_timestamp;
  if (ts == AV_NOPTS_VALUE) ts = frame->pts;
  double p;
  if (ts == AV_NOPTS_VALUE)
    p = last_pts_ < 0 ? 0.0 : last_pts_ + frame_duration_seconds(frame);
  else
    p = seconds_of(ts, in_.stream()->time_base) - stream_start_;
  last_pts_ = p;
  return p;
}

Status VideoReader::on_decoded(AVFrame* frame) {
  const double p = frame_pts_seconds(frame);
  if (seek_verify_) {
    seek_verify_ = false;
    // The demuxer landed after the target: frames in between would be lost.
    if (p > seek_target_ + kPtsEpsilon && seek_target_ > 0 && seek_retries_ < kMaxSeekRetries) {
      ++seek_retries_;
      seek_verify_ = true;
      return seek_to(std::max(0.0, seek_target_ - std::ldexp(1.0, seek_retries_ - 1)));
    }
  }
  if (!sampler_) {
    if (seek_target_ >= 0) {
      if (p < seek_target_ - kPtsEpsilon) return Status::Ok();
      seek_target_ = -1;
    }
    queue_.push_back({ref_frame(frame), p});
    return Status::Ok();
  }
  const FrameSampler::Decision d = sampler_->on_frame(p);
  if (d.emit_held && held_.frame) queue_.push_back(std::move(held_));
  if (d.emit_current) queue_.push_back({ref_frame(frame), p});
  if (d.hold_current) {
    // An emitted frame is held only for its timestamp.
    held_.frame = d.emit_current ? nullptr : ref_frame(frame);
    held_.pts = p;
    held_duration_ = frame_duration_seconds(frame);
  }
  return Status::Ok();
}

Status VideoReader::pump() {
  AVCodecContext* cc = in_.codec.get();
  while (queue_.empty() && !finished_) {
    int r = avcodec_receive_frame(cc, decoded_.get());
    if (r == 0) {
      consecutive_errors_ = 0;
      const Status s = on_decoded(decoded_.get());
      av_frame_unref(decoded_.get());
      NMC_RETURN_IF_ERROR(s);
      continue;
    }
    if (r != AVERROR_EOF && r != AVERROR(EAGAIN) && ++consecutive_errors_ > kMaxConsecutiveDecodeErrors)
      return av_status(r, path_ + ": decode failed");
    if (r == AVERROR_EOF || (input_eof_ && r == AVERROR(EAGAIN))) {
      finished_ = true;
      NMC_RETURN_IF_ERROR(end_check_.check(in_.format.get(), in_.stream(), path_));
      if (sampler_ && held_.frame && sampler_->on_end(held_.pts + held_duration_))
        queue_.push_back(std::move(held_));
      break;
    }
    if (input_eof_) continue;  // a decode error while draining; bounded by the error count
    r = av_read_frame(in_.format.get(), packet_.get());
    if (r == AVERROR_EOF) {
      input_eof_ = true;
      (void)avcodec_send_packet(cc, nullptr);
      continue;
    }
    if (r < 0) return av_status(r, path_ + ": read failed");
    if (packet_->stream_index != in_.stream_index) {
      av_packet_unref(packet_.get());
      continue;
    }
    end_check_.on_packet(packet_.get());
    r = avcodec_send_packet(cc, packet_.get());
    av_packet_unref(packet_.get());
    if (r < 0 && r != AVERROR(EAGAIN) && ++consecutive_errors_ > kMaxConsecutiveDecodeErrors)
      return av_status(r, path_ + ": decode failed");
  }
  return Status::Ok();
}

Result<VideoFrame> VideoReader::read() {
  NMC_RETURN_IF_ERROR(pump());
  if (queue_.empty()) return Status(StatusCode::kEof, "end of stream");
  Pending next = std::move(queue_.front());
  queue_.pop_front();
  NMC_ASSIGN_OR_RETURN(Image img, converter_.convert(next.frame.get(), info_.width, info_.height, 3,
                                                     &options_.alloc));
  return VideoFrame{std::move(img), next.pts};
}

Status VideoReader::seek_to(double seconds) {
  const AVRational tb = in_.stream()->time_base;
  const double ts_d = (seconds + stream_start_) / av_q2d(tb);
  const int64_t ts = ts_d >= 9.0e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(std::floor(ts_d));
  int r = av_seek_frame(in_.format.get(), in_.stream_index, ts, AVSEEK_FLAG_BACKWARD);
  if (r < 0) r = avformat_seek_file(in_.format.get(), in_.stream_index, std::numeric_limits<int64_t>::min(), ts, ts, 0);
  if (r < 0) return av_status(r, path_ + ": seek to " + std::to_string(seconds) + " s failed");
  avcodec_flush_buffers(in_.codec.get());
  end_check_.reset();
  input_eof_ = false;
  finished_ = false;
  consecutive_errors_ = 0;
  last_pts_ = -1;
  return Status::Ok();
}

Status VideoReader::seek(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return InvalidArgument("seek time must be finite and >= 0");
  queue_.clear();
  held_ = Pending{};
  seek_target_ = seconds;
  seek_verify_ = true;
  seek_retries_ = 0;
  if (sampler_) sampler_->reset(seconds);
  return seek_to(seconds);
}

}  // namespace nmc::media
