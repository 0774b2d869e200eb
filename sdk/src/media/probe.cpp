#include "media/probe.h"

#include <cmath>
#include <string_view>

#include "media/ffmpeg_util.h"
#include "media/frame_convert.h"
#include "media/input_file.h"
#include "media/png_io.h"

namespace nmc::media {

namespace {

bool is_single_image_demuxer(std::string_view name) {
  constexpr std::string_view kPipe = "_pipe";
  return name == "image2" ||
         (name.size() > kPipe.size() && name.substr(name.size() - kPipe.size()) == kPipe);
}

double rate_of(AVRational r) { return (r.num > 0 && r.den > 0) ? av_q2d(r) : 0.0; }

double stream_duration(const AVFormatContext* fmt, const AVStream* st) {
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) return st->duration * av_q2d(st->time_base);
  if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) return static_cast<double>(fmt->duration) / AV_TIME_BASE;
  return 0;
}

}  // namespace

Result<MediaInfo> probe_media(const char* path) {
  NMC_ASSIGN_OR_RETURN(uint64_t size, check_input_file(path));
  (void)size;
  MediaInfo info;
  if (file_has_png_signature(path)) {
    NMC_ASSIGN_OR_RETURN(PngInfo png, read_png_info(path));
    info.kind = NMC_MEDIA_IMAGE;
    info.width = png.width;
    info.height = png.height;
    info.channels = png.channels;
    info.num_frames = 1;
    info.codec_name = "png";
    info.container_name = "png";
    return info;
  }
  NMC_ASSIGN_OR_RETURN(InputPtr fmt, open_input(path));
  const int vi = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const int ai = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  const AVStream* vs = vi >= 0 ? fmt->streams[vi] : nullptr;
  const AVStream* as = ai >= 0 ? fmt->streams[ai] : nullptr;
  if (vs && as && (vs->disposition & AV_DISPOSITION_ATTACHED_PIC)) vs = nullptr;  // cover art
  info.container_name = fmt->iformat->name;
  if (vs) {
    const AVCodecParameters* par = vs->codecpar;
    if (par->width <= 0 || par->height <= 0) return InvalidData(std::string(path) + ": video frame size is unknown");
    info.width = par->width;
    info.height = par->height;
    info.codec_name = avcodec_get_name(par->codec_id);
    if (is_single_image_demuxer(fmt->iformat->name)) {
      info.kind = NMC_MEDIA_IMAGE;
      info.channels = par->format >= 0 ? stored_channels(static_cast<AVPixelFormat>(par->format)) : 3;
      info.num_frames = 1;
      return info;
    }
    info.kind = NMC_MEDIA_VIDEO;
    info.frame_rate = rate_of(vs->avg_frame_rate);
    if (info.frame_rate == 0) info.frame_rate = rate_of(vs->r_frame_rate);
    info.duration_seconds = stream_duration(fmt.get(), vs);
    info.num_frames = vs->nb_frames > 0 ? vs->nb_frames
                                        : static_cast<int64_t>(std::llround(info.duration_seconds * info.frame_rate));
  } else if (as) {
    info.kind = NMC_MEDIA_AUDIO;
    info.codec_name = avcodec_get_name(as->codecpar->codec_id);
    info.duration_seconds = stream_duration(fmt.get(), as);
  } else {
    return Unsupported(std::string(path) + ": no audio or video stream");
  }
  if (as) {
    info.channels = as->codecpar->ch_layout.nb_channels;
    info.sample_rate = as->codecpar->sample_rate;
    if (info.kind == NMC_MEDIA_AUDIO)
      info.num_frames = static_cast<int64_t>(std::llround(stream_duration(fmt.get(), as) * info.sample_rate));
  }
  return info;
}

}  // namespace nmc::media
