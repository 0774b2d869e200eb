// Reference convolutions (NCHW / NCL), double accumulation. The 1-D ops are
// the 2-D ones with H = 1; all four share the geometry below.
#include <vector>

#include "ref_dense_util.h"

namespace nmc::reference {

using namespace dense;

namespace {

// One spatial axis of a convolution.
struct Axis {
  int64_t in = 1, kernel = 1, out = 1;
  int stride = 1, dilation = 1;
  int pad_begin = 0, pad_end = 0;  // conv: padding; transposed: crop
  int output_padding = 0;          // transposed only
};

struct Geometry {
  int64_t n = 0, c = 0, o = 0;
  int groups = 1;
  Axis h, w;
  PadMode pad_mode = PadMode::kZeros;
};

// Maps a padded input coordinate to a real one; -1 when it reads a zero.
int64_t source_index(int64_t p, int64_t len, PadMode mode) {
  if (p >= 0 && p < len) return p;
  switch (mode) {
    case PadMode::kZeros: return -1;
    case PadMode::kReflect: return p < 0 ? -p : 2 * (len - 1) - p;
    case PadMode::kReplicate: return p < 0 ? 0 : len - 1;
  }
  return -1;
}

Status check_axis(const char* op, const char* name, const Axis& ax, bool transposed) {
  const std::string n = name;
  if (ax.stride < 1) return InvalidArgument(std::string(op) + ": stride" + n + " must be >= 1");
  if (ax.dilation < 1) return InvalidArgument(std::string(op) + ": dilation" + n + " must be >= 1");
  if (ax.pad_begin < 0 || ax.pad_end < 0)
    return InvalidArgument(std::string(op) + (transposed ? ": crops" : ": paddings") + n + " must be >= 0");
  if (ax.output_padding < 0 ||
      (transposed && ax.output_padding >= (ax.stride > ax.dilation ? ax.stride : ax.dilation)))
    return InvalidArgument(std::string(op) + ": output_padding" + n + " must be in [0, max(stride, dilation))");
  if (ax.in < 1 || ax.kernel < 1) return InvalidArgument(std::string(op) + ": empty input or kernel" + n);
  return Status::Ok();
}

// Validates x/w/bias/out against the geometry's channel counts; fills n, c, o.
Status check_operands(const char* op, const Tensor* x, const Tensor* w, const Tensor* bias, const Tensor* out,
                      int rank, int groups, bool transposed, Geometry* g) {
  NMC_RETURN_IF_ERROR(check_tensor(op, "x", x, DType::kF32, rank, true));
  NMC_RETURN_IF_ERROR(check_tensor(op, "w", w, DType::kF32, rank, true));
  NMC_RETURN_IF_ERROR(check_tensor(op, "out", out, DType::kF32, rank, true));
  if (groups < 1) return InvalidArgument(std::string(op) + ": groups must be >= 1");
  g->groups = groups;
  g->n = x->dim(0);
  g->c = x->dim(1);
  if (g->c % groups != 0)
    return InvalidArgument(std::string(op) + ": input channels " + std::to_string(g->c) +
                           " not divisible by groups " + std::to_string(groups));
  if (transposed) {
    if (w->dim(0) != g->c)
      return InvalidArgument(std::string(op) + ": w " + w->shape().to_string() + " must start with C = " +
                             std::to_string(g->c));
    g->o = w->dim(1) * groups;
  } else {
    g->o = w->dim(0);
    if (g->o % groups != 0 || w->dim(1) != g->c / groups)
      return InvalidArgument(std::string(op) + ": w " + w->shape().to_string() + " does not fit C = " +
                             std::to_string(g->c) + ", groups = " + std::to_string(groups));
  }
  if (bias) {
    NMC_RETURN_IF_ERROR(check_tensor(op, "bias", bias, DType::kF32, 1, true));
    if (bias->dim(0) != g->o)
      return InvalidArgument(std::string(op) + ": bias must have " + std::to_string(g->o) + " elements, got " +
                             bias->describe());
  }
  return Status::Ok();
}

// Forward convolution of contiguous NCHW tensors per the geometry.
void run_conv(const Geometry& g, const float* x, const float* w, const float* bias, float* out) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups;
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t o = 0; o < g.o; ++o) {
      const int64_t grp = o / og;
      for (int64_t oy = 0; oy < g.h.out; ++oy)
        for (int64_t ox = 0; ox < g.w.out; ++ox) {
          double acc = bias ? bias[o] : 0.0;
          for (int64_t ci = 0; ci < cg; ++ci) {
            const int64_t c = grp * cg + ci;
            const float* xc = x + (n * g.c + c) * g.h.in * g.w.in;
            const float* wc = w + (o * cg + ci) * g.h.kernel * g.w.kernel;
            for (int64_t ky = 0; ky < g.h.kernel; ++ky) {
              const int64_t iy = source_index(oy * g.h.stride - g.h.pad_begin + ky * g.h.dilation, g.h.in, g.pad_mode);
              if (iy < 0) continue;
              for (int64_t kx = 0; kx < g.w.kernel; ++kx) {
                const int64_t ix =
                    source_index(ox * g.w.stride - g.w.pad_begin + kx * g.w.dilation, g.w.in, g.pad_mode);
                if (ix < 0) continue;
                acc += static_cast<double>(xc[iy * g.w.in + ix]) * wc[ky * g.w.kernel + kx];
              }
            }
          }
          out[((n * g.o + o) * g.h.out + oy) * g.w.out + ox] = static_cast<float>(acc);
        }
    }
}

// Transposed convolution (scatter form) of contiguous tensors, w [C, O/g, KH, KW].
void run_conv_transpose(const Geometry& g, const float* x, const float* w, const float* bias, float* out) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups;
  const int64_t plane = g.h.out * g.w.out;
  std::vector<double> acc(static_cast<size_t>(g.o * plane));
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t o = 0; o < g.o; ++o)
      for (int64_t i = 0; i < plane; ++i) acc[static_cast<size_t>(o * plane + i)] = bias ? bias[o] : 0.0;
    for (int64_t c = 0; c < g.c; ++c) {
      const int64_t grp = c / cg;
      const float* xc = x + (n * g.c + c) * g.h.in * g.w.in;
      for (int64_t ol = 0; ol < og; ++ol) {
        const int64_t o = grp * og + ol;
        const float* wc = w + (c * og + ol) * g.h.kernel * g.w.kernel;
        double* ac = acc.data() + o * plane;
        for (int64_t iy = 0; iy < g.h.in; ++iy)
          for (int64_t ky = 0; ky < g.h.kernel; ++ky) {
            const int64_t oy = iy * g.h.stride + ky * g.h.dilation - g.h.pad_begin;
            if (oy < 0 || oy >= g.h.out) continue;
            for (int64_t ix = 0; ix < g.w.in; ++ix) {
              const double xv = xc[iy * g.w.in + ix];
              for (int64_t kx = 0; kx < g.w.kernel; ++kx) {
                const int64_t ox = ix * g.w.stride + kx * g.w.dilation - g.w.pad_begin;
                if (ox < 0 || ox >= g.w.out) continue;
                ac[oy * g.w.out + ox] += xv * wc[ky * g.w.kernel + kx];
              }
            }
          }
      }
    }
    float* on = out + n * g.o * plane;
    for (int64_t i = 0; i < g.o * plane; ++i) on[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
  }
}

int64_t conv_out_len(const Axis& ax) {
  const int64_t span = ax.in + ax.pad_begin + ax.pad_end - static_cast<int64_t>(ax.dilation) * (ax.kernel - 1) - 1;
  return span < 0 ? 0 : span / ax.stride + 1;
}

int64_t conv_transpose_out_len(const Axis& ax) {
  return (ax.in - 1) * ax.stride + static_cast<int64_t>(ax.dilation) * (ax.kernel - 1) + 1 - ax.pad_begin -
         ax.pad_end + ax.output_padding;
}

Status check_pad_mode(const char* op, const Geometry& g) {
  if (g.pad_mode == PadMode::kReflect) {
    if (g.h.pad_begin >= g.h.in || g.h.pad_end >= g.h.in || g.w.pad_begin >= g.w.in || g.w.pad_end >= g.w.in)
      return InvalidArgument(std::string(op) + ": reflect padding must be smaller than the input size");
  } else if (g.pad_mode != PadMode::kZeros && g.pad_mode != PadMode::kReplicate) {
    return InvalidArgument(std::string(op) + ": unknown pad mode");
  }
  return Status::Ok();
}

// Shared tail: axis checks, output length, out shape, run.
Status finish_conv(const char* op, Geometry& g, const Tensor* x, const Tensor* w, const Tensor* bias,
                   Tensor* out, bool transposed, bool one_d) {
  NMC_RETURN_IF_ERROR(check_axis(op, one_d ? "" : "_h", g.h, transposed));
  NMC_RETURN_IF_ERROR(check_axis(op, one_d ? "" : "_w", g.w, transposed));
  if (!transposed) NMC_RETURN_IF_ERROR(check_pad_mode(op, g));
  g.h.out = transposed ? conv_transpose_out_len(g.h) : conv_out_len(g.h);
  g.w.out = transposed ? conv_transpose_out_len(g.w) : conv_out_len(g.w);
  if (g.h.out < 1 || g.w.out < 1)
    return InvalidArgument(std::string(op) + ": output would be empty for input " + x->shape().to_string() +
                           " and kernel " + w->shape().to_string());
  const Shape want = one_d ? Shape{g.n, g.o, g.w.out} : Shape{g.n, g.o, g.h.out, g.w.out};
  NMC_RETURN_IF_ERROR(check_shape(op, "out", *out, want));
  const float* bp = bias ? bias->data<float>() : nullptr;
  if (transposed)
    run_conv_transpose(g, x->data<float>(), w->data<float>(), bp, out->data<float>());
  else
    run_conv(g, x->data<float>(), w->data<float>(), bp, out->data<float>());
  return Status::Ok();
}

}  // namespace

Status conv1d(const Exec&, const Conv1dArgs& a) {
  constexpr const char* kOp = "conv1d";
  Geometry g;
  NMC_RETURN_IF_ERROR(check_operands(kOp, a.x, a.w, a.bias, a.out, 3, a.groups, false, &g));
  g.pad_mode = a.pad_mode;
  g.w = Axis{a.x->dim(2), a.w->dim(2), 0, a.stride, a.dilation, a.pad_begin, a.pad_end, 0};
  return finish_conv(kOp, g, a.x, a.w, a.bias, a.out, false, true);
}

Status conv2d(const Exec&, const Conv2dArgs& a) {
  constexpr const char* kOp = "conv2d";
  Geometry g;
  NMC_RETURN_IF_ERROR(check_operands(kOp, a.x, a.w, a.bias, a.out, 4, a.groups, false, &g));
  g.pad_mode = a.pad_mode;
  g.h = Axis{a.x->dim(2), a.w->dim(2), 0, a.stride_h, a.dilation_h, a.pad_top, a.pad_bottom, 0};
  g.w = Axis{a.x->dim(3), a.w->dim(3), 0, a.stride_w, a.dilation_w, a.pad_left, a.pad_right, 0};
  return finish_conv(kOp, g, a.x, a.w, a.bias, a.out, false, false);
}

Status conv_transpose1d(const Exec&, const ConvTranspose1dArgs& a) {
  constexpr const char* kOp = "conv_transpose1d";
  Geometry g;
  NMC_RETURN_IF_ERROR(check_operands(kOp, a.x, a.w, a.bias, a.out, 3, a.groups, true, &g));
  g.w = Axis{a.x->dim(2), a.w->dim(2), 0, a.stride, a.dilation, a.crop_begin, a.crop_end, a.output_padding};
  return finish_conv(kOp, g, a.x, a.w, a.bias, a.out, true, true);
}

Status conv_transpose2d(const Exec&, const ConvTranspose2dArgs& a) {
  constexpr const char* kOp = "conv_transpose2d";
  Geometry g;
  NMC_RETURN_IF_ERROR(check_operands(kOp, a.x, a.w, a.bias, a.out, 4, a.groups, true, &g));
  g.h = Axis{a.x->dim(2), a.w->dim(2), 0, a.stride_h, a.dilation_h, a.crop_top, a.crop_bottom, a.output_padding_h};
  g.w = Axis{a.x->dim(3), a.w->dim(3), 0, a.stride_w, a.dilation_w, a.crop_left, a.crop_right, a.output_padding_w};
  return finish_conv(kOp, g, a.x, a.w, a.bias, a.out, true, false);
}

}  // namespace nmc::reference
