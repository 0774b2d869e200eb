// Fuzz target: SafetensorsFile::open_from_memory on arbitrary bytes, then
// every tensor of an accepted file is loaded and read in full.
// Invariants checked (abort on violation so the fuzzer reports them):
//   - a rejected input has a non-ok code and a non-empty message;
//   - every tensor of an accepted input loads, has the declared dtype and
//     shape, and its byte size equals its data_offsets span;
//   - the tensors' sizes add up to the data area.
#include <cstdint>
#include <cstdlib>

#include "nmc/kernels/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = nmc::SafetensorsFile::open_from_memory({data, size});
  if (!file.ok()) {
    if (file.status().code() == nmc::StatusCode::kOk || file.status().message().empty()) std::abort();
    return 0;
  }
  uint64_t total = 0;
  unsigned checksum = 0;
  for (const auto& info : file->tensors()) {
    auto t = file->tensor(info.name);
    if (!t.ok()) std::abort();
    if (t->dtype() != info.dtype || t->shape() != info.shape || t->nbytes() != info.nbytes()) std::abort();
    const auto* bytes = static_cast<const uint8_t*>(t->raw());
    for (size_t i = 0; i < t->nbytes(); ++i) checksum += bytes[i];  // reads every byte (ASan checks bounds)
    total += info.nbytes();
  }
  if (total != file->data_bytes()) std::abort();
  // Keep the checksum observable so the reads are not optimised away.
  volatile unsigned sink = checksum;
  (void)sink;
  return 0;
}
