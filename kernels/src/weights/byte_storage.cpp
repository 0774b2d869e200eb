#include "byte_storage.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace nmc::weights {

namespace {

Status errno_status(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return NotFound(std::move(msg));
  return IoError(std::move(msg));
}

// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::shared_ptr<Storage>> map_file_readonly(const std::string& path, uint64_t min_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path, errno);
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_status("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return IoError(path + " is not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < min_bytes)
    return InvalidData(path + " has " + std::to_string(size) + " bytes, fewer than the " +
                       std::to_string(min_bytes) + " a valid file needs");
  void* p = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return errno_status("cannot map", path, errno);
  auto storage = std::make_shared<Storage>();
  storage->data = p;
  storage->bytes = static_cast<size_t>(size);
  storage->device = Device::kCpu;
  storage->release = [len = storage->bytes](void* q) { ::munmap(q, len); };
  return storage;
}

Result<std::shared_ptr<Storage>> copy_to_storage(std::span<const uint8_t> bytes) {
  static constexpr std::align_val_t kAlign{64};
  void* p = nullptr;
  try {
    p = ::operator new(bytes.size() == 0 ? 1 : bytes.size(), kAlign);
  } catch (const std::bad_alloc&) {
    return OutOfMemory("cannot allocate " + std::to_string(bytes.size()) + " bytes for a file copy");
  }
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  auto storage = std::make_shared<Storage>();
  storage->data = p;
  storage->bytes = bytes.size();
  storage->device = Device::kCpu;
  storage->release = [](void* q) { ::operator delete(q, kAlign); };
  return storage;
}

}  // namespace nmc::weights
