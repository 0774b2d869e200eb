// nmc's own CUDA kernels: elementwise, softmax, norms. Row kernels use one
// block per row with a block-wide reduction; accumulation in f32.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "cuda_kernels.h"

namespace nmc::cuda {
namespace {

constexpr int kThreads = 256;

// Must match nmc::UnaryKind.
enum Unary { kIdentity = 0, kRelu, kGelu, kGeluTanh, kSilu, kElu, kLeakyRelu, kTanh, kSigmoid, kExp, kAbs,
             kSquare, kSqrt, kAffine };
// Must match nmc::BinaryKind.
enum Binary { kAdd = 0, kSub, kMul, kDiv, kMax, kMin };

__device__ float apply_unary(float x, int kind, float alpha, float beta) {
  switch (kind) {
    case kIdentity: return x;
    case kRelu: return x > 0.f ? x : 0.f;
    case kGelu: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case kGeluTanh: return 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    case kSilu: return x / (1.f + expf(-x));
    case kElu: return x > 0.f ? x : alpha * (expf(x) - 1.f);
    case kLeakyRelu: return x > 0.f ? x : alpha * x;
    case kTanh: return tanhf(x);
    case kSigmoid: return 1.f / (1.f + expf(-x));
    case kExp: return expf(x);
    case kAbs: return fabsf(x);
    case kSquare: return x * x;
    case kSqrt: return sqrtf(x);
    case kAffine: return alpha * x + beta;
  }
  return x;
}

__global__ void unary_kernel(const float* x, float* out, int64_t n, int kind, float alpha, float beta) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = apply_unary(x[i], kind, alpha, beta);
}

__global__ void binary_kernel(const float* a, const float* b, float* out, int64_t n, BroadcastIndex bi, int kind) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    int64_t rem = i, boff = 0;
    for (int d = bi.rank - 1; d >= 0; --d) {
      const int64_t idx = rem % bi.out_dims[d];
      rem /= bi.out_dims[d];
      boff += idx * bi.b_strides[d];
    }
    const float x = a[i], y = b[boff];
    float r;
    switch (kind) {
      case kAdd: r = x + y; break;
      case kSub: r = x - y; break;
      case kMul: r = x * y; break;
      case kDiv: r = x / y; break;
      case kMax: r = fmaxf(x, y); break;
      default: r = fminf(x, y); break;
    }
    out[i] = r;
  }
}

// Block-wide sum / max of one value per thread; result valid in every thread.
template <bool kMaxOp>
__device__ float block_reduce(float v) {
  __shared__ float warp_vals[32];
  for (int o = 16; o > 0; o >>= 1) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = kMaxOp ? fmaxf(v, w) : v + w;
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_vals[warp] = v;
  __syncthreads();
  const int nwarps = (blockDim.x + 31) >> 5;
  v = lane < nwarps ? warp_vals[lane] : (kMaxOp ? -INFINITY : 0.f);
  for (int o = 16; o > 0; o >>= 1) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = kMaxOp ? fmaxf(v, w) : v + w;
  }
  __syncthreads();
  return v;
}

__global__ void softmax_kernel(const float* x, float* out, int64_t cols, float scale) {
  const float* xr = x + blockIdx.x * cols;
  float* orow = out + blockIdx.x * cols;
  float m = -INFINITY;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, scale * xr[c]);
  m = block_reduce<true>(m);
  float s = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += expf(scale * xr[c] - m);
  s = block_reduce<false>(s);
  const float inv = 1.f / s;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) orow[c] = expf(scale * xr[c] - m) * inv;
}

__global__ void rms_norm_kernel(const float* x, const float* w, float* out, int64_t cols, float eps) {
  const float* xr = x + blockIdx.x * cols;
  float* orow = out + blockIdx.x * cols;
  float ss = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) ss += xr[c] * xr[c];
  ss = block_reduce<false>(ss);
  const float r = rsqrtf(ss / static_cast<float>(cols) + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) orow[c] = xr[c] * r * (w ? w[c] : 1.f);
}

__global__ void layer_norm_kernel(const float* x, const float* w, const float* b, float* out, int64_t cols,
                                  float eps) {
  const float* xr = x + blockIdx.x * cols;
  float* orow = out + blockIdx.x * cols;
  float s = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += xr[c];
  const float mean = block_reduce<false>(s) / static_cast<float>(cols);
  float v = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) v += (xr[c] - mean) * (xr[c] - mean);
  const float r = rsqrtf(block_reduce<false>(v) / static_cast<float>(cols) + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    orow[c] = (xr[c] - mean) * r * (w ? w[c] : 1.f) + (b ? b[c] : 0.f);
}

__global__ void f32_to_bf16_kernel(const float* x, __nv_bfloat16* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = __float2bfloat16_rn(x[i]);
}

__global__ void add_bias_kernel(float* out, const float* bias, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] += bias[i % cols];
}

unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

int last_error() { return static_cast<int>(cudaGetLastError()); }

}  // namespace

int launch_unary(const float* x, float* out, int64_t n, int kind, float alpha, float beta, void* stream) {
  unary_kernel<<<grid_for(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(x, out, n, kind, alpha, beta);
  return last_error();
}

int launch_binary(const float* a, const float* b, float* out, int64_t n, const BroadcastIndex& bi, int kind,
                  void* stream) {
  binary_kernel<<<grid_for(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(a, b, out, n, bi, kind);
  return last_error();
}

int launch_softmax(const float* x, float* out, int64_t rows, int64_t cols, float scale, void* stream) {
  if (rows == 0) return 0;
  softmax_kernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(x, out, cols, scale);
  return last_error();
}

int launch_rms_norm(const float* x, const float* weight, float* out, int64_t rows, int64_t cols, float eps,
                    void* stream) {
  if (rows == 0) return 0;
  rms_norm_kernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(x, weight, out,
                                                                                                  cols, eps);
  return last_error();
}

int launch_layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t rows,
                      int64_t cols, float eps, void* stream) {
  if (rows == 0) return 0;
  layer_norm_kernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      x, weight, bias, out, cols, eps);
  return last_error();
}

int launch_f32_to_bf16(const float* x, uint16_t* out, int64_t n, void* stream) {
  f32_to_bf16_kernel<<<grid_for(n), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      x, reinterpret_cast<__nv_bfloat16*>(out), n);
  return last_error();
}

int launch_add_bias(float* out, const float* bias, int64_t rows, int64_t cols, void* stream) {
  add_bias_kernel<<<grid_for(rows * cols), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(out, bias, rows, cols);
  return last_error();
}

}  // namespace nmc::cuda
