// C ABI: nmc_audio_* (see nmc/media.h).
#include <cmath>
#include <string>

#include "media/handles.h"

using nmc::Status;
using namespace nmc::media;

extern "C" {

void nmc_audio_read_default_settings(nmc_audio_read_settings* settings) {
  if (!settings) return;
  std::memset(settings, 0, sizeof(*settings));
  settings->struct_size = sizeof(*settings);
  settings->max_duration_seconds = NMC_AUDIO_DEFAULT_MAX_DURATION_SECONDS;
}

nmc_status nmc_audio_read_ex(nmc_context* ctx, const char* path, const nmc_audio_read_settings* settings,
                             nmc_audio** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    nmc_audio_read_settings s;
    nmc_audio_read_default_settings(&s);
    if (settings) {
      if (!struct_size_ok(settings->struct_size, offsetof(nmc_audio_read_settings, reserved), sizeof(s)))
        return nmc::InvalidArgument("nmc_audio_read_settings.struct_size is invalid");
      copy_settings(&s, settings);
    }
    AudioReadOptions o;
    o.sample_rate = s.sample_rate;
    o.channels = s.channels;
    o.max_duration_seconds = s.max_duration_seconds;
    NMC_ASSIGN_OR_RETURN(Audio audio, read_audio(path, o));
    *out = new nmc_audio{std::move(audio)};
    return Status::Ok();
  });
}

nmc_status nmc_audio_read(nmc_context* ctx, const char* path, int32_t sample_rate, int32_t channels,
                          nmc_audio** out) {
  nmc_audio_read_settings s;
  nmc_audio_read_default_settings(&s);
  s.sample_rate = sample_rate;
  s.channels = channels;
  return nmc_audio_read_ex(ctx, path, &s, out);
}

nmc_status nmc_audio_create(nmc_context* ctx, int32_t sample_rate, int32_t channels, int64_t num_frames,
                            nmc_audio** out) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!out) return nmc::InvalidArgument("out is null");
    *out = nullptr;
    NMC_RETURN_IF_ERROR(check_audio_format(sample_rate, channels, false));
    if (num_frames < 0) return nmc::InvalidArgument("num_frames must be >= 0");
    const double seconds = static_cast<double>(num_frames) / sample_rate;
    if (seconds > NMC_AUDIO_DEFAULT_MAX_DURATION_SECONDS)
      return nmc::LimitExceeded("audio of " + std::to_string(seconds) + " s exceeds the " +
                                std::to_string(NMC_AUDIO_DEFAULT_MAX_DURATION_SECONDS) + " s limit");
    auto a = std::make_unique<nmc_audio>();
    a->audio.sample_rate = sample_rate;
    a->audio.channels = channels;
    a->audio.samples.assign(static_cast<size_t>(num_frames) * static_cast<size_t>(channels), 0.0f);
    *out = a.release();
    return Status::Ok();
  });
}

void nmc_audio_free(nmc_audio* audio) { delete audio; }

nmc_status nmc_audio_write_wav(nmc_context* ctx, const nmc_audio* audio, const char* path, int32_t bits) {
  return nmc::sdk::guarded(ctx, [&]() -> Status {
    if (!audio) return nmc::InvalidArgument("audio is null");
    return write_wav(path, audio->audio, bits);
  });
}

int32_t nmc_audio_sample_rate(const nmc_audio* audio) { return audio ? audio->audio.sample_rate : 0; }
int32_t nmc_audio_channels(const nmc_audio* audio) { return audio ? audio->audio.channels : 0; }
int64_t nmc_audio_num_frames(const nmc_audio* audio) { return audio ? audio->audio.num_frames() : 0; }
const float* nmc_audio_data(const nmc_audio* audio) {
  return audio && !audio->audio.samples.empty() ? audio->audio.samples.data() : nullptr;
}
float* nmc_audio_data_mutable(nmc_audio* audio) {
  return audio && !audio->audio.samples.empty() ? audio->audio.samples.data() : nullptr;
}

}  // extern "C"
