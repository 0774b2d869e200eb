// Audio decoding: demux + decode with FFmpeg, convert to interleaved float at
// the requested rate and channel count with libswresample. The duration limit
// is enforced while converting, so an oversized file never allocates more
// than the limit (plus one frame).
#include <cmath>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "media/audio.h"
#include "media/ffmpeg_util.h"
#include "nmc/media.h"

namespace nmc::media {

Status check_audio_format(int64_t sample_rate, int64_t channels, bool allow_zero) {
  if (sample_rate < (allow_zero ? 0 : 1) || sample_rate > NMC_AUDIO_MAX_SAMPLE_RATE)
    return InvalidArgument("sample rate " + std::to_string(sample_rate) + " is outside [" +
                           (allow_zero ? "0" : "1") + ", " + std::to_string(NMC_AUDIO_MAX_SAMPLE_RATE) + "]");
  if (channels < (allow_zero ? 0 : 1) || channels > NMC_AUDIO_MAX_CHANNELS)
    return InvalidArgument("channel count " + std::to_string(channels) + " is outside [" +
                           (allow_zero ? "0" : "1") + ", " + std::to_string(NMC_AUDIO_MAX_CHANNELS) + "]");
  return Status::Ok();
}

namespace {

// Consecutive packets the decoder may reject before the file is declared corrupt.
constexpr int kMaxConsecutiveDecodeErrors = 64;

struct LayoutOwner {
  AVChannelLayout layout{};
  ~LayoutOwner() { av_channel_layout_uninit(&layout); }
};

// Converts decoded frames to the output format, appending to `out`.
class Converter {
 public:
  Converter(Audio& out, int64_t max_frames, std::string path)
      : out_(out), max_frames_(max_frames), path_(std::move(path)) {}

  Status push(const AVFrame* frame) {
    if (frame->sample_rate <= 0 || frame->ch_layout.nb_channels <= 0)
      return InvalidData(path_ + ": decoded audio has no rate or channels");
    NMC_RETURN_IF_ERROR(check_audio_format(frame->sample_rate, frame->ch_layout.nb_channels, false));
    if (!swr_ || frame->format != in_format_ || frame->sample_rate != in_rate_ ||
        av_channel_layout_compare(&frame->ch_layout, &in_layout_.layout) != 0) {
      NMC_RETURN_IF_ERROR(drain());
      NMC_RETURN_IF_ERROR(configure(frame));
    }
    return convert(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
  }

  // Flushes the resampler's delayed samples.
  Status drain() {
    if (!swr_) return Status::Ok();
    return convert(nullptr, 0);
  }

 private:
  Status configure(const AVFrame* frame) {
    av_channel_layout_uninit(&in_layout_.layout);
    int err = av_channel_layout_copy(&in_layout_.layout, &frame->ch_layout);
    if (err < 0) return av_status(err, path_ + ": channel layout");
    LayoutOwner in_used;
    if (in_layout_.layout.order == AV_CHANNEL_ORDER_UNSPEC)
      av_channel_layout_default(&in_used.layout, in_layout_.layout.nb_channels);
    else if ((err = av_channel_layout_copy(&in_used.layout, &in_layout_.layout)) < 0)
      return av_status(err, path_ + ": channel layout");
    LayoutOwner out_layout;
    if (out_.channels == in_used.layout.nb_channels) {
      if ((err = av_channel_layout_copy(&out_layout.layout, &in_used.layout)) < 0)
        return av_status(err, path_ + ": channel layout");
    } else {
      av_channel_layout_default(&out_layout.layout, out_.channels);
    }
    SwrContext* raw = nullptr;
    err = swr_alloc_set_opts2(&raw, &out_layout.layout, AV_SAMPLE_FMT_FLT, out_.sample_rate, &in_used.layout,
                              static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
    swr_.reset(raw);
    if (err < 0) return av_status(err, path_ + ": cannot configure the resampler");
    // Downmix matrices are normalised so no output exceeds the input's range.
    err = av_opt_set_double(swr_.get(), "rematrix_maxval", 1.0, 0);
    if (err < 0) return av_status(err, path_ + ": resampler option");
    if (in_used.layout.nb_channels == 1 && out_.channels > 1) {
      // Mono is copied unchanged to every output channel.
      const std::vector<double> ones(static_cast<size_t>(out_.channels), 1.0);
      err = swr_set_matrix(swr_.get(), ones.data(), 1);
      if (err < 0) return av_status(err, path_ + ": cannot set the mono upmix matrix");
    }
    err = swr_init(swr_.get());
    if (err < 0) return av_status(err, path_ + ": cannot initialise the resampler");
    in_format_ = frame->format;
    in_rate_ = frame->sample_rate;
    return Status::Ok();
  }

  Status convert(const uint8_t** in, int in_samples) {
    while (true) {
      const int capacity = swr_get_out_samples(swr_.get(), in_samples);
      if (capacity < 0) return av_status(capacity, path_ + ": resampler");
      const int64_t have = out_.num_frames();
      out_.samples.resize(static_cast<size_t>(have + capacity) * static_cast<size_t>(out_.channels));
      uint8_t* dst = reinterpret_cast<uint8_t*>(out_.samples.data() + have * out_.channels);
      const int got = capacity > 0 ? swr_convert(swr_.get(), &dst, capacity, in, in_samples) : 0;
      if (got < 0) return av_status(got, path_ + ": resampling failed");
      out_.samples.resize(static_cast<size_t>(have + got) * static_cast<size_t>(out_.channels));
      if (out_.num_frames() > max_frames_) return limit_error();
      // With input, one call consumes it all; when draining, repeat until empty.
      if (in != nullptr || got == 0) return Status::Ok();
    }
  }

  Status limit_error() const {
    return LimitExceeded(path_ + ": audio is longer than the limit of " +
                         std::to_string(static_cast<double>(max_frames_) / out_.sample_rate) + " s");
  }

  Audio& out_;
  int64_t max_frames_;
  std::string path_;
  SwrPtr swr_;
  int in_format_ = -1;
  int in_rate_ = 0;
  LayoutOwner in_layout_;
};

}  // namespace

Result<Audio> read_audio(const char* path, const AudioReadOptions& options) {
  NMC_RETURN_IF_ERROR(check_audio_format(options.sample_rate, options.channels, true));
  if (!(options.max_duration_seconds > 0) || !std::isfinite(options.max_duration_seconds))
    return InvalidArgument("max_duration_seconds must be positive and finite");
  NMC_ASSIGN_OR_RETURN(InputPtr input, open_input(path));
  NMC_ASSIGN_OR_RETURN(DecoderInput in, open_decoder(std::move(input), AVMEDIA_TYPE_AUDIO, 1, false, path));
  const AVCodecContext* cc = in.codec.get();
  const std::string p(path);
  if (cc->sample_rate <= 0 || cc->ch_layout.nb_channels <= 0)
    return InvalidData(p + ": audio stream has no sample rate or channels");
  if (cc->sample_rate > NMC_AUDIO_MAX_SAMPLE_RATE || cc->ch_layout.nb_channels > NMC_AUDIO_MAX_CHANNELS)
    return Unsupported(p + ": audio stream format is outside the supported range");

  Audio audio;
  audio.sample_rate = options.sample_rate > 0 ? options.sample_rate : cc->sample_rate;
  audio.channels = options.channels > 0 ? options.channels : cc->ch_layout.nb_channels;
  const double max_frames_d = std::ceil(options.max_duration_seconds * audio.sample_rate);
  const int64_t max_frames = max_frames_d > 9.0e15 ? int64_t{9'000'000'000'000'000} : static_cast<int64_t>(max_frames_d);
  Converter conv(audio, max_frames, p);

  PacketPtr pkt = make_packet();
  FramePtr frame = make_frame();
  StreamEndCheck end_check;
  int consecutive_errors = 0;
  Status last_error;
  bool flushing = false;
  while (true) {
    if (!flushing) {
      const int rerr = av_read_frame(in.format.get(), pkt.get());
      if (rerr == AVERROR_EOF) {
        flushing = true;
        (void)avcodec_send_packet(in.codec.get(), nullptr);
      } else if (rerr < 0) {
        return av_status(rerr, p + ": read failed");
      } else {
        const bool ours = pkt->stream_index == in.stream_index;
        if (ours) end_check.on_packet(pkt.get());
        const int serr = ours ? avcodec_send_packet(in.codec.get(), pkt.get()) : 0;
        av_packet_unref(pkt.get());
        if (!ours) continue;
        if (serr < 0 && serr != AVERROR(EAGAIN)) {
          last_error = av_status(serr, p + ": decode failed");
          if (++consecutive_errors > kMaxConsecutiveDecodeErrors) return last_error;
          continue;
        }
      }
    }
    // Receive everything the packet produced.
    while (true) {
      const int derr = avcodec_receive_frame(in.codec.get(), frame.get());
      if (derr == AVERROR(EAGAIN)) break;
      if (derr == AVERROR_EOF) {
        NMC_RETURN_IF_ERROR(end_check.check(in.format.get(), in.stream(), p));
        NMC_RETURN_IF_ERROR(conv.drain());
        if (audio.samples.empty())
          return last_error.ok() ? InvalidData(p + ": no audio samples could be decoded") : last_error;
        return audio;
      }
      if (derr < 0) {
        last_error = av_status(derr, p + ": decode failed");
        if (++consecutive_errors > kMaxConsecutiveDecodeErrors) return last_error;
        break;
      }
      consecutive_errors = 0;
      const Status s = conv.push(frame.get());
      av_frame_unref(frame.get());
      NMC_RETURN_IF_ERROR(s);
    }
  }
}

}  // namespace nmc::media
