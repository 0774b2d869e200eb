#include <string_view>
#include "media/ffmpeg_util.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "media/input_file.h"
#include "nmc/media.h"

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

namespace nmc::media {

Status av_status(int averror, const std::string& what) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  if (av_strerror(averror, buf, sizeof(buf)) < 0) std::snprintf(buf, sizeof(buf), "libav error %d", averror);
  std::string msg = what + ": " + buf;
  if (averror == AVERROR(ENOENT)) return NotFound(std::move(msg));
  if (averror == AVERROR(ENOMEM)) return OutOfMemory(std::move(msg));
  if (averror == AVERROR_DECODER_NOT_FOUND || averror == AVERROR_DEMUXER_NOT_FOUND ||
      averror == AVERROR_PATCHWELCOME || averror == AVERROR_PROTOCOL_NOT_FOUND ||
      averror == AVERROR(ENOSYS))
    return Unsupported(std::move(msg));
  if (averror == AVERROR(EIO) || averror == AVERROR(EACCES) || averror == AVERROR(EPERM))
    return IoError(std::move(msg));
  return InvalidData(std::move(msg));
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

Result<InputPtr> open_input(const char* path) {
  NMC_ASSIGN_OR_RETURN(uint64_t size, check_input_file(path));
  (void)size;
  const std::string url = std::string("file:") + path;
  // Only local files; image2 must not treat '%' or '*' in a name as a pattern.
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", "file", 0);
  av_dict_set(&opts, "pattern_type", "none", 0);
  AVFormatContext* raw = nullptr;
  int err = avformat_open_input(&raw, url.c_str(), nullptr, &opts);
  av_dict_free(&opts);  // what the demuxer did not consume
  if (err < 0) return av_status(err, std::string(path) + ": cannot open as media");
  InputPtr input(raw);
  // FFmpeg's "tty" demuxer renders any text file as ANSI-art video; a text file
  // is not media to nmc.
  if (std::string_view(input->iformat->name) == "tty")
    return InvalidData(std::string(path) + ": not an image, audio or video file (text)");
  err = avformat_find_stream_info(input.get(), nullptr);
  if (err < 0) return av_status(err, std::string(path) + ": cannot read stream info");
  return input;
}

Result<DecoderInput> open_decoder(InputPtr input, AVMediaType type, int threads, bool strict,
                                  const char* path) {
  const char* kind = av_get_media_type_string(type);
  const AVCodec* codec = nullptr;
  const int index = av_find_best_stream(input.get(), type, -1, -1, &codec, 0);
  if (index == AVERROR_STREAM_NOT_FOUND)
    return InvalidData(std::string(path) + ": no " + (kind ? kind : "media") + " stream");
  if (index < 0) return av_status(index, std::string(path) + ": cannot select " + (kind ? kind : "") + " stream");
  if (!codec) return Unsupported(std::string(path) + ": no decoder for the " + (kind ? kind : "") + " stream");
  AVStream* st = input->streams[index];
  CodecPtr cc(avcodec_alloc_context3(codec));
  if (!cc) throw std::bad_alloc();
  int err = avcodec_parameters_to_context(cc.get(), st->codecpar);
  if (err < 0) return av_status(err, std::string(path) + ": bad codec parameters");
  cc->pkt_timebase = st->time_base;
  cc->thread_count = threads < 1 ? 1 : threads;
  cc->max_pixels = NMC_IMAGE_MAX_PIXELS;
  if (strict) cc->err_recognition |= AV_EF_EXPLODE | AV_EF_CRCCHECK;
  err = avcodec_open2(cc.get(), codec, nullptr);
  if (err < 0) return av_status(err, std::string(path) + ": cannot open " + codec->name + " decoder");
  DecoderInput out;
  out.format = std::move(input);
  out.codec = std::move(cc);
  out.stream_index = index;
  return out;
}

void StreamEndCheck::reset() {
  max_end_ = AV_NOPTS_VALUE;
  max_duration_ = 0;
  corrupt_ = false;
}

void StreamEndCheck::on_packet(const AVPacket* pkt) {
  if (pkt->flags & AV_PKT_FLAG_CORRUPT) corrupt_ = true;
  const int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (ts == AV_NOPTS_VALUE) return;
  const int64_t dur = pkt->duration > 0 ? pkt->duration : 0;
  max_duration_ = std::max(max_duration_, dur);
  if (max_end_ == AV_NOPTS_VALUE || ts + dur > max_end_) max_end_ = ts + dur;
}

Status StreamEndCheck::check(const AVFormatContext* format, const AVStream* stream,
                             const std::string& path) const {
  if (corrupt_) return InvalidData(path + ": truncated or corrupt data (a packet was read short)");
  if (max_end_ == AV_NOPTS_VALUE || stream->duration == AV_NOPTS_VALUE || stream->duration <= 0 ||
      format->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE)
    return Status::Ok();
  const AVRational tb = stream->time_base;
  if (tb.num <= 0 || tb.den <= 0) return Status::Ok();
  const int64_t start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
  const int64_t declared_end = start + stream->duration;
  const int64_t quarter_second = av_rescale_q(1, AVRational{1, 4}, tb);
  const int64_t tolerance = std::max(2 * max_duration_, quarter_second);
  if (max_end_ >= declared_end - tolerance) return Status::Ok();
  char buf[160];
  std::snprintf(buf, sizeof(buf), ": file is truncated: data ends at %.3f s, the container declares %.3f s",
                static_cast<double>(max_end_ - start) * tb.num / tb.den,
                static_cast<double>(stream->duration) * tb.num / tb.den);
  return InvalidData(path + buf);
}

int64_t frame_duration(const AVFrame* frame) {
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 30, 100)
  return frame->duration > 0 ? frame->duration : 0;
#else
  return frame->pkt_duration > 0 ? frame->pkt_duration : 0;
#endif
}

void copy_name(char* dst, size_t dst_size, const char* src) {
  if (!dst || dst_size == 0) return;
  if (!src) src = "";
  const size_t n = std::min(std::strlen(src), dst_size - 1);
  std::memcpy(dst, src, n);
  dst[n] = '\0';
}

}  // namespace nmc::media
