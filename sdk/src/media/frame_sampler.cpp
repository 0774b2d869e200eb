#include "media/frame_sampler.h"

#include <cmath>

namespace nmc::media {

void FrameSampler::reset(double seconds) {
  k_ = seconds > 0 ? std::ceil(seconds * fps_ - 1e-9) : 0;
  has_held_ = false;
  held_emitted_ = false;
  held_pts_ = 0;
}

FrameSampler::Decision FrameSampler::on_frame(double pts) {
  Decision d;
  bool current_is_held = false;
  // Each pass consumes at least one target or returns; the jumps below skip
  // every target already decided, so the loop needs at most four passes
  // (emit held, skip to the midpoint, emit current, hold); the bound only
  // guards against rounding at absurd pts values.
  for (int pass = 0; pass < 8; ++pass) {
    const double t = k_ / fps_;
    if (pts < t) {
      if (!current_is_held) {
        has_held_ = true;
        held_emitted_ = false;
        held_pts_ = pts;
        d.hold_current = true;
      }
      return d;
    }
    if (has_held_ && (t - held_pts_) <= (pts - t)) {
      // The held frame is nearest to t (and to every target up to the midpoint).
      if (!held_emitted_) {
        d.emit_held = true;
        held_emitted_ = true;
        k_ += 1;
      } else {
        k_ = std::floor(0.5 * (held_pts_ + pts) * fps_) + 1;
      }
      continue;
    }
    // The current frame is nearest to t and to every later target up to pts.
    d.emit_current = true;
    d.hold_current = true;
    current_is_held = true;
    has_held_ = true;
    held_emitted_ = true;
    held_pts_ = pts;
    k_ = std::floor(pts * fps_) + 1;
  }
  return d;
}

bool FrameSampler::on_end(double held_end) {
  if (!has_held_ || held_emitted_) return false;
  held_emitted_ = true;
  // The margin keeps a target that coincides with the end of the stream (up
  // to time-base rounding) outside it.
  constexpr double kMargin = 1e-6;  // seconds
  return next_target() < held_end - kMargin;
}

}  // namespace nmc::media
