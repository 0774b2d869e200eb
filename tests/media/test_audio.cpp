// Audio I/O: decoding the sample at its native rate and resampled, channel
// conversion, WAV round trips, the duration limit and argument checks.
#include <cmath>
#include <cstring>

#include "media_test_util.h"

using namespace media_test;

namespace {

AudioPtr read_audio(nmc_context* ctx, const std::string& path, int rate = 0, int channels = 0) {
  nmc_audio* a = nullptr;
  const nmc_status st = nmc_audio_read(ctx, path.c_str(), rate, channels, &a);
  INFO(path << ": " << nmc_context_last_error(ctx));
  REQUIRE(st == NMC_OK);
  REQUIRE(a != nullptr);
  return AudioPtr(a);
}

double rms(const float* x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s / static_cast<double>(n));
}

size_t samples_of(const nmc_audio* a) {
  return static_cast<size_t>(nmc_audio_num_frames(a)) * static_cast<size_t>(nmc_audio_channels(a));
}

// speech.wav's PCM as written: canonical 44-byte header, then s16le mono.
std::vector<int16_t> speech_pcm() {
  const std::vector<uint8_t> b = read_bytes(sample("speech.wav"));
  REQUIRE(b.size() == 44 + 480000);
  REQUIRE(std::memcmp(&b[36], "data", 4) == 0);
  std::vector<int16_t> pcm((b.size() - 44) / 2);
  for (size_t i = 0; i < pcm.size(); ++i)
    pcm[i] = static_cast<int16_t>(b[44 + 2 * i] | (b[45 + 2 * i] << 8));
  return pcm;
}

}  // namespace

TEST_CASE("speech sample decodes at its native rate bit-exactly", "[media][audio]") {
  Context ctx;
  AudioPtr a = read_audio(ctx, sample("speech.wav"));
  REQUIRE(nmc_audio_sample_rate(a.get()) == 24000);
  REQUIRE(nmc_audio_channels(a.get()) == 1);
  REQUIRE(nmc_audio_num_frames(a.get()) == 240000);
  const std::vector<int16_t> pcm = speech_pcm();
  const float* x = nmc_audio_data(a.get());
  size_t mismatches = 0;
  for (size_t i = 0; i < pcm.size(); ++i) mismatches += x[i] != pcm[i] / 32768.0f;
  CHECK(mismatches == 0);
  const double level = rms(x, pcm.size());
  CHECK(level > 0.02);  // real speech, not silence
  CHECK(level < 0.5);
}

TEST_CASE("resampling to 16 kHz keeps length and level", "[media][audio]") {
  Context ctx;
  AudioPtr native = read_audio(ctx, sample("speech.wav"));
  AudioPtr a16 = read_audio(ctx, sample("speech.wav"), 16000);
  REQUIRE(nmc_audio_sample_rate(a16.get()) == 16000);
  REQUIRE(nmc_audio_channels(a16.get()) == 1);
  CHECK(std::llabs(nmc_audio_num_frames(a16.get()) - 160000) <= 1);
  const double r24 = rms(nmc_audio_data(native.get()), samples_of(native.get()));
  const double r16 = rms(nmc_audio_data(a16.get()), samples_of(a16.get()));
  INFO("rms 24k " << r24 << " 16k " << r16);
  // Speech has little energy above 8 kHz: the level changes by under 2 %.
  CHECK(std::fabs(r16 / r24 - 1.0) < 0.02);

  SECTION("16 kHz -> 24 kHz again matches the original band-limited") {
    TempDir dir;
    const std::string p = dir.file("s16k.wav");
    REQUIRE(nmc_audio_write_wav(ctx, a16.get(), p.c_str(), 32) == NMC_OK);
    AudioPtr back = read_audio(ctx, p, 24000);
    REQUIRE(std::llabs(nmc_audio_num_frames(back.get()) - 240000) <= 1);
    const float* x = nmc_audio_data(native.get());
    const float* y = nmc_audio_data(back.get());
    const size_t n = std::min(samples_of(native.get()), samples_of(back.get()));
    double err = 0, sig = 0;
    for (size_t i = 0; i < n; ++i) {
      err += (static_cast<double>(x[i]) - y[i]) * (static_cast<double>(x[i]) - y[i]);
      sig += static_cast<double>(x[i]) * x[i];
    }
    const double snr = 10 * std::log10(sig / err);
    INFO("round-trip SNR " << snr << " dB");
    CHECK(snr > 15.0);  // only the 8-12 kHz band is lost; misalignment would be ~0 dB
  }
}

TEST_CASE("channel conversion duplicates mono to stereo", "[media][audio]") {
  Context ctx;
  AudioPtr mono = read_audio(ctx, sample("speech.wav"));
  AudioPtr st = read_audio(ctx, sample("speech.wav"), 0, 2);
  REQUIRE(nmc_audio_channels(st.get()) == 2);
  REQUIRE(nmc_audio_num_frames(st.get()) == 240000);
  const float* m = nmc_audio_data(mono.get());
  const float* s = nmc_audio_data(st.get());
  size_t unequal = 0;
  double max_gain_dev = 0;
  for (size_t i = 0; i < 240000; ++i) {
    unequal += s[2 * i] != s[2 * i + 1];
    if (std::fabs(m[i]) > 0.05) max_gain_dev = std::max(max_gain_dev, std::fabs(s[2 * i] / m[i] - 1.0));
  }
  CHECK(unequal == 0);
  CHECK(max_gain_dev == 0.0);  // mono is copied unchanged

  SECTION("stereo -> mono averages the channels") {
    TempDir dir;
    nmc_audio* raw = nullptr;
    REQUIRE(nmc_audio_create(ctx, 16000, 2, 1600, &raw) == NMC_OK);
    AudioPtr a(raw);
    float* x = nmc_audio_data_mutable(a.get());
    for (int i = 0; i < 1600; ++i) {
      x[2 * i] = 0.8f * std::sin(0.01f * i);
      x[2 * i + 1] = (i % 2) ? 0.9f : -0.9f;
    }
    const std::string p = dir.file("st.wav");
    REQUIRE(nmc_audio_write_wav(ctx, a.get(), p.c_str(), 32) == NMC_OK);
    AudioPtr m = read_audio(ctx, p, 0, 1);
    REQUIRE(nmc_audio_num_frames(m.get()) == 1600);
    double max_err = 0;
    for (int i = 0; i < 1600; ++i)
      max_err = std::max(max_err, std::fabs(nmc_audio_data(m.get())[i] - 0.5 * (x[2 * i] + x[2 * i + 1])));
    CHECK(max_err < 1e-6);
  }
}

TEST_CASE("WAV round trips", "[media][audio]") {
  Context ctx;
  TempDir dir;
  SECTION("16-bit: decoded PCM is written back exactly") {
    AudioPtr a = read_audio(ctx, sample("speech.wav"));
    const std::string p = dir.file("s16.wav");
    REQUIRE(nmc_audio_write_wav(ctx, a.get(), p.c_str(), 16) == NMC_OK);
    CHECK(read_bytes(p) == read_bytes(sample("speech.wav")));  // same canonical header and data
    AudioPtr b = read_audio(ctx, p);
    REQUIRE(nmc_audio_num_frames(b.get()) == 240000);
    CHECK(std::memcmp(nmc_audio_data(a.get()), nmc_audio_data(b.get()), 240000 * sizeof(float)) == 0);
  }
  SECTION("16-bit: arbitrary values within half an LSB, clipping at full scale") {
    nmc_audio* raw = nullptr;
    REQUIRE(nmc_audio_create(ctx, 8000, 1, 1000, &raw) == NMC_OK);
    AudioPtr a(raw);
    float* x = nmc_audio_data_mutable(a.get());
    for (int i = 0; i < 1000; ++i) x[i] = 0.9f * std::sin(0.0123f * i * i);
    x[0] = 1.5f;
    x[1] = -2.0f;
    const std::string p = dir.file("q16.wav");
    REQUIRE(nmc_audio_write_wav(ctx, a.get(), p.c_str(), 16) == NMC_OK);
    AudioPtr b = read_audio(ctx, p);
    REQUIRE(nmc_audio_num_frames(b.get()) == 1000);
    const float* y = nmc_audio_data(b.get());
    CHECK(y[0] == 32767.0f / 32768.0f);
    CHECK(y[1] == -1.0f);
    double max_err = 0;
    for (int i = 2; i < 1000; ++i) max_err = std::max(max_err, std::fabs(static_cast<double>(y[i]) - x[i]));
    CHECK(max_err <= 0.5 / 32768.0 + 1e-9);
  }
  SECTION("32-bit float: exact, interleaving and rate preserved") {
    nmc_audio* raw = nullptr;
    REQUIRE(nmc_audio_create(ctx, 44100, 3, 4410, &raw) == NMC_OK);
    AudioPtr a(raw);
    float* x = nmc_audio_data_mutable(a.get());
    for (int i = 0; i < 4410 * 3; ++i) x[i] = std::sin(0.001f * i) * (1 + i % 3) / 3.1f;
    const std::string p = dir.file("f32.wav");
    REQUIRE(nmc_audio_write_wav(ctx, a.get(), p.c_str(), 32) == NMC_OK);
    AudioPtr b = read_audio(ctx, p);
    REQUIRE(nmc_audio_sample_rate(b.get()) == 44100);
    REQUIRE(nmc_audio_channels(b.get()) == 3);
    REQUIRE(nmc_audio_num_frames(b.get()) == 4410);
    CHECK(std::memcmp(nmc_audio_data(b.get()), x, 4410 * 3 * sizeof(float)) == 0);
  }
}

TEST_CASE("the duration limit stops decoding", "[media][audio]") {
  Context ctx;
  nmc_audio_read_settings s;
  nmc_audio_read_default_settings(&s);
  CHECK(s.max_duration_seconds == NMC_AUDIO_DEFAULT_MAX_DURATION_SECONDS);
  nmc_audio* a = nullptr;
  s.max_duration_seconds = 5.0;
  CHECK(nmc_audio_read_ex(ctx, sample("speech.wav").c_str(), &s, &a) == NMC_ERR_LIMIT_EXCEEDED);
  CHECK(a == nullptr);
  CHECK(std::string(nmc_context_last_error(ctx)).find("limit") != std::string::npos);
  s.max_duration_seconds = 10.0;  // exactly the file's length
  REQUIRE(nmc_audio_read_ex(ctx, sample("speech.wav").c_str(), &s, &a) == NMC_OK);
  CHECK(nmc_audio_num_frames(a) == 240000);
  nmc_audio_free(a);
  a = nullptr;
  s.sample_rate = 48000;  // the limit applies to the output
  s.max_duration_seconds = 9.99;
  CHECK(nmc_audio_read_ex(ctx, sample("speech.wav").c_str(), &s, &a) == NMC_ERR_LIMIT_EXCEEDED);
}

TEST_CASE("audio functions validate their arguments", "[media][audio]") {
  Context ctx;
  nmc_audio* a = nullptr;
  const std::string p = sample("speech.wav");
  CHECK(nmc_audio_read(ctx, p.c_str(), -1, 0, &a) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_read(ctx, p.c_str(), 0, NMC_AUDIO_MAX_CHANNELS + 1, &a) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_read(ctx, p.c_str(), 0, 0, nullptr) == NMC_ERR_INVALID_ARGUMENT);
  nmc_audio_read_settings s;
  nmc_audio_read_default_settings(&s);
  s.struct_size = 4;
  CHECK(nmc_audio_read_ex(ctx, p.c_str(), &s, &a) == NMC_ERR_INVALID_ARGUMENT);
  nmc_audio_read_default_settings(&s);
  s.max_duration_seconds = 0;
  CHECK(nmc_audio_read_ex(ctx, p.c_str(), &s, &a) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_create(ctx, 0, 1, 10, &a) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_create(ctx, 8000, 1, -1, &a) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_create(ctx, 8000, 1, int64_t{1} << 40, &a) == NMC_ERR_LIMIT_EXCEEDED);
  REQUIRE(nmc_audio_create(ctx, 8000, 1, 10, &a) == NMC_OK);
  AudioPtr owner(a);
  CHECK(nmc_audio_write_wav(ctx, a, "x.wav", 24) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_write_wav(ctx, nullptr, "x.wav", 16) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_write_wav(ctx, a, nullptr, 16) == NMC_ERR_INVALID_ARGUMENT);
  CHECK(nmc_audio_num_frames(nullptr) == 0);
  nmc_audio_free(nullptr);
}
