// The op list: every op the inference core provides, its argument struct, and
// the dispatching entry points nmc::ops::NAME(exec, args).
//
// Contract shared by all ops:
// - Outputs are allocated by the caller with the exact shape and dtype the op
//   documents; the op validates every shape/dtype/rank and returns
//   kInvalidArgument (never aborts) on a mismatch.
// - Unless an op says otherwise, tensors are contiguous, f32, on the device of
//   the executing backend. "(view ok)" marks inputs that may be strided.
// - Every op has a scalar reference implementation (kernels/src/reference);
//   backends override ops with fast paths. A fast path may decline a case by
//   returning kUnsupported, and on the CPU the reference then runs.
// - Adding an op: add X(name, Args) to NMC_OP_LIST, define Args here, write
//   reference::name and a parity case (tests/kernels). The static_assert on
//   kOpCount and the parity test's coverage check catch a half-registered op.
#pragma once

#include <cstdint>
#include <span>

#include "nmc/kernels/status.h"
#include "nmc/kernels/tensor.h"

namespace nmc {

class Backend;
class HostBufferPool;
class ThreadPool;

// Where an op runs: a backend and, for CPU backends, the pool to use
// (nullptr = run on the calling thread).
// allow_bf16: convolutions and GDN may round their inputs and weights to bf16
// (products and sums stay f32) where the CPU has native bf16 dot products
// (AVX512-BF16), about 2x faster; relative error ~2^-9 per operand instead of
// f32's 2^-24.
// Only for results no bit-exact contract depends on (an image codec's
// analysis / synthesis transforms); the reference backend and other ops ignore it.
// buffers: where CPU ops take their large temporary buffers (layout copies,
// im2col columns, oneDNN scratchpads); nullptr = fresh allocations each call.
// Callers may allocate their own tensors from it too; it must outlive them.
struct Exec {
  const Backend* backend = nullptr;
  ThreadPool* pool = nullptr;
  bool allow_bf16 = false;
  HostBufferPool* buffers = nullptr;
};

// ---- argument structs -----------------------------------------------------

// dst = src converted to dst's dtype. Shapes equal; src (view ok), dst (view ok).
// Float types convert with round-to-nearest-even; float->int truncates toward 0.
struct CopyArgs {
  const Tensor* src = nullptr;
  Tensor* dst = nullptr;
};

// out[..., M, N] = alpha * a[..., M, K] x op(b) + bias[N]
// a: f32 [batch..., M, K]. b: f32, bf16 or f16; [batch..., K, N] or, when
// trans_b, [batch..., N, K] (a Linear weight). b's batch dims broadcast
// against a's (rank-2 b is shared by every batch). bias: optional f32 [N].
// out: f32 [batch..., M, N]. a and b may be views whose last dim is unit-stride.
struct MatmulArgs {
  const Tensor* a = nullptr;
  const Tensor* b = nullptr;
  const Tensor* bias = nullptr;
  Tensor* out = nullptr;
  bool trans_b = false;
  float alpha = 1.0f;
};

enum class PadMode : uint8_t { kZeros = 0, kReflect, kReplicate };

// 1-D convolution. x [N, C, L]; w [O, C/groups, K]; bias [O] optional; out [N, O, Lout]
// Lout = (L + pad_begin + pad_end - dilation*(K-1) - 1) / stride + 1.
// Causal = pad_begin (K-1)*dilation, pad_end 0. Reflect needs pad < L.
struct Conv1dArgs {
  const Tensor* x = nullptr;
  const Tensor* w = nullptr;
  const Tensor* bias = nullptr;
  Tensor* out = nullptr;
  int stride = 1, dilation = 1, groups = 1;
  int pad_begin = 0, pad_end = 0;
  PadMode pad_mode = PadMode::kZeros;
};

// 2-D convolution, NCHW. w [O, C/groups, KH, KW].
struct Conv2dArgs {
  const Tensor* x = nullptr;
  const Tensor* w = nullptr;
  const Tensor* bias = nullptr;
  Tensor* out = nullptr;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, groups = 1;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  PadMode pad_mode = PadMode::kZeros;
};

// Transposed 1-D convolution (PyTorch semantics). x [N, C, L]; w [C, O/groups, K]
// (PyTorch layout); out [N, O, Lout],
// Lout = (L-1)*stride + dilation*(K-1) + 1 - crop_begin - crop_end + output_padding.
// PyTorch's padding p is crop_begin = crop_end = p; causal trimming is asymmetric.
struct ConvTranspose1dArgs {
  const Tensor* x = nullptr;
  const Tensor* w = nullptr;
  const Tensor* bias = nullptr;
  Tensor* out = nullptr;
  int stride = 1, dilation = 1, groups = 1;
  int crop_begin = 0, crop_end = 0, output_padding = 0;
};

// Transposed 2-D convolution, NCHW, w [C, O/groups, KH, KW].
struct ConvTranspose2dArgs {
  const Tensor* x = nullptr;
  const Tensor* w = nullptr;
  const Tensor* bias = nullptr;
  Tensor* out = nullptr;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, groups = 1;
  int crop_top = 0, crop_bottom = 0, crop_left = 0, crop_right = 0;
  int output_padding_h = 0, output_padding_w = 0;
};

enum class UnaryKind : uint8_t {
  kIdentity = 0,
  kRelu,
  kGelu,        // exact: 0.5 x (1 + erf(x / sqrt 2))
  kGeluTanh,    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  kSilu,        // x * sigmoid(x)
  kElu,         // x > 0 ? x : alpha (exp(x) - 1)
  kLeakyRelu,   // x > 0 ? x : alpha x
  kTanh,
  kSigmoid,
  kExp,
  kAbs,
  kSquare,
  kSqrt,
  kAffine,      // alpha * x + beta
  kCount
};

// out = f(x), elementwise. x, out same shape; out may alias x.
struct UnaryArgs {
  const Tensor* x = nullptr;
  Tensor* out = nullptr;
  UnaryKind kind = UnaryKind::kIdentity;
  float alpha = 0.0f;
  float beta = 0.0f;
};

enum class BinaryKind : uint8_t { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kCount };

// out = a (op) b, with b broadcast to a's shape (numpy rules, b's rank <= a's).
// out has a's shape and may alias a.
struct BinaryArgs {
  const Tensor* a = nullptr;
  const Tensor* b = nullptr;
  Tensor* out = nullptr;
  BinaryKind kind = BinaryKind::kAdd;
};

// Snake: out = x + 1/(alpha_c + 1e-9) * sin(alpha_c * x)^2. x [N, C, L], alpha [C].
struct SnakeArgs {
  const Tensor* x = nullptr;
  const Tensor* alpha = nullptr;
  Tensor* out = nullptr;
};

// GDN (Balle et al.), CompressAI form with already-reparametrised beta/gamma:
// norm_c = beta_c + sum_j gamma[c, j] * x_j^2; out = x * rsqrt(norm) (GDN) or
// x * sqrt(norm) (inverse, IGDN). x [N, C, H, W], beta [C], gamma [C, C].
struct GdnArgs {
  const Tensor* x = nullptr;
  const Tensor* beta = nullptr;
  const Tensor* gamma = nullptr;
  Tensor* out = nullptr;
  bool inverse = false;
};

// LayerNorm over the last dim D. weight, bias: optional [D].
struct LayerNormArgs {
  const Tensor* x = nullptr;
  const Tensor* weight = nullptr;
  const Tensor* bias = nullptr;
  Tensor* out = nullptr;
  float eps = 1e-5f;
};

// RMSNorm over the last dim: out = x * rsqrt(mean(x^2) + eps) * weight.
struct RmsNormArgs {
  const Tensor* x = nullptr;
  const Tensor* weight = nullptr;
  Tensor* out = nullptr;
  float eps = 1e-6f;
};

// Softmax over the last dim of scale * x. out may alias x.
struct SoftmaxArgs {
  const Tensor* x = nullptr;
  Tensor* out = nullptr;
  float scale = 1.0f;
};

enum class RopeLayout : uint8_t {
  kHalfSplit = 0,  // pairs (i, i + rot/2): HF/Qwen2 "rotate_half"
  kInterleaved,    // pairs (2i, 2i+1): GPT-J / Meta
};

// Rotary position embedding at float positions.
// x [B, T, H, D] (view ok on B/T/H, unit-stride D); positions f32 [T] (shared by
// the batch) or [B, T]; the first rotary_dim (even, <= D) channels rotate,
// the rest pass through. Frequencies: theta^(-2i/rotary_dim). out may alias x.
struct RopeArgs {
  const Tensor* x = nullptr;
  const Tensor* positions = nullptr;
  Tensor* out = nullptr;
  float theta = 10000.0f;
  int rotary_dim = 0;  // 0 = D
  RopeLayout layout = RopeLayout::kHalfSplit;
};

enum class MaskKind : uint8_t {
  kNone = 0,        // bidirectional: every query sees every key
  kCausal,          // key j visible to query i iff j <= i + q_offset
  kSlidingWindow,   // causal and i + q_offset - j < window
  kBlockDiagonal,   // j and i + q_offset in the same block of block_size
  kBlockCausal,     // block(j) <= block(i + q_offset)
};

// Scaled dot-product attention with online softmax (memory O(tokens)).
// q [B, Tq, Hq, D], k [B, Tk, Hkv, D], v [B, Tk, Hkv, Dv], out [B, Tq, Hq, Dv]
// (all views ok with unit-stride last dim). GQA: Hq % Hkv == 0, query head h
// uses kv head h / (Hq / Hkv). Query i sits at key position i + q_offset.
// A query row that sees no key produces zeros.
//
// Keys stored in pages (a paged KV cache) are passed as k_parts / v_parts
// and attended in one call. Results computed separately over disjoint key
// sets can be merged: lse (optional, f32 [B, Tq, Hq], contiguous) receives
// each row's log-sum-exp of its scaled scores (-inf for a row that sees no
// key); with accumulate, out and lse hold the result over other keys on entry
// and the op merges this call's keys into them, so the final out is exactly
// the attention over all of them (up to rounding). accumulate needs lse.
struct AttentionArgs {
  const Tensor* q = nullptr;
  const Tensor* k = nullptr;
  const Tensor* v = nullptr;
  Tensor* out = nullptr;
  float scale = 0.0f;  // 0 = 1/sqrt(D)
  MaskKind mask = MaskKind::kNone;
  int64_t q_offset = 0;
  int64_t window = 0;
  int64_t block_size = 0;
  Tensor* lse = nullptr;
  bool accumulate = false;
  // Keys and values stored in parts (a paged KV cache): when k_parts is not
  // empty, k and v only give the layout (any tensors of the parts' batch,
  // head and dim sizes, e.g. the first part) and the keys are the parts
  // concatenated along T: k_parts[i] [B, n_i, Hkv, D], v_parts[i]
  // [B, n_i, Hkv, Dv] (views ok, unit-stride last dim), same count of parts.
  std::span<const Tensor* const> k_parts;
  std::span<const Tensor* const> v_parts;
};

// out[..., :] = table[ids[...], :]. table [V, D] f32/bf16/f16; ids i32 (any shape);
// out f32 [ids.shape..., D]. An id outside [0, V) is kInvalidArgument.
struct EmbeddingArgs {
  const Tensor* table = nullptr;
  const Tensor* ids = nullptr;
  Tensor* out = nullptr;
};

enum class PoolKind : uint8_t { kAvg = 0, kMax };

// 2-D pooling, NCHW (use H = 1 for 1-D). Padding is implicit zeros for avg
// (counted unless exclude_pad) and -inf for max.
struct Pool2dArgs {
  const Tensor* x = nullptr;
  Tensor* out = nullptr;
  PoolKind kind = PoolKind::kAvg;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  bool exclude_pad = false;
};

// Bilinear resize of x [N, C, H, W] to out [N, C, H2, W2] (PyTorch
// F.interpolate(mode="bilinear", antialias=False) semantics).
struct ResizeBilinearArgs {
  const Tensor* x = nullptr;
  Tensor* out = nullptr;
  bool align_corners = false;
};

// out = concatenation of inputs along axis. All inputs (views ok) match out's
// dtype and every other dim. Any dtype.
struct ConcatArgs {
  std::span<const Tensor* const> inputs;
  Tensor* out = nullptr;
  int axis = 0;
};

// out = x[begin : begin + out.dim(axis) * step : step] along axis. Any dtype.
struct SliceArgs {
  const Tensor* x = nullptr;
  Tensor* out = nullptr;
  int axis = 0;
  int64_t begin = 0;
  int64_t step = 1;
};

// out = index_select(x, axis, indices). indices i32 [K] in [0, x.dim(axis)); any dtype.
struct GatherArgs {
  const Tensor* x = nullptr;
  const Tensor* indices = nullptr;
  Tensor* out = nullptr;
  int axis = 0;
};

// ---- the list -----------------------------------------------------------

#define NMC_OP_LIST(X)                      \
  X(copy, CopyArgs)                         \
  X(matmul, MatmulArgs)                     \
  X(conv1d, Conv1dArgs)                     \
  X(conv2d, Conv2dArgs)                     \
  X(conv_transpose1d, ConvTranspose1dArgs)  \
  X(conv_transpose2d, ConvTranspose2dArgs)  \
  X(unary, UnaryArgs)                       \
  X(binary, BinaryArgs)                     \
  X(snake, SnakeArgs)                       \
  X(gdn, GdnArgs)                           \
  X(layer_norm, LayerNormArgs)              \
  X(rms_norm, RmsNormArgs)                  \
  X(softmax, SoftmaxArgs)                   \
  X(rope, RopeArgs)                         \
  X(attention, AttentionArgs)               \
  X(embedding, EmbeddingArgs)               \
  X(pool2d, Pool2dArgs)                     \
  X(resize_bilinear, ResizeBilinearArgs)    \
  X(concat, ConcatArgs)                     \
  X(slice, SliceArgs)                       \
  X(gather, GatherArgs)

enum class OpId : int {
#define NMC_OP_ENUM_(name, Args) name,
  NMC_OP_LIST(NMC_OP_ENUM_)
#undef NMC_OP_ENUM_
  kCount
};
inline constexpr int kOpCount = static_cast<int>(OpId::kCount);
static_assert(kOpCount == 21, "op list changed: update reference, backends and parity tests");

const char* op_name(OpId id);

// One function pointer per op; a backend leaves an entry null when it has no
// implementation of its own.
struct OpTable {
#define NMC_OP_FIELD_(name, Args) Status (*name)(const Exec&, const Args&) = nullptr;
  NMC_OP_LIST(NMC_OP_FIELD_)
#undef NMC_OP_FIELD_
};

// The scalar reference implementations (single-threaded, f32 accumulate in
// double where it matters). They define correct behaviour for every backend.
namespace reference {
#define NMC_OP_DECL_(name, Args) Status name(const Exec& exec, const Args& args);
NMC_OP_LIST(NMC_OP_DECL_)
#undef NMC_OP_DECL_
const OpTable& table();
}  // namespace reference

// Dispatching entry points: run exec.backend's implementation, falling back to
// the reference on CPU backends when there is none or it declines.
namespace ops {
#define NMC_OP_DECL_(name, Args) Status name(const Exec& exec, const Args& args);
NMC_OP_LIST(NMC_OP_DECL_)
#undef NMC_OP_DECL_
}  // namespace ops

}  // namespace nmc
