// FrameSampler: picks frames for a target rate from a stream of decoded
// frames in presentation order, without buffering more than one frame.
//
// Targets are t_k = k / fps. For each target the frame with the nearest
// presentation time is chosen (ties go to the earlier frame); a frame is
// chosen at most once. The caller keeps the one "held" frame (the latest frame
// before the current target) and acts on each Decision. Pure logic: no
// FFmpeg, no allocation; work per frame is O(1) whatever the pts values.
#pragma once

#include <cstdint>

namespace nmc::media {

class FrameSampler {
 public:
  struct Decision {
    bool emit_held = false;     // output the held frame (before the current one)
    bool emit_current = false;  // output the current frame
    bool hold_current = false;  // the current frame replaces the held frame
  };

  // fps > 0.
  explicit FrameSampler(double fps) : fps_(fps) {}

  // Restarts at the first target at or after `seconds`, holding nothing.
  void reset(double seconds);

  // Feeds the next decoded frame, presented at `pts` seconds.
  Decision on_frame(double pts);

  // Called once at the end of the stream; `held_end` is the held frame's pts
  // plus its duration. True when the held frame must still be output.
  bool on_end(double held_end);

  double next_target() const { return k_ / fps_; }

 private:
  double fps_;
  double k_ = 0;  // index of the current target (an integer value)
  bool has_held_ = false;
  bool held_emitted_ = false;
  double held_pts_ = 0;
};

}  // namespace nmc::media
