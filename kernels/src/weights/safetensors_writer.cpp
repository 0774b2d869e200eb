// safetensors writer: header layout, tensor ordering and byte gathering.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "nmc/kernels/safetensors.h"
#include "safetensors_header.h"

namespace nmc {

namespace {

using ByteSink = std::function<Status(const void* data, size_t bytes)>;

Status check_inputs(const NamedTensors& tensors) {
  std::set<std::string_view> seen;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") return InvalidArgument("a tensor cannot be named __metadata__");
    if (!seen.insert(name).second)
      return InvalidArgument("duplicate tensor name " + weights::quote_name(name));
    if (!t.defined()) return InvalidArgument("tensor " + weights::quote_name(name) + " is undefined");
    if (t.device() != Device::kCpu)
      return InvalidArgument("tensor " + weights::quote_name(name) + " is not a host tensor");
  }
  return Status::Ok();
}

// Rank of a dtype in the reference implementation's Dtype enum (its derived
// ordering: BOOL < U8 < I8 < I16 < F16 < BF16 < I32 < F32 < F64 < I64).
int reference_dtype_rank(DType t) {
  switch (t) {
    case DType::kBool: return 0;
    case DType::kU8: return 1;
    case DType::kI8: return 2;
    case DType::kI16: return 3;
    case DType::kF16: return 4;
    case DType::kBF16: return 5;
    case DType::kI32: return 6;
    case DType::kF32: return 7;
    case DType::kF64: return 8;
    case DType::kI64: return 9;
  }
  return 0;
}

// Tensor order of the reference writer: dtype rank descending, then name.
// The rank grows with the element size, so each tensor starts aligned to its
// element size once the header is padded to a multiple of 8.
std::vector<size_t> write_order(const NamedTensors& tensors) {
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int ra = reference_dtype_rank(tensors[a].second.dtype());
    const int rb = reference_dtype_rank(tensors[b].second.dtype());
    return ra != rb ? ra > rb : tensors[a].first < tensors[b].first;
  });
  return order;
}

Result<std::string> build_header(const NamedTensors& tensors, const std::vector<size_t>& order,
                                 const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (size_t i : order) {
    const Tensor& t = tensors[i].second;
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = dtype_safetensors_name(t.dtype());
    entry["shape"] = nlohmann::ordered_json::array();
    for (int d = 0; d < t.rank(); ++d) entry["shape"].push_back(t.dim(d));
    entry["data_offsets"] = {offset, offset + t.nbytes()};
    offset += t.nbytes();
    header[tensors[i].first] = std::move(entry);
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("a tensor name or metadata string is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// Emits the bytes of `t` in row-major order (gathering strided tensors).
Status emit_tensor(const Tensor& t, const ByteSink& sink) {
  if (t.numel() == 0) return Status::Ok();
  const size_t esize = dtype_size(t.dtype());
  const int rank = t.rank();
  if (rank == 0 || t.is_contiguous()) return sink(t.raw(), t.nbytes());
  const int64_t inner = t.dim(rank - 1);
  const bool inner_dense = t.stride(rank - 1) == 1;
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  const auto* base = static_cast<const uint8_t*>(t.raw());
  while (true) {
    int64_t off = 0;
    for (int d = 0; d + 1 < rank; ++d) off += idx[static_cast<size_t>(d)] * t.stride(d);
    if (inner_dense) {
      NMC_RETURN_IF_ERROR(sink(base + off * static_cast<int64_t>(esize), static_cast<size_t>(inner) * esize));
    } else {
      for (int64_t j = 0; j < inner; ++j)
        NMC_RETURN_IF_ERROR(sink(base + (off + j * t.stride(rank - 1)) * static_cast<int64_t>(esize), esize));
    }
    int d = rank - 2;
    while (d >= 0 && ++idx[static_cast<size_t>(d)] == t.dim(d)) idx[static_cast<size_t>(d--)] = 0;
    if (d < 0) return Status::Ok();
  }
}

Status serialize_to(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata,
                    const ByteSink& sink) {
  NMC_RETURN_IF_ERROR(check_inputs(tensors));
  const std::vector<size_t> order = write_order(tensors);
  NMC_ASSIGN_OR_RETURN(std::string header, build_header(tensors, order, metadata));
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  NMC_RETURN_IF_ERROR(sink(len, sizeof(len)));
  NMC_RETURN_IF_ERROR(sink(header.data(), header.size()));
  for (size_t i : order) NMC_RETURN_IF_ERROR(emit_tensor(tensors[i].second, sink));
  return Status::Ok();
}

}  // namespace

Result<std::vector<uint8_t>> serialize_safetensors(const NamedTensors& tensors,
                                                   const std::map<std::string, std::string>& metadata) {
  std::vector<uint8_t> out;
  NMC_RETURN_IF_ERROR(serialize_to(tensors, metadata, [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
    return Status::Ok();
  }));
  return out;
}

Status write_safetensors(const std::string& path, const NamedTensors& tensors,
                         const std::map<std::string, std::string>& metadata) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return IoError("cannot create " + tmp);
  Status st = serialize_to(tensors, metadata, [&](const void* p, size_t n) {
    if (std::fwrite(p, 1, n, f) != n) return IoError("cannot write " + tmp);
    return Status::Ok();
  });
  if (std::fclose(f) != 0 && st.ok()) st = IoError("cannot write " + tmp);
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) st = IoError("cannot rename " + tmp + " to " + path);
  if (!st.ok()) std::remove(tmp.c_str());
  return st;
}

}  // namespace nmc
