// Audio: decoded PCM behind nmc_audio, FFmpeg-based reading with resampling,
// and WAV writing.
#pragma once

#include <cstdint>
#include <vector>

#include "nmc/kernels/status.h"

namespace nmc::media {

// Interleaved float samples: samples[frame * channels + channel], nominal
// range [-1, 1]. Lives on the default heap.
struct Audio {
  std::vector<float> samples;
  int sample_rate = 0;
  int channels = 0;
  int64_t num_frames() const {
    return channels > 0 ? static_cast<int64_t>(samples.size()) / channels : 0;
  }
};

struct AudioReadOptions {
  int sample_rate = 0;            // 0 = native
  int channels = 0;               // 0 = native
  double max_duration_seconds = 0; // > 0; output beyond it fails with LimitExceeded
};

// Ok when rate/channel count are within NMC_AUDIO_MAX_SAMPLE_RATE /
// NMC_AUDIO_MAX_CHANNELS (0 allowed when allow_zero, meaning native).
Status check_audio_format(int64_t sample_rate, int64_t channels, bool allow_zero);

// Decodes the best audio stream of `path` (see nmc_audio_read_ex). Packets the
// decoder rejects are skipped (up to a bound of consecutive failures); a file
// yielding no samples at all fails with InvalidData. Samples are concatenated
// in decode order; timestamp gaps are not filled.
Result<Audio> read_audio(const char* path, const AudioReadOptions& options);

// Writes `audio` as RIFF/WAVE: bits 16 (PCM s16, x * 32768 rounded, clipped)
// or 32 (IEEE float).
Status write_wav(const char* path, const Audio& audio, int bits);

}  // namespace nmc::media
