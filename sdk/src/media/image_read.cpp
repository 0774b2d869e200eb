#include "media/image_read.h"

#include <string>

#include "media/ffmpeg_util.h"
#include "media/frame_convert.h"
#include "media/input_file.h"
#include "media/png_io.h"

namespace nmc::media {

namespace {

// Packets read before giving up on getting a first frame.
constexpr int kMaxPacketsForFirstFrame = 4096;

// Checks a decoded frame and converts it.
Result<Image> finish_frame(const AVFrame* frame, int desired_channels, const HostAllocator* alloc,
                           const char* path) {
  if (frame->flags & AV_FRAME_FLAG_CORRUPT || frame->decode_error_flags != 0)
    return InvalidData(std::string(path) + ": image data is corrupt or truncated");
  const int stored = stored_channels(static_cast<AVPixelFormat>(frame->format));
  FrameConverter converter;
  return converter.convert(frame, frame->width, frame->height,
                           desired_channels == 0 ? stored : desired_channels, alloc);
}

}  // namespace

Result<Image> read_image_ffmpeg(const char* path, int desired_channels, const HostAllocator* alloc) {
  NMC_RETURN_IF_ERROR(check_channels(desired_channels, true));
  NMC_ASSIGN_OR_RETURN(InputPtr input, open_input(path));
  NMC_ASSIGN_OR_RETURN(DecoderInput in, open_decoder(std::move(input), AVMEDIA_TYPE_VIDEO, 1, true, path));
  const AVCodecParameters* par = in.stream()->codecpar;
  if (par->width != 0 || par->height != 0) NMC_RETURN_IF_ERROR(check_image_size(par->width, par->height));

  PacketPtr pkt = make_packet();
  FramePtr frame = make_frame();
  bool flushing = false;
  for (int packets = 0; packets < kMaxPacketsForFirstFrame; ++packets) {
    if (!flushing) {
      const int rerr = av_read_frame(in.format.get(), pkt.get());
      if (rerr == AVERROR_EOF) {
        flushing = true;
        const int ferr = avcodec_send_packet(in.codec.get(), nullptr);
        if (ferr < 0 && ferr != AVERROR_EOF) return av_status(ferr, std::string(path) + ": decode failed");
      } else if (rerr < 0) {
        return av_status(rerr, std::string(path) + ": read failed");
      } else {
        if (pkt->stream_index != in.stream_index) {
          av_packet_unref(pkt.get());
          continue;
        }
        const int serr = avcodec_send_packet(in.codec.get(), pkt.get());
        av_packet_unref(pkt.get());
        if (serr < 0 && serr != AVERROR(EAGAIN)) return av_status(serr, std::string(path) + ": decode failed");
      }
    }
    const int derr = avcodec_receive_frame(in.codec.get(), frame.get());
    if (derr == 0) return finish_frame(frame.get(), desired_channels, alloc, path);
    if (derr == AVERROR_EOF) break;
    if (derr != AVERROR(EAGAIN)) return av_status(derr, std::string(path) + ": decode failed");
    if (flushing) break;
  }
  return InvalidData(std::string(path) + ": no image could be decoded");
}

Result<Image> read_image(const char* path, int desired_channels, const HostAllocator* alloc) {
  NMC_RETURN_IF_ERROR(check_channels(desired_channels, true));
  NMC_ASSIGN_OR_RETURN(uint64_t size, check_input_file(path));
  (void)size;
  if (file_has_png_signature(path)) return read_png(path, desired_channels, alloc);
  return read_image_ffmpeg(path, desired_channels, alloc);
}

}  // namespace nmc::media
