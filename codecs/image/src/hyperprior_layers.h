// Layer runners for the hyperprior transforms: each allocates its output on
// the Exec's backend (or transforms in place where stated) and calls nmc::ops.
#pragma once

#include "hyperprior_weights.h"
#include "nmc/kernels/ops.h"

namespace nmc::image {

// The backend an Exec runs on (cpu when unset).
const Backend& exec_backend(const Exec& exec);
// An f32 tensor on exec's backend for a layer to overwrite completely: zeroed, or
// with unspecified contents when drawn from exec.buffers (host backends).
Result<Tensor> new_feature(const Exec& exec, const Shape& shape);

// Conv2d (padding k/2) or ConvTranspose2d (crop k/2, output_padding stride-1).
// x [1, C_in, H, W] -> new [1, C_out, H', W'].
Result<Tensor> run_conv(const Exec& exec, const ConvLayer& layer, const Tensor& x);
// GDN / IGDN: x -> new tensor of the same shape.
// GDN / IGDN in place.
Status run_gdn(const Exec& exec, const GdnLayer& layer, Tensor& x);
// In place: x = f(x) for ReLU, LeakyReLU(alpha), Abs.
Status run_unary(const Exec& exec, UnaryKind kind, float alpha, Tensor& x);
// In place: x = min(max(x, lo), hi) (torch.clamp; NaN handling as ops::binary kMax / kMin).
Status run_clamp(const Exec& exec, float lo, float hi, Tensor& x);
// New contiguous tensor with channels [begin, begin + count) of x [1, C, H, W].
Result<Tensor> slice_channels(const Exec& exec, const Tensor& x, int64_t begin, int64_t count);

}  // namespace nmc::image
