#include "hyperprior_layers.h"

#include "nmc/kernels/backend.h"
#include "nmc/kernels/buffer_pool.h"

namespace nmc::image {

const Backend& exec_backend(const Exec& exec) { return exec.backend ? *exec.backend : cpu_backend(); }

Result<Tensor> new_feature(const Exec& exec, const Shape& shape) {
  if (!exec.buffers || exec_backend(exec).device() != Device::kCpu) return exec_backend(exec).zeros(shape, DType::kF32);
  // Not zeroed: every caller overwrites all of it, and a 50 MB memset per layer is measurable.
  const HostAllocator pooled = exec.buffers->allocator();
  return Tensor::uninitialized(shape, DType::kF32, &pooled);
}

Result<Tensor> run_conv(const Exec& exec, const ConvLayer& layer, const Tensor& x) {
  const int64_t h = x.dim(2), w = x.dim(3), pad = layer.kernel / 2;
  const int64_t c_out = layer.bias.dim(0);
  int64_t oh, ow;
  if (layer.transposed) {
    // (H - 1) s + k - 2 pad + (s - 1) = H s for k = 2 pad + 1.
    oh = (h - 1) * layer.stride + layer.kernel - 2 * pad + (layer.stride - 1);
    ow = (w - 1) * layer.stride + layer.kernel - 2 * pad + (layer.stride - 1);
  } else {
    oh = (h + 2 * pad - layer.kernel) / layer.stride + 1;
    ow = (w + 2 * pad - layer.kernel) / layer.stride + 1;
  }
  NMC_ASSIGN_OR_RETURN(Tensor out, new_feature(exec, Shape{1, c_out, oh, ow}));
  const int p = static_cast<int>(pad);
  if (layer.transposed) {
    ConvTranspose2dArgs a;
    a.x = &x;
    a.w = &layer.weight;
    a.bias = &layer.bias;
    a.out = &out;
    a.stride_h = a.stride_w = layer.stride;
    a.crop_top = a.crop_bottom = a.crop_left = a.crop_right = p;
    a.output_padding_h = a.output_padding_w = layer.stride - 1;
    NMC_RETURN_IF_ERROR(ops::conv_transpose2d(exec, a));
  } else {
    Conv2dArgs a;
    a.x = &x;
    a.w = &layer.weight;
    a.bias = &layer.bias;
    a.out = &out;
    a.stride_h = a.stride_w = layer.stride;
    a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = p;
    NMC_RETURN_IF_ERROR(ops::conv2d(exec, a));
  }
  return out;
}

Status run_gdn(const Exec& exec, const GdnLayer& layer, Tensor& x) {
  GdnArgs a;
  a.x = &x;
  a.beta = &layer.beta;
  a.gamma = &layer.gamma;
  a.out = &x;
  a.inverse = layer.inverse;
  return ops::gdn(exec, a);
}

Status run_unary(const Exec& exec, UnaryKind kind, float alpha, Tensor& x) {
  UnaryArgs a;
  a.x = &x;
  a.out = &x;
  a.kind = kind;
  a.alpha = alpha;
  return ops::unary(exec, a);
}

Status run_clamp(const Exec& exec, float lo, float hi, Tensor& x) {
  NMC_ASSIGN_OR_RETURN(Tensor bound, exec_backend(exec).zeros(Shape{1}, DType::kF32));
  const float values[2] = {lo, hi};
  const BinaryKind kinds[2] = {BinaryKind::kMax, BinaryKind::kMin};
  for (int i = 0; i < 2; ++i) {
    bound.data<float>()[0] = values[i];  // host backends only (checked by the model)
    BinaryArgs a;
    a.a = &x;
    a.b = &bound;
    a.out = &x;
    a.kind = kinds[i];
    NMC_RETURN_IF_ERROR(ops::binary(exec, a));
  }
  return Status::Ok();
}

Result<Tensor> slice_channels(const Exec& exec, const Tensor& x, int64_t begin, int64_t count) {
  NMC_ASSIGN_OR_RETURN(Tensor view, x.slice(1, begin, begin + count));
  NMC_ASSIGN_OR_RETURN(Tensor out, exec_backend(exec).zeros(view.shape(), DType::kF32));
  CopyArgs a;
  a.src = &view;
  a.dst = &out;
  NMC_RETURN_IF_ERROR(ops::copy(exec, a));
  return out;
}

}  // namespace nmc::image
