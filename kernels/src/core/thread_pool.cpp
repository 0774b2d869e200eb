#include "nmc/kernels/thread_pool.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace nmc {

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  num_threads_ = std::min(num_threads, kMaxThreads);
  try {
    for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  } catch (...) {
    // Thread creation failed part-way: stop and join what was started, then report.
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_work_.notify_all();
    for (auto& t : workers_) t.join();
    throw;
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : workers_) t.join();
}

// Runs one chunk; the first exception of a parallel_for is kept for the caller.
void ThreadPool::run_chunk(const std::function<void(int64_t, int64_t)>& fn, int64_t b, int64_t e) {
  try {
    fn(b, e);
  } catch (...) {
    std::lock_guard<std::mutex> lk(mu_);
    if (!error_) error_ = std::current_exception();
  }
}

void ThreadPool::worker_loop(int) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_work_.wait(lk, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    for (;;) {
      if (next_chunk_ >= num_chunks_) break;
      const int64_t c = next_chunk_++;
      const auto* fn = fn_;
      const int64_t b = c * chunk_, e = std::min(n_, b + chunk_);
      lk.unlock();
      run_chunk(*fn, b, e);
      lk.lock();
      if (++chunks_done_ == num_chunks_) cv_done_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_chunks = (n + grain - 1) / grain;
  const int64_t chunks = std::min<int64_t>(max_chunks, num_threads_);
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (chunks <= 1 || busy_ || workers_.empty()) {
      lk.unlock();
      fn(0, n);
      return;
    }
    busy_ = true;
    error_ = nullptr;
    fn_ = &fn;
    n_ = n;
    chunk_ = (n + chunks - 1) / chunks;
    num_chunks_ = (n + chunk_ - 1) / chunk_;
    next_chunk_ = 0;
    chunks_done_ = 0;
    ++generation_;
  }
  cv_work_.notify_all();
  std::unique_lock<std::mutex> lk(mu_);
  while (next_chunk_ < num_chunks_) {
    const int64_t c = next_chunk_++;
    const int64_t b = c * chunk_, e = std::min(n_, b + chunk_);
    lk.unlock();
    run_chunk(fn, b, e);
    lk.lock();
    ++chunks_done_;
  }
  // Every chunk has finished (even after an exception), so `fn` is no longer in use.
  cv_done_.wait(lk, [&] { return chunks_done_ == num_chunks_; });
  busy_ = false;
  fn_ = nullptr;
  std::exception_ptr err = std::exchange(error_, nullptr);
  lk.unlock();
  if (err) std::rethrow_exception(err);
}

void parallel_for(ThreadPool* pool, int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (pool) {
    pool->parallel_for(n, grain, fn);
  } else if (n > 0) {
    fn(0, n);
  }
}

}  // namespace nmc
