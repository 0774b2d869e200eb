// Launchers for nmc's own CUDA kernels (cuda_ops.cu). Plain types only, so the
// .cu file does not depend on the rest of the core. All pointers are device
// pointers; launches go to `stream` and return the cudaError_t as int (0 = ok).
#pragma once

#include <cstdint>

namespace nmc::cuda {

inline constexpr int kMaxDims = 8;

// Broadcast description: out has `rank` dims; b_strides are b's element strides
// aligned to out's dims (0 where b is broadcast).
struct BroadcastIndex {
  int rank = 0;
  int64_t out_dims[kMaxDims] = {};
  int64_t b_strides[kMaxDims] = {};
};

// kind: nmc::UnaryKind / nmc::BinaryKind values.
int launch_unary(const float* x, float* out, int64_t n, int kind, float alpha, float beta, void* stream);
int launch_binary(const float* a, const float* b, float* out, int64_t n, const BroadcastIndex& bi, int kind,
                  void* stream);
int launch_softmax(const float* x, float* out, int64_t rows, int64_t cols, float scale, void* stream);
int launch_rms_norm(const float* x, const float* weight, float* out, int64_t rows, int64_t cols, float eps,
                    void* stream);
int launch_layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t rows,
                      int64_t cols, float eps, void* stream);
// f32 -> bf16 (round to nearest even) elementwise.
int launch_f32_to_bf16(const float* x, uint16_t* out, int64_t n, void* stream);
// out[r, :] += bias[:] for rows x cols.
int launch_add_bias(float* out, const float* bias, int64_t rows, int64_t cols, void* stream);

}  // namespace nmc::cuda
