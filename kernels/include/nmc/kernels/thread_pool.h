// ThreadPool: a fixed set of worker threads for CPU kernels.
//
// parallel_for splits [0, n) into contiguous chunks of at least `grain` items
// and runs fn(begin, end) on the workers and the calling thread; it returns
// when all chunks are done. Chunk boundaries depend only on (n, grain,
// num_threads()), so a kernel that writes disjoint outputs per index is
// deterministic. One parallel_for at a time per pool (a pool belongs to one
// context, which is used by one thread at a time); nested calls run serially.
// If fn throws, the remaining chunks still run to completion and the first
// exception is rethrown on the calling thread (no worker terminates).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nmc {

class ThreadPool {
 public:
  static constexpr int kMaxThreads = 1024;
  // num_threads <= 0: hardware concurrency; at most kMaxThreads. The calling
  // thread counts as one. Throws std::system_error if threads cannot be created.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);
  void run_chunk(const std::function<void(int64_t, int64_t)>& fn, int64_t begin, int64_t end);

  int num_threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 0;
  int64_t num_chunks_ = 0;
  int64_t next_chunk_ = 0;
  int64_t chunks_done_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  bool busy_ = false;
  std::exception_ptr error_;
};

// Runs fn over [0, n) on `pool`, or serially when pool is null.
void parallel_for(ThreadPool* pool, int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace nmc
