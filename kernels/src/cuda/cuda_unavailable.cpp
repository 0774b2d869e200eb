// Build without CUDA: the backend query reports why it is absent.
#include "nmc/kernels/backend.h"

namespace nmc {
const Backend* cuda_backend() { return nullptr; }
std::string cuda_unavailable_reason() { return "nmc was built without CUDA"; }
}  // namespace nmc
