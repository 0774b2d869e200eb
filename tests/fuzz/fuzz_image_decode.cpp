// Fuzz target: the image codec's decoder (docs/image_codec.md) on arbitrary
// bytes, with two models: the CompressAI test fixture (mbt2018-mean N=64 M=96,
// float probability path) and the shipped nmc-image-q1 (integer path).
// Each input is decoded as is and again with its chunk CRCs recomputed, so
// mutations reach the HEAD / HYPR field checks and the rANS decoders.
// Invariants (abort on violation): decode and inspect never crash, hang or
// read out of bounds; a rejection carries one of the documented codes and a
// message; an accepted stream yields width * height * channels pixels of the
// size HEAD declares, and inspect accepts what decode accepts.
// Decode limits are tight (64k pixels) so every execution stays fast.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>

#include "nmc/codecs/image/image_codec.h"
#include "nmc/kernels/backend.h"
#include "repair_crcs.h"

namespace {

using namespace nmc;
using namespace nmc::image;
namespace fs = std::filesystem;

void check(bool ok) {
  if (!ok) std::abort();
}

ImageCodec open_or_die(const std::string& folder) {
  auto c = ImageCodec::open(folder);
  if (!c.ok()) {
    std::fprintf(stderr, "fuzz_image_decode: %s\n", c.status().to_string().c_str());
    std::abort();
  }
  return std::move(c).value();
}

const ImageCodec& fixture_codec() {
  static const ImageCodec codec = [] {
    const fs::path dir = fs::temp_directory_path() / ("nmc_fuzz_image_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::copy_file(fs::path(NMC_TEST_DATA) / "image/mbt2018-mean/weights.safetensors", dir / "model.safetensors",
                  fs::copy_options::overwrite_existing);
    std::ofstream(dir / "config.json") << R"({"model_type": "image-hyperprior", "architecture": "mbt2018-mean",
                                           "N": 64, "M": 96, "name": "fixture-mbt"})";
    return open_or_die(dir.string());
  }();
  return codec;
}

const ImageCodec& shipped_codec() {
  static const ImageCodec codec = open_or_die(std::string(NMC_MODELS_DIR) + "/nmc-image-q1");
  return codec;
}

void decode_one(const ImageCodec& codec, std::span<const uint8_t> bytes) {
  static const Exec exec{&cpu_backend(), nullptr};
  ImageDecodeOptions o;
  o.limits.max_pixels = 1 << 16;
  o.limits.max_dimension = 1 << 12;
  auto r = codec.decode(exec, bytes, o);
  auto info = inspect_image_stream(bytes, o.limits);
  if (!r.ok()) {
    const StatusCode c = r.status().code();
    check(c == StatusCode::kInvalidData || c == StatusCode::kUnsupported || c == StatusCode::kLimitExceeded ||
          c == StatusCode::kInvalidArgument);
    check(!r.status().message().empty());
    return;
  }
  check(info.ok());
  check(r->width == info->width && r->height == info->height && r->channels == info->channels);
  check(r->pixels.size() == static_cast<size_t>(r->width * r->height * r->channels));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const std::vector<uint8_t> repaired = nmc::fuzz::with_repaired_crcs(input);
  for (const ImageCodec* codec : {&fixture_codec(), &shipped_codec()}) {
    decode_one(*codec, input);
    decode_one(*codec, repaired);
  }
  return 0;
}
