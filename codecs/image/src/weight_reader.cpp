#include "weight_reader.h"

namespace nmc::image {

Status WeightReader::invalid(std::string_view name, const std::string& what) const {
  return InvalidData(context_ + ": tensor '" + std::string(name) + "' " + what);
}

Result<const SafetensorsTensorInfo*> WeightReader::info(std::string_view name) const {
  const std::string full = prefix_ + std::string(name);
  const SafetensorsTensorInfo* found = source_.find(full);
  if (!found) return NotFound(context_ + ": missing tensor '" + full + "'");
  return found;
}

Result<Tensor> WeightReader::materialise(std::string_view name, const SafetensorsTensorInfo& info) const {
  NMC_ASSIGN_OR_RETURN(Tensor t, source_.tensor(prefix_ + std::string(name)));
  // Sources hand out contiguous host tensors; anything else is a broken source.
  if (t.device() != Device::kCpu || !t.is_contiguous() || t.dtype() != info.dtype || t.shape() != info.shape)
    return Internal(context_ + ": tensor '" + std::string(name) + "' does not match its header entry");
  return t;
}

namespace {

// f16 / bf16 weights stored by a size-conscious converter, widened exactly to f32.
bool widens_to(DType stored, DType wanted) {
  return wanted == DType::kF32 && (stored == DType::kF16 || stored == DType::kBF16);
}

Result<Tensor> widen_to_f32(const Tensor& t) {
  NMC_ASSIGN_OR_RETURN(Tensor out, Tensor::zeros(t.shape(), DType::kF32));
  const uint16_t* src = t.data<uint16_t>();
  float* dst = out.data<float>();
  const bool half = t.dtype() == DType::kF16;
  for (int64_t i = 0; i < t.numel(); ++i) dst[i] = half ? f16_to_f32(src[i]) : bf16_to_f32(src[i]);
  return out;
}

}  // namespace

Result<Tensor> WeightReader::get(std::string_view name, DType dtype, const Shape& shape) const {
  NMC_ASSIGN_OR_RETURN(const SafetensorsTensorInfo* i, info(name));
  if (widens_to(i->dtype, dtype) && i->shape == shape) {
    NMC_ASSIGN_OR_RETURN(Tensor stored, materialise(name, *i));
    return widen_to_f32(stored);
  }
  if (i->dtype != dtype)
    return invalid(name, std::string("has dtype ") + dtype_name(i->dtype) + ", expected " + dtype_name(dtype));
  if (i->shape != shape)
    return invalid(name, "has shape " + i->shape.to_string() + ", expected " + shape.to_string());
  return materialise(name, *i);
}

Result<Tensor> WeightReader::get_rank(std::string_view name, DType dtype, const Shape& fixed) const {
  NMC_ASSIGN_OR_RETURN(const SafetensorsTensorInfo* i, info(name));
  if (i->dtype != dtype)
    return invalid(name, std::string("has dtype ") + dtype_name(i->dtype) + ", expected " + dtype_name(dtype));
  bool ok = i->shape.rank == fixed.rank;
  for (int d = 0; ok && d < fixed.rank; ++d) ok = fixed[d] < 0 || fixed[d] == i->shape[d];
  if (!ok) {
    std::string want = "[";
    for (int d = 0; d < fixed.rank; ++d)
      want += (d ? ", " : "") + (fixed[d] < 0 ? std::string("*") : std::to_string(fixed[d]));
    return invalid(name, "has shape " + i->shape.to_string() + ", expected " + want + "]");
  }
  return materialise(name, *i);
}

Result<float> WeightReader::get_scalar(std::string_view name) const {
  NMC_ASSIGN_OR_RETURN(const SafetensorsTensorInfo* i, info(name));
  if (i->dtype != DType::kF32)
    return invalid(name, std::string("has dtype ") + dtype_name(i->dtype) + ", expected f32");
  if (i->shape.rank > 1 || i->shape.numel() != 1)
    return invalid(name, "has shape " + i->shape.to_string() + ", expected [1]");
  NMC_ASSIGN_OR_RETURN(Tensor t, materialise(name, *i));
  return t.data<float>()[0];
}

}  // namespace nmc::image
