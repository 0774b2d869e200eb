// nmc image encode IN OUT [--quality Q | --model M] [--lanes L] [--time]
// nmc image decode IN OUT.png [--model M] [--time]
// nmc image compare A B          (PSNR over all pixels and channels of two 8-bit images)
// Learned image compression with nmc's shipped models (qualities 1..4) or any
// converted model folder; prints size, bits per pixel and (with --time) the
// wall time of the codec call.
#include <nmc/image_codec.h>
#include <nmc/media.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "cli_common.h"
#include "commands.h"

namespace nmc_cli {
namespace {

struct CodecDeleter {
  void operator()(nmc_image_codec* c) const { nmc_image_codec_free(c); }
};
struct BufferDeleter {
  void operator()(nmc_buffer* b) const { nmc_buffer_free(b); }
};
using CodecPtr = std::unique_ptr<nmc_image_codec, CodecDeleter>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

CodecPtr open_codec(nmc_context* ctx, int quality, const std::string& model) {
  nmc_image_codec* raw = nullptr;
  if (!model.empty()) {
    check(ctx, nmc_image_codec_open(ctx, model.c_str(), &raw), model);
  } else {
    check(ctx, nmc_image_codec_open_quality(ctx, quality, &raw), "quality " + std::to_string(quality));
  }
  return CodecPtr(raw);
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CliError{path + ": cannot open"};
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int encode(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string in, out, model;
  int quality = 3, lanes = 8;
  bool timing = false;
  po::options_description desc("nmc image encode options");
  add_common_flags(desc, common);
  desc.add_options()
      ("input", po::value<std::string>(&in)->required(), "input image (PNG, JPEG, ...)")
      ("output", po::value<std::string>(&out)->required(), "output nmc stream")
      ("quality,q", po::value<int>(&quality)->default_value(3),
       ("shipped rate point 1.." + std::to_string(nmc_image_codec_quality_count())).c_str())
      ("model", po::value<std::string>(&model), "model name or folder (overrides --quality)")
      ("lanes", po::value<int>(&lanes)->default_value(8), "rANS lanes: 1, 4 or 8")
      ("time", po::bool_switch(&timing), "print the codec's wall time");
  po::positional_options_description pos;
  pos.add("input", 1).add("output", 1);
  po::variables_map vm;
  if (!parse_subcommand("usage: nmc image encode IN OUT [--quality Q | --model M]", desc, pos, args, vm)) return 0;
  ContextPtr ctx = make_context(common);
  CodecPtr codec = open_codec(ctx.get(), quality, model);
  nmc_image* raw = nullptr;
  check(ctx.get(), nmc_image_read(ctx.get(), in.c_str(), 0, &raw), in);
  ImagePtr image(raw);
  if (nmc_image_channels(image.get()) == 4) {  // alpha is not coded: keep the colour planes
    raw = nullptr;
    check(ctx.get(), nmc_image_read(ctx.get(), in.c_str(), 3, &raw), in);
    image.reset(raw);
  } else if (nmc_image_channels(image.get()) == 2) {
    raw = nullptr;
    check(ctx.get(), nmc_image_read(ctx.get(), in.c_str(), 1, &raw), in);
    image.reset(raw);
  }
  nmc_image_encode_settings s;
  nmc_image_encode_default_settings(&s);
  s.lanes = lanes;
  nmc_buffer* buf = nullptr;
  const auto t0 = std::chrono::steady_clock::now();
  check(ctx.get(), nmc_image_encode(ctx.get(), codec.get(), image.get(), &s, &buf), in);
  const double seconds = seconds_since(t0);
  std::unique_ptr<nmc_buffer, BufferDeleter> stream(buf);
  std::ofstream f(out, std::ios::binary);
  f.write(reinterpret_cast<const char*>(nmc_buffer_data(buf)), static_cast<std::streamsize>(nmc_buffer_size(buf)));
  if (!f.good()) throw CliError{out + ": cannot write"};
  nmc_image_codec_info info;
  std::memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  nmc_image_codec_get_info(codec.get(), &info);
  const int w = nmc_image_width(image.get()), h = nmc_image_height(image.get());
  std::printf("%s: %dx%d -> %s: %zu bytes, %.4f bpp (model %s)", in.c_str(), w, h, out.c_str(),
              nmc_buffer_size(buf), 8.0 * static_cast<double>(nmc_buffer_size(buf)) / (double(w) * h), info.name);
  if (timing) std::printf(", encode %.1f ms", seconds * 1e3);
  std::printf("\n");
  return 0;
}

int decode(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string in, out, model;
  bool timing = false;
  po::options_description desc("nmc image decode options");
  add_common_flags(desc, common);
  desc.add_options()
      ("input", po::value<std::string>(&in)->required(), "input nmc stream")
      ("output", po::value<std::string>(&out)->required(), "output PNG")
      ("model", po::value<std::string>(&model), "model name or folder (default: the one the stream names)")
      ("time", po::bool_switch(&timing), "print the codec's wall time");
  po::positional_options_description pos;
  pos.add("input", 1).add("output", 1);
  po::variables_map vm;
  if (!parse_subcommand("usage: nmc image decode IN OUT.png [--model M]", desc, pos, args, vm)) return 0;
  ContextPtr ctx = make_context(common);
  const std::vector<uint8_t> bytes = read_file(in);
  if (model.empty()) {  // the model the stream names, opened before the timed call
    nmc_image_stream_info info;
    std::memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    check(ctx.get(), nmc_image_stream_inspect(ctx.get(), bytes.data(), bytes.size(), &info), in);
    model = info.model_name;
  }
  CodecPtr codec = open_codec(ctx.get(), 0, model);
  nmc_image* raw = nullptr;
  const auto t0 = std::chrono::steady_clock::now();
  check(ctx.get(), nmc_image_decode(ctx.get(), codec.get(), bytes.data(), bytes.size(), nullptr, &raw), in);
  const double seconds = seconds_since(t0);
  ImagePtr image(raw);
  check(ctx.get(), nmc_image_write_png(ctx.get(), image.get(), out.c_str()), out);
  std::printf("%s -> %s: %dx%d, %d channel(s)", in.c_str(), out.c_str(), nmc_image_width(raw),
              nmc_image_height(raw), nmc_image_channels(raw));
  if (timing) std::printf(", decode %.1f ms", seconds * 1e3);
  std::printf("\n");
  return 0;
}

ImagePtr read_rgb(nmc_context* ctx, const std::string& path) {
  nmc_image* raw = nullptr;
  check(ctx, nmc_image_read(ctx, path.c_str(), 3, &raw), path);
  return ImagePtr(raw);
}

int compare(const std::vector<std::string>& args) {
  CommonFlags common;
  std::string a, b;
  po::options_description desc("nmc image compare options");
  add_common_flags(desc, common);
  desc.add_options()
      ("a", po::value<std::string>(&a)->required(), "first image")
      ("b", po::value<std::string>(&b)->required(), "second image");
  po::positional_options_description pos;
  pos.add("a", 1).add("b", 1);
  po::variables_map vm;
  if (!parse_subcommand("usage: nmc image compare A B", desc, pos, args, vm)) return 0;
  ContextPtr ctx = make_context(common);
  ImagePtr x = read_rgb(ctx.get(), a), y = read_rgb(ctx.get(), b);
  const int w = nmc_image_width(x.get()), h = nmc_image_height(x.get());
  if (w != nmc_image_width(y.get()) || h != nmc_image_height(y.get()))
    throw CliError{a + " and " + b + " differ in size"};
  const uint8_t* p = nmc_image_data(x.get());
  const uint8_t* q = nmc_image_data(y.get());
  const size_t n = static_cast<size_t>(w) * h * 3;
  double se = 0;
  for (size_t i = 0; i < n; ++i) se += (double(p[i]) - q[i]) * (double(p[i]) - q[i]);
  const double mse = se / static_cast<double>(n);
  std::printf("psnr %.3f dB (mse %.4f, %dx%d RGB)\n", mse == 0 ? 100.0 : 10 * std::log10(255.0 * 255.0 / mse), mse,
              w, h);
  return 0;
}

}  // namespace

int cmd_image(const std::vector<std::string>& args) {
  const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (!args.empty() && args[0] == "encode") return encode(rest);
  if (!args.empty() && args[0] == "decode") return decode(rest);
  if (!args.empty() && args[0] == "compare") return compare(rest);
  std::fprintf(stderr,
               "usage: nmc image encode IN OUT [--quality Q | --model M] [--lanes L] [--time]\n"
               "       nmc image decode IN OUT.png [--model M] [--time]\n"
               "       nmc image compare A B\n");
  return 2;
}

}  // namespace nmc_cli
