// nmc convert IN OUT: decode any image/audio/video nmc can read and write it
// back with nmc's own writers - image -> PNG (or binary PPM / PGM for .ppm / .pgm), audio -> WAV (optionally
// resampled / remixed), video -> a folder of PNG frames (optionally sampled at
// --fps and scaled).
#include <nmc/media.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli_common.h"
#include "commands.h"

namespace nmc_cli {
namespace {

struct AudioDeleter {
  void operator()(nmc_audio* a) const { nmc_audio_free(a); }
};
struct ReaderDeleter {
  void operator()(nmc_video_reader* r) const { nmc_video_reader_free(r); }
};

struct Options {
  int rate = 0, channels = 0, bits = 16, width = 0, height = 0;
  double fps = 0;
  long long max_frames = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Binary PPM (RGB) / PGM (gray): what classic tools such as cjpeg read.
void write_pnm(const nmc_image* img, const std::string& out) {
  const int w = nmc_image_width(img), h = nmc_image_height(img), c = nmc_image_channels(img);
  if (c != 1 && c != 3) throw CliError{out + ": PPM/PGM output needs 1 or 3 channels (use --channels)"};
  if ((c == 3) != out.ends_with(".ppm")) throw CliError{out + ": use .ppm for RGB and .pgm for gray"};
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(out.c_str(), "wb"), &std::fclose);
  if (!f) throw CliError{out + ": cannot write"};
  std::fprintf(f.get(), "P%c\n%d %d\n255\n", c == 3 ? '6' : '5', w, h);
  for (int y = 0; y < h; ++y)
    if (std::fwrite(nmc_image_data(img) + static_cast<size_t>(y) * nmc_image_stride(img), 1,
                    static_cast<size_t>(w) * c, f.get()) != static_cast<size_t>(w) * c)
      throw CliError{out + ": write failed"};
}

void convert_image(nmc_context* ctx, const std::string& in, const std::string& out, const Options& o) {
  nmc_image* raw = nullptr;
  check(ctx, nmc_image_read(ctx, in.c_str(), o.channels, &raw), in);
  ImagePtr img(raw);
  if (out.size() > 4 && (out.ends_with(".ppm") || out.ends_with(".pgm"))) {
    write_pnm(img.get(), out);
  } else {
    check(ctx, nmc_image_write_png(ctx, img.get(), out.c_str()), out);
  }
  std::printf("image %dx%d, %d channels -> %s\n", nmc_image_width(img.get()), nmc_image_height(img.get()),
              nmc_image_channels(img.get()), out.c_str());
}

void convert_audio(nmc_context* ctx, const std::string& in, const std::string& out, const Options& o) {
  if (o.bits != 16 && o.bits != 32) throw CliError{"--bits must be 16 or 32", 2};
  nmc_audio* raw = nullptr;
  check(ctx, nmc_audio_read(ctx, in.c_str(), o.rate, o.channels, &raw), in);
  std::unique_ptr<nmc_audio, AudioDeleter> a(raw);
  check(ctx, nmc_audio_write_wav(ctx, a.get(), out.c_str(), o.bits), out);
  const double secs = static_cast<double>(nmc_audio_num_frames(a.get())) / nmc_audio_sample_rate(a.get());
  std::printf("audio %.3f s, %d Hz, %d channels -> %s (%d-bit)\n", secs, nmc_audio_sample_rate(a.get()),
              nmc_audio_channels(a.get()), out.c_str(), o.bits);
}

void convert_video(nmc_context* ctx, const std::string& in, const std::string& out, const Options& o,
                   int threads) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw CliError{"cannot create folder " + out + ": " + ec.message()};
  nmc_video_reader_settings s;
  nmc_video_reader_default_settings(&s);
  s.width = o.width;
  s.height = o.height;
  s.fps = o.fps;
  s.num_threads = threads;
  nmc_video_reader* raw = nullptr;
  check(ctx, nmc_video_reader_open(ctx, in.c_str(), &s, &raw), in);
  std::unique_ptr<nmc_video_reader, ReaderDeleter> r(raw);
  nmc_video_info info;
  std::memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  check(ctx, nmc_video_reader_info(r.get(), &info), in);
  const double expected = o.fps > 0 && info.duration_seconds > 0 ? info.duration_seconds * o.fps
                                                                  : static_cast<double>(info.num_frames);
  Progress progress("decoding", o.max_frames > 0 && o.max_frames < expected ? o.max_frames : expected);
  const auto t0 = std::chrono::steady_clock::now();
  long long n = 0;
  double last_pts = 0;
  while (o.max_frames <= 0 || n < o.max_frames) {
    nmc_image* f = nullptr;
    double pts = 0;
    const nmc_status st = nmc_video_reader_read(r.get(), &f, &pts);
    if (st == NMC_EOF) break;
    check(ctx, st, in);
    ImagePtr frame(f);
    char name[64];
    std::snprintf(name, sizeof name, "frame_%06lld.png", n);
    const std::string path = (fs::path(out) / name).string();
    check(ctx, nmc_image_write_png(ctx, frame.get(), path.c_str()), path);
    last_pts = pts;
    progress.update(static_cast<double>(++n));
  }
  std::printf("video %dx%d (%s, %.3f fps) -> %lld PNG frames in %s, last pts %.3f s, %.2f s\n", info.width,
              info.height, info.codec_name, info.fps, n, out.c_str(), last_pts, seconds_since(t0));
}

}  // namespace

int cmd_convert(const std::vector<std::string>& args) {
  CommonFlags common;
  Options o;
  std::string in, out;
  po::options_description desc("nmc convert options");
  add_common_flags(desc, common);
  desc.add_options()
      ("input", po::value<std::string>(&in)->required(), "input media file")
      ("output", po::value<std::string>(&out)->required(), "output .png, .wav, or folder for video frames")
      ("rate", po::value<int>(&o.rate), "audio: output sample rate (default: native)")
      ("channels", po::value<int>(&o.channels), "audio: output channels; image: 1, 3 or 4 (default: native)")
      ("bits", po::value<int>(&o.bits)->default_value(16), "audio: WAV sample format, 16 or 32 (float)")
      ("fps", po::value<double>(&o.fps), "video: sample frames at this rate (default: every frame)")
      ("max-frames", po::value<long long>(&o.max_frames), "video: stop after this many frames")
      ("width", po::value<int>(&o.width), "video: output width (0 = source)")
      ("height", po::value<int>(&o.height), "video: output height (0 = source)");
  po::positional_options_description pos;
  pos.add("input", 1).add("output", 1);
  po::variables_map vm;
  if (!parse_subcommand("usage: nmc convert IN OUT [options]", desc, pos, args, vm)) return 0;

  ContextPtr ctx = make_context(common);
  nmc_media_info m;
  std::memset(&m, 0, sizeof m);
  m.struct_size = sizeof m;
  check(ctx.get(), nmc_media_probe(ctx.get(), in.c_str(), &m), in);
  switch (m.kind) {
    case NMC_MEDIA_IMAGE: convert_image(ctx.get(), in, out, o); break;
    case NMC_MEDIA_AUDIO: convert_audio(ctx.get(), in, out, o); break;
    case NMC_MEDIA_VIDEO: convert_video(ctx.get(), in, out, o, nmc_context_num_threads(ctx.get())); break;
    default: throw CliError{in + ": not an image, audio or video file nmc can read"};
  }
  return 0;
}

}  // namespace nmc_cli
