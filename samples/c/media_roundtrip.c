/* media_roundtrip: a C99 sample of the nmc C ABI. Reads an image, an audio file
 * and a video with nmc's media I/O, writes them back (PNG, 32-bit float WAV,
 * PNG frames), reads the written files again and prints how close the round
 * trip is (both paths are lossless, so the expected difference is 0).
 *
 * usage: media_roundtrip IMAGE AUDIO VIDEO OUTDIR */
#include <math.h>
#include <nmc/media.h>
#include <nmc/nmc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(nmc_context* ctx, nmc_status st, const char* what) {
  fprintf(stderr, "media_roundtrip: %s: %s: %s\n", what, nmc_status_string(st), nmc_context_last_error(ctx));
  return 1;
}

/* Max absolute difference and PSNR (dB, 255 peak) of two same-sized images. */
static int compare_images(const nmc_image* a, const nmc_image* b, int* max_diff, double* psnr) {
  int32_t w = nmc_image_width(a), h = nmc_image_height(a), c = nmc_image_channels(a), x, y;
  double se = 0;
  *max_diff = 0;
  if (w != nmc_image_width(b) || h != nmc_image_height(b) || c != nmc_image_channels(b)) return 0;
  for (y = 0; y < h; ++y) {
    const uint8_t* ra = nmc_image_data(a) + (size_t)y * nmc_image_stride(a);
    const uint8_t* rb = nmc_image_data(b) + (size_t)y * nmc_image_stride(b);
    for (x = 0; x < w * c; ++x) {
      int d = abs((int)ra[x] - (int)rb[x]);
      if (d > *max_diff) *max_diff = d;
      se += (double)d * d;
    }
  }
  se /= (double)w * h * c;
  *psnr = se > 0 ? 10.0 * log10(255.0 * 255.0 / se) : INFINITY;
  return 1;
}

static int image_roundtrip(nmc_context* ctx, const char* in, const char* outdir) {
  char path[4096];
  nmc_image *a = NULL, *b = NULL;
  nmc_status st;
  int max_diff = 0, ok;
  double psnr = 0;
  snprintf(path, sizeof path, "%s/roundtrip.png", outdir);
  if ((st = nmc_image_read(ctx, in, 0, &a)) != NMC_OK) return fail(ctx, st, in);
  if ((st = nmc_image_write_png(ctx, a, path)) != NMC_OK) { nmc_image_free(a); return fail(ctx, st, path); }
  if ((st = nmc_image_read(ctx, path, 0, &b)) != NMC_OK) { nmc_image_free(a); return fail(ctx, st, path); }
  ok = compare_images(a, b, &max_diff, &psnr);
  printf("image  %-28s %dx%dx%d -> PNG -> read: max |diff| %d, PSNR %s\n", in, nmc_image_width(a),
         nmc_image_height(a), nmc_image_channels(a), max_diff, isinf(psnr) ? "inf (identical)" : "finite");
  nmc_image_free(a);
  nmc_image_free(b);
  return ok && max_diff == 0 ? 0 : 1;
}

static int audio_roundtrip(nmc_context* ctx, const char* in, const char* outdir) {
  char path[4096];
  nmc_audio *a = NULL, *b = NULL;
  nmc_status st;
  int64_t i, n;
  double max_diff = 0;
  int rc;
  snprintf(path, sizeof path, "%s/roundtrip.wav", outdir);
  if ((st = nmc_audio_read(ctx, in, 0, 0, &a)) != NMC_OK) return fail(ctx, st, in);
  if ((st = nmc_audio_write_wav(ctx, a, path, 32)) != NMC_OK) { nmc_audio_free(a); return fail(ctx, st, path); }
  if ((st = nmc_audio_read(ctx, path, 0, 0, &b)) != NMC_OK) { nmc_audio_free(a); return fail(ctx, st, path); }
  n = nmc_audio_num_frames(a) * nmc_audio_channels(a);
  rc = nmc_audio_num_frames(b) == nmc_audio_num_frames(a) && nmc_audio_channels(b) == nmc_audio_channels(a) ? 0 : 1;
  for (i = 0; rc == 0 && i < n; ++i) {
    double d = fabs((double)nmc_audio_data(a)[i] - (double)nmc_audio_data(b)[i]);
    if (d > max_diff) max_diff = d;
  }
  printf("audio  %-28s %.3f s %d Hz x%d -> WAV f32 -> read: max |diff| %g\n", in,
         (double)nmc_audio_num_frames(a) / nmc_audio_sample_rate(a), nmc_audio_sample_rate(a),
         nmc_audio_channels(a), max_diff);
  nmc_audio_free(a);
  nmc_audio_free(b);
  return rc || max_diff > 0 ? 1 : 0;
}

static int video_roundtrip(nmc_context* ctx, const char* in, const char* outdir) {
  char path[4096];
  nmc_video_reader_settings s;
  nmc_video_reader* r = NULL;
  nmc_image *frame = NULL, *back = NULL;
  nmc_status st;
  int frames = 0, worst = 0, max_diff = 0, rc = 0;
  double pts = 0, psnr = 0;
  nmc_video_reader_default_settings(&s);
  s.fps = 2.0;
  if ((st = nmc_video_reader_open(ctx, in, &s, &r)) != NMC_OK) return fail(ctx, st, in);
  while ((st = nmc_video_reader_read(r, &frame, &pts)) == NMC_OK) {
    snprintf(path, sizeof path, "%s/frame_%03d.png", outdir, frames);
    if ((st = nmc_image_write_png(ctx, frame, path)) != NMC_OK || (st = nmc_image_read(ctx, path, 0, &back)) != NMC_OK) {
      rc = fail(ctx, st, path);
      nmc_image_free(frame);
      break;
    }
    if (!compare_images(frame, back, &max_diff, &psnr)) rc = 1;
    if (max_diff > worst) worst = max_diff;
    nmc_image_free(frame);
    nmc_image_free(back);
    frame = back = NULL;
    ++frames;
  }
  if (st != NMC_EOF && rc == 0) rc = fail(ctx, st, in);
  printf("video  %-28s sampled at 2 fps: %d frames (last pts %.2f s) -> PNG -> read: max |diff| %d\n", in, frames,
         pts, worst);
  nmc_video_reader_free(r);
  return rc || frames == 0 || worst ? 1 : 0;
}

int main(int argc, char** argv) {
  nmc_context* ctx = NULL;
  nmc_status st;
  int rc = 0;
  if (argc != 5) {
    fprintf(stderr, "usage: %s IMAGE AUDIO VIDEO OUTDIR\n", argv[0]);
    return 2;
  }
  if ((st = nmc_context_create(NULL, &ctx)) != NMC_OK) {
    fprintf(stderr, "media_roundtrip: cannot create context: %s\n", nmc_status_string(st));
    return 1;
  }
  rc |= image_roundtrip(ctx, argv[1], argv[4]);
  rc |= audio_roundtrip(ctx, argv[2], argv[4]);
  rc |= video_roundtrip(ctx, argv[3], argv[4]);
  nmc_context_free(ctx);
  printf(rc ? "round trip: FAILED\n" : "round trip: all lossless\n");
  return rc;
}
