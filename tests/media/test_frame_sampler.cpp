// FrameSampler decisions on synthetic timestamp sequences.
#include <catch2/catch.hpp>
#include <vector>

#include "media/frame_sampler.h"

using nmc::media::FrameSampler;

namespace {

// Feeds `pts` (with each frame lasting `dur`) and returns the pts of the
// frames output, in order, exactly as VideoReader acts on the decisions.
std::vector<double> run(FrameSampler& s, const std::vector<double>& pts, double dur) {
  std::vector<double> out;
  bool have_held = false;
  double held = 0;
  for (double p : pts) {
    const FrameSampler::Decision d = s.on_frame(p);
    if (d.emit_held) {
      REQUIRE(have_held);
      out.push_back(held);
      have_held = false;
    }
    if (d.emit_current) out.push_back(p);
    if (d.hold_current) {
      have_held = !d.emit_current;
      held = p;
    }
  }
  if (have_held && s.on_end(held + dur)) out.push_back(held);
  return out;
}

std::vector<double> frames(int n, double fps, double start = 0) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(start + i / fps);
  return v;
}

}  // namespace

TEST_CASE("sampler picks the nearest frame for each target", "[media][sampler]") {
  SECTION("10 fps source, 2 fps targets") {
    FrameSampler s(2.0);
    const auto out = run(s, frames(30, 10.0), 0.1);
    REQUIRE(out.size() == 6);
    for (size_t i = 0; i < out.size(); ++i) CHECK(out[i] == Approx(0.5 * i));
  }
  SECTION("a target in the last frame's interval takes the last frame") {
    FrameSampler s(2.0);
    const auto out = run(s, frames(31, 10.0), 0.1);  // last frame 3.0 covers target 3.0
    REQUIRE(out.size() == 7);
    CHECK(out.back() == Approx(3.0));
  }
  SECTION("held frame wins when nearer; ties go to the earlier frame") {
    FrameSampler s(1.0);
    // Target 1.0: 0.9 (0.1 away) beats 1.2; target 2.0: 1.5 and 2.5 tie -> 1.5.
    const auto out = run(s, {0.0, 0.9, 1.2, 1.5, 2.5}, 0.5);
    REQUIRE(out.size() == 3);
    CHECK(out[0] == Approx(0.0));
    CHECK(out[1] == Approx(0.9));
    CHECK(out[2] == Approx(1.5));
  }
  SECTION("sparse source: no frame is output twice") {
    FrameSampler s(4.0);
    const auto out = run(s, frames(5, 1.0), 1.0);
    REQUIRE(out.size() == 5);
    for (size_t i = 0; i < out.size(); ++i) CHECK(out[i] == Approx(static_cast<double>(i)));
  }
  SECTION("a gap in timestamps skips the targets inside it") {
    FrameSampler s(1.0);
    const auto out = run(s, {0.0, 0.5, 10.0, 10.5}, 0.5);
    // Targets 1..5 are nearest 0.5 (already used), 6..10 nearest 10.0.
    REQUIRE(out.size() == 3);
    CHECK(out[0] == Approx(0.0));
    CHECK(out[1] == Approx(0.5));
    CHECK(out[2] == Approx(10.0));
  }
  SECTION("huge timestamps cost constant work") {
    FrameSampler s(1000.0);
    const auto out = run(s, {0.0, 1e12, 1e12 + 1.0}, 1.0);
    REQUIRE(out.size() == 3);
    CHECK(out[1] == Approx(1e12));
  }
  SECTION("reset starts at the first target at or after the seek time") {
    FrameSampler s(2.0);
    s.reset(1.2);
    CHECK(s.next_target() == Approx(1.5));
    const auto out = run(s, frames(18, 10.0, 1.0), 0.1);  // frames 1.0 .. 2.7
    REQUIRE(out.size() == 3);
    CHECK(out[0] == Approx(1.5));
    CHECK(out[1] == Approx(2.0));
    CHECK(out[2] == Approx(2.5));
  }
}
