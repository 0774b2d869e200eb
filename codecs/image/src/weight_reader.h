// WeightReader: fetches named tensors from a TensorSource and checks their
// presence, dtype and shape, with messages that name the tensor and the model.
#pragma once

#include <string>
#include <string_view>

#include "hyperprior_weights.h"
#include "nmc/kernels/tensor.h"

namespace nmc::image {

class WeightReader {
 public:
  // `prefix` is prepended to every name looked up (e.g. "module."); `context`
  // starts every error message (e.g. "hyperprior mbt2018-mean N=64 M=96").
  WeightReader(const TensorSource& source, std::string prefix, std::string context)
      : source_(source), prefix_(std::move(prefix)), context_(std::move(context)) {}

  void set_context(std::string context) { context_ = std::move(context); }
  const std::string& context() const { return context_; }

  // The tensor's header entry: NotFound when absent.
  Result<const SafetensorsTensorInfo*> info(std::string_view name) const;
  // Tensor `name` with exactly this dtype and shape (InvalidData otherwise). An f32
  // request also accepts f16 / bf16 storage, widened exactly into a new f32 tensor.
  Result<Tensor> get(std::string_view name, DType dtype, const Shape& shape) const;
  // Tensor `name` with this dtype and rank; dims listed in `fixed` (>= 0) must match,
  // -1 entries are free. For buffers whose size depends on training (CDF tables).
  Result<Tensor> get_rank(std::string_view name, DType dtype, const Shape& fixed) const;
  // One f32 value stored as shape [1] or [] (CompressAI's bound / pedestal buffers).
  Result<float> get_scalar(std::string_view name) const;
  // InvalidData "<context>: tensor '<name>' <what>".
  Status invalid(std::string_view name, const std::string& what) const;

 private:
  Result<Tensor> materialise(std::string_view name, const SafetensorsTensorInfo& info) const;

  const TensorSource& source_;
  std::string prefix_;
  std::string context_;
};

}  // namespace nmc::image
