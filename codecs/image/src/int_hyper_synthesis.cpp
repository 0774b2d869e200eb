// IntHyperSynthesis: loading and validation of the nmc.int_h_s.* tensors and
// the integer h_s (int_hyper_synthesis.h; format in
// tools/convert/quantize_hyper_synthesis.py). No floating-point operation
// decides an index or a mean: the only float step is the exact conversion
// mean_int * 2^-k of the output.
#include "nmc/codecs/image/int_hyper_synthesis.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "int_conv.h"

namespace nmc::image {

namespace {

constexpr const char* kPrefix = "nmc.int_h_s.";
constexpr int64_t kAccLimit = (int64_t{1} << 31) - 2;  // |accumulator| bound the proof must meet
constexpr int64_t kActMax = 32767;
constexpr int32_t kMaxFracBits = 24;
constexpr int64_t kMeanLimit = (int64_t{1} << 24) - 1;  // |mean_int|: exact in float32
constexpr int64_t kLeakyMult = 10486, kLeakyShift = 20;  // LeakyReLU slope 10486 / 2^20
constexpr int64_t kMaxSide = 4096;                       // z side limit of run()
constexpr int64_t kMaxThresholds = 4095;

struct Requant {
  std::vector<int32_t> multiplier, shift;  // per output channel
};

}  // namespace

struct IntHyperSynthesisState {
  HyperpriorKind kind = HyperpriorKind::kMeanScaleHyperprior;
  int64_t n = 0, m = 0;
  std::array<IntConv, 3> layers;
  std::array<int64_t, 3> act_bound{};   // saturation bound of each layer's input
  int32_t input_frac_bits = 0;
  std::vector<int32_t> input_offset;    // [N]
  std::array<Requant, 2> requant;       // layer 0 -> input of 1, layer 1 -> input of 2
  int64_t thresholds_per_channel = 0;
  std::vector<int32_t> thresholds;      // [M][thresholds_per_channel], rows non-decreasing
  Requant mean_requant;                 // mbt only, [M]
  int32_t mean_frac_bits = 0;
};

namespace {

// Reads the named tensors with presence, dtype and shape checks.
class IntTensorReader {
 public:
  explicit IntTensorReader(const SafetensorsFile& f) : file_(f) {}

  template <class T>
  Result<std::vector<T>> read(const std::string& suffix, DType dtype, const Shape& shape) const {
    const std::string name = kPrefix + suffix;
    const SafetensorsTensorInfo* info = file_.find(name);
    if (!info) return InvalidData("int h_s: tensor " + name + " is missing");
    if (info->dtype != dtype)
      return InvalidData("int h_s: tensor " + name + " must be " + dtype_name(dtype) + ", got " +
                         dtype_name(info->dtype));
    if (!(info->shape == shape))
      return InvalidData("int h_s: tensor " + name + " must have shape " + shape.to_string() + ", got " +
                         info->shape.to_string());
    NMC_ASSIGN_OR_RETURN(Tensor t, file_.tensor(name));
    const T* p = t.data<T>();
    return std::vector<T>(p, p + t.numel());
  }
  Result<int32_t> scalar(const std::string& suffix) const {
    NMC_ASSIGN_OR_RETURN(auto v, read<int32_t>(suffix, DType::kI32, Shape{1}));
    return v[0];
  }
  // Shape of a tensor (InvalidData if missing or not of the given rank).
  Result<Shape> shape_of(const std::string& suffix, int rank) const {
    const SafetensorsTensorInfo* info = file_.find(kPrefix + suffix);
    if (!info) return InvalidData(std::string("int h_s: tensor ") + kPrefix + suffix + " is missing");
    if (info->shape.rank != rank)
      return InvalidData(std::string("int h_s: tensor ") + kPrefix + suffix + " must have rank " +
                         std::to_string(rank) + ", got shape " + info->shape.to_string());
    return info->shape;
  }
  bool has(const std::string& suffix) const { return file_.find(kPrefix + suffix) != nullptr; }

 private:
  const SafetensorsFile& file_;
};

Status check_range(const std::string& what, const std::vector<int32_t>& v, int64_t lo, int64_t hi) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] < lo || v[i] > hi)
      return InvalidData("int h_s: " + what + "[" + std::to_string(i) + "] = " + std::to_string(v[i]) +
                         " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return Status::Ok();
}

Result<Requant> read_requant(const IntTensorReader& r, const std::string& mult_name, const std::string& shift_name,
                             int64_t channels) {
  Requant q;
  NMC_ASSIGN_OR_RETURN(q.multiplier, r.read<int32_t>(mult_name, DType::kI32, Shape{channels}));
  NMC_ASSIGN_OR_RETURN(q.shift, r.read<int32_t>(shift_name, DType::kI32, Shape{channels}));
  NMC_RETURN_IF_ERROR(check_range(kPrefix + mult_name, q.multiplier, 0, INT32_MAX));
  NMC_RETURN_IF_ERROR(check_range(kPrefix + shift_name, q.shift, 1, 62));
  return q;
}

Result<IntConv> read_layer(const IntTensorReader& r, int index, const IntConvShape& shape) {
  const std::string base = std::to_string(index) + ".";
  const Shape wshape = shape.transposed ? Shape{shape.c_in, shape.c_out, shape.kernel, shape.kernel}
                                        : Shape{shape.c_out, shape.c_in, shape.kernel, shape.kernel};
  NMC_ASSIGN_OR_RETURN(auto w, r.read<int8_t>(base + "weight", DType::kI8, wshape));
  for (size_t i = 0; i < w.size(); ++i)
    if (w[i] == -128)
      return InvalidData(std::string("int h_s: ") + kPrefix + base + "weight holds -128 (must be in [-127, 127])");
  NMC_ASSIGN_OR_RETURN(auto b, r.read<int32_t>(base + "bias", DType::kI32, Shape{shape.c_out}));
  return IntConv::create(shape, w, b);
}

// (acc * multiplier + 2^(shift - 1)) >> shift (arithmetic shift: floor), clamped to [-bound, bound].
inline int64_t requantize(int64_t acc, int64_t multiplier, int shift, int64_t bound) {
  const int64_t v = (acc * multiplier + (int64_t{1} << (shift - 1))) >> shift;
  return std::clamp(v, -bound, bound);
}

Status check_z(const Tensor& z, int64_t n) {
  if (!z.defined() || z.dtype() != DType::kI32 || z.device() != Device::kCpu || !z.is_contiguous())
    return InvalidArgument("int h_s: z_symbols must be a contiguous i32 host tensor, got " +
                           (z.defined() ? z.describe() : std::string("undefined")));
  if (z.rank() != 4 || z.dim(0) != 1 || z.dim(1) != n || z.dim(2) < 1 || z.dim(3) < 1 || z.dim(2) > kMaxSide ||
      z.dim(3) > kMaxSide)
    return InvalidArgument("int h_s: z_symbols must have shape [1, " + std::to_string(n) +
                           ", h, w] with 1 <= h, w <= 4096, got " + z.shape().to_string());
  return Status::Ok();
}

// Accumulators of one layer (HWC, channel stride `stride`) -> the next layer's
// int16 input: requantization, saturation and the activation.
void hidden_epilogue(const std::vector<int32_t>& acc, int64_t stride, const Requant& q, int64_t bound, bool leaky,
                     I16Image& out, ThreadPool* pool) {
  const int64_t channels = out.channels;
  parallel_for(pool, out.h, 1, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y)
      for (int64_t x = 0; x < out.w; ++x) {
        const int32_t* a = acc.data() + (y * out.w + x) * stride;
        int16_t* dst = out.pixel(y, x);
        for (int64_t c = 0; c < channels; ++c) {
          int64_t v = requantize(a[c], q.multiplier[static_cast<size_t>(c)], q.shift[static_cast<size_t>(c)], bound);
          if (v < 0) v = leaky ? (v * kLeakyMult + (int64_t{1} << (kLeakyShift - 1))) >> kLeakyShift : 0;
          dst[c] = static_cast<int16_t>(v);
        }
      }
  });
}

}  // namespace

Result<IntHyperSynthesis> IntHyperSynthesis::load(const SafetensorsFile& file, const HyperpriorConfig& config) {
  bool any = false;
  for (const auto& info : file.tensors())
    if (info.name.rfind(kPrefix, 0) == 0) any = true;
  if (!any)
    return NotFound(std::string("int h_s: the model has no ") + kPrefix +
                    "* tensors (converted before the integer hyper-synthesis existed; run "
                    "tools/convert/quantize_hyper_synthesis.py on it)");
  const IntTensorReader r(file);
  NMC_ASSIGN_OR_RETURN(const int32_t version, r.scalar("version"));
  if (version != kFormatVersion)
    return Unsupported("int h_s: format version " + std::to_string(version) + " (this build reads version " +
                       std::to_string(kFormatVersion) + ")");

  auto s = std::make_shared<IntHyperSynthesisState>();
  s->kind = config.kind;
  const bool mean_scale = config.kind == HyperpriorKind::kMeanScaleHyperprior;
  NMC_ASSIGN_OR_RETURN(const Shape w0, r.shape_of("0.weight", 4));
  NMC_ASSIGN_OR_RETURN(const Shape thr, r.shape_of("scale_thresholds", 2));
  s->n = config.n ? config.n : w0[0];
  s->m = config.m ? config.m : thr[0];
  const int64_t n = s->n, m = s->m;
  if (n < 1 || m < 1 || n > kMaxHyperpriorChannels || m > kMaxHyperpriorChannels || (mean_scale && m % 2 != 0))
    return InvalidData("int h_s: channel counts N = " + std::to_string(n) + ", M = " + std::to_string(m) +
                       " are invalid for " + hyperprior_kind_name(config.kind));
  // CompressAI: mbt h_s = N -> M -> 3M/2 -> 2M; bmshj h_s = N -> N -> N -> M.
  const int64_t c0 = mean_scale ? m : n, c1 = mean_scale ? 3 * m / 2 : n, c2 = mean_scale ? 2 * m : m;
  const std::array<IntConvShape, 3> shapes = {IntConvShape{n, c0, 5, true}, IntConvShape{c0, c1, 5, true},
                                              IntConvShape{c1, c2, 3, false}};
  for (int i = 0; i < 3; ++i) {
    NMC_ASSIGN_OR_RETURN(s->layers[static_cast<size_t>(i)], read_layer(r, i, shapes[static_cast<size_t>(i)]));
  }

  NMC_ASSIGN_OR_RETURN(auto bounds, r.read<int32_t>("act_bound", DType::kI32, Shape{3}));
  NMC_RETURN_IF_ERROR(check_range(std::string(kPrefix) + "act_bound", bounds, 1, kActMax));
  NMC_ASSIGN_OR_RETURN(auto fracs, r.read<int32_t>("act_frac_bits", DType::kI32, Shape{3}));
  NMC_RETURN_IF_ERROR(check_range(std::string(kPrefix) + "act_frac_bits", fracs, 0, kMaxFracBits));
  for (int i = 0; i < 3; ++i) {
    s->act_bound[static_cast<size_t>(i)] = bounds[static_cast<size_t>(i)];
    const int64_t acc = s->layers[static_cast<size_t>(i)].accumulator_bound(bounds[static_cast<size_t>(i)]);
    if (acc > kAccLimit)
      return InvalidData("int h_s: layer " + std::to_string(i) + " may overflow int32: |bias| + sum |w| * " +
                         std::to_string(bounds[static_cast<size_t>(i)]) + " reaches " + std::to_string(acc) +
                         " > " + std::to_string(kAccLimit));
  }
  s->input_frac_bits = fracs[0];
  NMC_ASSIGN_OR_RETURN(s->input_offset, r.read<int32_t>("input_offset", DType::kI32, Shape{n}));
  for (int i = 0; i < 2; ++i) {
    const std::string base = std::to_string(i) + ".";
    NMC_ASSIGN_OR_RETURN(s->requant[static_cast<size_t>(i)],
                         read_requant(r, base + "multiplier", base + "shift", i == 0 ? c0 : c1));
  }

  s->thresholds_per_channel = thr[1];
  if (thr[0] != m || thr[1] < 1 || thr[1] > kMaxThresholds)
    return InvalidData("int h_s: tensor " + std::string(kPrefix) + "scale_thresholds must have shape [" +
                       std::to_string(m) + ", 1..4095], got " + thr.to_string());
  for (const char* name : {"gaussian_conditional.scale_table", "module.gaussian_conditional.scale_table"}) {
    const SafetensorsTensorInfo* table = file.find(name);
    if (table && !(table->shape.rank == 1 && table->shape[0] == thr[1] + 1))
      return InvalidData("int h_s: " + std::to_string(thr[1]) + " scale thresholds per channel do not match " +
                         name + " of shape " + table->shape.to_string());
  }
  NMC_ASSIGN_OR_RETURN(s->thresholds, r.read<int32_t>("scale_thresholds", DType::kI32, thr));
  for (int64_t c = 0; c < m; ++c) {
    const int32_t* row = s->thresholds.data() + c * thr[1];
    if (!std::is_sorted(row, row + thr[1]))
      return InvalidData("int h_s: scale_thresholds row " + std::to_string(c) + " is not non-decreasing");
  }

  const bool has_means = r.has("mean_multiplier") || r.has("mean_shift") || r.has("mean_frac_bits");
  if (mean_scale) {
    NMC_ASSIGN_OR_RETURN(s->mean_requant, read_requant(r, "mean_multiplier", "mean_shift", m));
    NMC_ASSIGN_OR_RETURN(s->mean_frac_bits, r.scalar("mean_frac_bits"));
    if (s->mean_frac_bits < 0 || s->mean_frac_bits > kMaxFracBits)
      return InvalidData("int h_s: mean_frac_bits " + std::to_string(s->mean_frac_bits) + " outside [0, 24]");
  } else if (has_means) {
    return InvalidData("int h_s: bmshj2018-hyperprior predicts no means, but the file has mean tensors");
  }
  return IntHyperSynthesis(std::move(s));
}

HyperpriorKind IntHyperSynthesis::kind() const {
  return state_ ? state_->kind : HyperpriorKind::kMeanScaleHyperprior;
}
int64_t IntHyperSynthesis::n() const { return state_ ? state_->n : 0; }
int64_t IntHyperSynthesis::m() const { return state_ ? state_->m : 0; }
int32_t IntHyperSynthesis::mean_frac_bits() const { return state_ ? state_->mean_frac_bits : 0; }
int32_t IntHyperSynthesis::table_count() const {
  return state_ ? static_cast<int32_t>(state_->thresholds_per_channel + 1) : 0;
}

Result<IntHyperParams> IntHyperSynthesis::run(const Tensor& z_symbols, ThreadPool* pool) const {
  if (!state_) return InvalidArgument("int h_s: model is not loaded");
  const IntHyperSynthesisState& s = *state_;
  NMC_RETURN_IF_ERROR(check_z(z_symbols, s.n));
  const int64_t h = z_symbols.dim(2), w = z_symbols.dim(3);
  const bool mean_scale = s.kind == HyperpriorKind::kMeanScaleHyperprior;

  // Input: clamp(z * 2^f0 + offset[c], -A0, A0), channels last.
  I16Image x;
  x.reset(h, w, s.n, s.layers[0].border());
  const int32_t* z = z_symbols.data<int32_t>();
  for (int64_t c = 0; c < s.n; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t xx = 0; xx < w; ++xx) {
        const int64_t v = static_cast<int64_t>(z[(c * h + y) * w + xx]) * (int64_t{1} << s.input_frac_bits) +
                          s.input_offset[static_cast<size_t>(c)];
        x.pixel(y, xx)[c] = static_cast<int16_t>(std::clamp(v, -s.act_bound[0], s.act_bound[0]));
      }

  std::vector<int32_t> acc;
  for (size_t i = 0; i < 2; ++i) {
    const IntConv& layer = s.layers[i];
    NMC_RETURN_IF_ERROR(layer.run(x, acc, pool));
    I16Image next;
    next.reset(layer.out_height(x.h), layer.out_width(x.w), layer.shape().c_out, s.layers[i + 1].border());
    hidden_epilogue(acc, layer.out_channel_stride(), s.requant[i], s.act_bound[i + 1], mean_scale, next, pool);
    x = std::move(next);
  }
  const IntConv& last = s.layers[2];
  NMC_RETURN_IF_ERROR(last.run(x, acc, pool));

  const int64_t ho = x.h, wo = x.w, plane = ho * wo, stride = last.out_channel_stride(), m = s.m;
  IntHyperParams out;
  NMC_ASSIGN_OR_RETURN(out.indexes, Tensor::zeros(Shape{1, m, ho, wo}, DType::kI32));
  if (mean_scale) {
    NMC_ASSIGN_OR_RETURN(out.means, Tensor::zeros(Shape{1, m, ho, wo}, DType::kF32));
  }
  int32_t* idx = out.indexes.data<int32_t>();
  float* means = mean_scale ? out.means.data<float>() : nullptr;
  const float mean_unit = std::ldexp(1.0f, -s.mean_frac_bits);  // exact power of two
  const int64_t tpc = s.thresholds_per_channel;
  parallel_for(pool, m, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int32_t* row = s.thresholds.data() + c * tpc;
      for (int64_t p = 0; p < plane; ++p) {
        // index = number of thresholds <= acc (rows are sorted).
        const int32_t a = acc[static_cast<size_t>(p * stride + c)];
        idx[c * plane + p] = static_cast<int32_t>(std::upper_bound(row, row + tpc, a) - row);
      }
      if (!mean_scale) continue;
      const int64_t mult = s.mean_requant.multiplier[static_cast<size_t>(c)];
      const int shift = s.mean_requant.shift[static_cast<size_t>(c)];
      for (int64_t p = 0; p < plane; ++p) {
        const int64_t v = requantize(acc[static_cast<size_t>(p * stride + m + c)], mult, shift, kMeanLimit);
        means[c * plane + p] = static_cast<float>(v) * mean_unit;
      }
    }
  });
  return out;
}

}  // namespace nmc::image
