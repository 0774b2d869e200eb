// RIFF/WAVE writer: canonical 44-byte PCM header, or fmt (18 bytes) + fact
// chunk for IEEE float. All fields little-endian regardless of the host.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "media/audio.h"
#include "media/input_file.h"

namespace nmc::media {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

void put_u16(std::vector<uint8_t>& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  put_u16(b, v & 0xFFFF);
  put_u16(b, v >> 16);
}
void put_tag(std::vector<uint8_t>& b, const char* tag) { b.insert(b.end(), tag, tag + 4); }

int16_t to_s16(float x) {
  if (!(x == x)) return 0;  // NaN
  const float v = std::nearbyint(x * 32768.0f);
  if (v >= 32767.0f) return 32767;
  if (v <= -32768.0f) return -32768;
  return static_cast<int16_t>(v);
}

}  // namespace

Status write_wav(const char* path, const Audio& audio, int bits) {
  NMC_RETURN_IF_ERROR(check_output_path(path));
  if (bits != 16 && bits != 32) return InvalidArgument("WAV bits must be 16 (PCM) or 32 (float), got " + std::to_string(bits));
  if (audio.sample_rate <= 0 || audio.channels <= 0)
    return InvalidArgument("audio has no sample rate or channels");
  NMC_RETURN_IF_ERROR(check_audio_format(audio.sample_rate, audio.channels, false));
  const bool is_float = bits == 32;
  const uint64_t bytes_per_sample = static_cast<uint64_t>(bits / 8);
  const uint64_t data_bytes = static_cast<uint64_t>(audio.samples.size()) * bytes_per_sample;
  const uint32_t fmt_size = is_float ? 18 : 16;
  const uint64_t header_bytes = 12 + 8 + fmt_size + (is_float ? 12 : 0) + 8;
  if (header_bytes - 8 + data_bytes > 0xFFFFFFFFull)
    return LimitExceeded("audio data of " + std::to_string(data_bytes) + " bytes exceeds the 4 GiB WAV limit");

  std::vector<uint8_t> h;
  h.reserve(header_bytes);
  const uint32_t block_align = static_cast<uint32_t>(audio.channels * bytes_per_sample);
  put_tag(h, "RIFF");
  put_u32(h, static_cast<uint32_t>(header_bytes - 8 + data_bytes));
  put_tag(h, "WAVE");
  put_tag(h, "fmt ");
  put_u32(h, fmt_size);
  put_u16(h, is_float ? 3 : 1);  // WAVE_FORMAT_IEEE_FLOAT / WAVE_FORMAT_PCM
  put_u16(h, static_cast<uint32_t>(audio.channels));
  put_u32(h, static_cast<uint32_t>(audio.sample_rate));
  put_u32(h, static_cast<uint32_t>(audio.sample_rate) * block_align);
  put_u16(h, block_align);
  put_u16(h, static_cast<uint32_t>(bits));
  if (is_float) {
    put_u16(h, 0);  // cbSize
    put_tag(h, "fact");
    put_u32(h, 4);
    put_u32(h, static_cast<uint32_t>(audio.num_frames()));
  }
  put_tag(h, "data");
  put_u32(h, static_cast<uint32_t>(data_bytes));

  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path, "wb"));
  if (!file) return IoError(std::string(path) + ": " + std::strerror(errno));
  bool ok = std::fwrite(h.data(), 1, h.size(), file.get()) == h.size();
  std::vector<uint8_t> buf;
  constexpr size_t kChunk = 1 << 16;  // samples per write
  for (size_t i = 0; ok && i < audio.samples.size(); i += kChunk) {
    const size_t n = std::min(kChunk, audio.samples.size() - i);
    buf.clear();
    for (size_t k = 0; k < n; ++k) {
      const float x = audio.samples[i + k];
      if (is_float) {
        uint32_t u;
        std::memcpy(&u, &x, 4);
        put_u32(buf, u);
      } else {
        put_u16(buf, static_cast<uint16_t>(to_s16(x)));
      }
    }
    ok = std::fwrite(buf.data(), 1, buf.size(), file.get()) == buf.size();
  }
  std::FILE* f = file.release();
  ok = std::fflush(f) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return IoError(std::string(path) + ": write failed");
  return Status::Ok();
}

}  // namespace nmc::media
