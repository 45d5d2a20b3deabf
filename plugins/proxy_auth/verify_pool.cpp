#include "verify_pool.hpp"

#include <utility>

namespace proxy::plugins::proxy_auth {
namespace {

VerifyOutcome outcome_of(CheckResult result) {
  switch (result) {
    case CheckResult::match:
      return VerifyOutcome::match;
    case CheckResult::mismatch:
      return VerifyOutcome::mismatch;
    case CheckResult::error:
      break;
  }
  return VerifyOutcome::error;
}

}  // namespace

VerifyPool::VerifyPool(std::size_t threads, std::size_t max_queued, CheckFn check)
    : max_queued_(max_queued), check_(std::move(check)) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
  }
}

VerifyPool::~VerifyPool() {
  std::deque<Job> left;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    left.swap(queue_);
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    thread.join();
  }
  for (Job& job : left) {
    wipe(job.password);
    job.done(VerifyOutcome::cancelled);
  }
}

bool VerifyPool::submit(std::string password, std::string hash, VerifyDone done) {
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < max_queued_) {
      queue_.push_back(Job{std::move(password), std::move(hash), std::move(done)});
      wake_.notify_one();
      return true;
    }
  }
  wipe(password);
  return false;
}

std::size_t VerifyPool::queued() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void VerifyPool::run() {
  CryptScratch scratch;  // this thread's, for its whole life
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    VerifyOutcome outcome = VerifyOutcome::error;
    try {
      outcome = outcome_of(check_(job.password, job.hash, scratch));
    } catch (...) {
      outcome = VerifyOutcome::error;  // a failed check admits nobody
    }
    wipe(job.password);
    try {
      job.done(outcome);
    } catch (...) {
      // The callback's own failure must not end the thread (and the process with it).
    }
  }
}

}  // namespace proxy::plugins::proxy_auth
