#include "cpu_dense_dnnl.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <omp.h>

#include "nmc/kernels/thread_pool.h"

namespace nmc::cpu::dnnl_util {

const dnnl::engine& engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

int exec_threads(const Exec& exec) { return exec.pool ? exec.pool->num_threads() : 1; }

ScopedOmpThreads::ScopedOmpThreads(int n) : previous_(omp_get_max_threads()) { omp_set_num_threads(n < 1 ? 1 : n); }
ScopedOmpThreads::~ScopedOmpThreads() { omp_set_num_threads(previous_); }

namespace {
constexpr size_t kMaxEntries = 512;
std::mutex g_mu;
std::unordered_map<std::string, std::shared_ptr<const void>>& cache() {
  static auto* c = new std::unordered_map<std::string, std::shared_ptr<const void>>();
  return *c;
}
}  // namespace

std::shared_ptr<const void> cached_any(const std::string& key,
                                       const std::function<std::shared_ptr<const void>()>& make) {
  {
    std::lock_guard<std::mutex> lk(g_mu);
    auto it = cache().find(key);
    if (it != cache().end()) return it->second;
  }
  // Built outside the lock: two threads may build the same entry; one wins.
  std::shared_ptr<const void> v = make();
  std::lock_guard<std::mutex> lk(g_mu);
  if (cache().size() >= kMaxEntries) cache().clear();
  auto [it, inserted] = cache().emplace(key, v);
  return it->second;
}

dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

TempBuffer::TempBuffer(HostBufferPool* pool, size_t bytes) : pool_(pool) {
  const size_t n = bytes == 0 ? 1 : bytes;
  p_ = pool ? pool->acquire(n) : std::aligned_alloc(HostBufferPool::kAlignment, (n + 63) / 64 * 64);
  if (!p_) throw std::bad_alloc();
}

TempBuffer::~TempBuffer() {
  if (pool_) {
    pool_->release(p_);
  } else {
    std::free(p_);
  }
}

void execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratchpad,
             std::unordered_map<int, dnnl::memory> args, HostBufferPool* pool) {
  dnnl::stream s(engine());
  std::optional<TempMemory> scratch;
  if (scratchpad.get_size() > 0) {
    scratch.emplace(pool, scratchpad);
    args.emplace(DNNL_ARG_SCRATCHPAD, scratch->get());
  }
  prim.execute(s, args);
  s.wait();
}

}  // namespace nmc::cpu::dnnl_util
