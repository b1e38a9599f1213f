// Prepares mini-batches on worker threads while the caller trains on the previous ones. Workers run pure core
// code only (never PostgreSQL); they start with every signal blocked so that the server's signals keep landing
// on the main thread. Results come back in index order; an exception in a worker is rethrown by next().
#pragma once

#include "common/no_postgres.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace relml {

// Starts a thread running `body` with every signal blocked, restoring the caller's mask afterwards.
// ResourceError when the system refuses the thread.
std::thread start_signal_blocked_thread(std::function<void()> body);

template <typename Batch>
class BatchPrefetcher {
public:
	// Produces make(0) .. make(count - 1) with `threads` workers, at most `depth` batches ahead of next().
	// Zero threads or depth count as one; no more threads start than can have a batch in hand.
	BatchPrefetcher(size_t count, std::function<Batch(size_t)> make, size_t threads = 1, size_t depth = 2);
	// Stops the workers (they finish the batch in hand) and joins them.
	~BatchPrefetcher();

	BatchPrefetcher(const BatchPrefetcher &) = delete;
	BatchPrefetcher &operator=(const BatchPrefetcher &) = delete;

	// The next batch in order, or nothing after the last.
	std::optional<Batch> next();

private:
	// A made batch or the exception that making it threw.
	struct Result {
		std::optional<Batch> batch;
		std::exception_ptr error;
	};

	void work();
	void stop();

	const size_t count_;
	const std::function<Batch(size_t)> make_;
	const size_t depth_;
	std::mutex mutex_;
	std::condition_variable claimable_; // workers wait for room ahead of the consumer
	std::condition_variable delivered_; // the consumer waits for the batch it needs
	size_t next_claim_ = 0;
	size_t next_delivery_ = 0;
	bool stopping_ = false;
	// Batch i waits in slot i % depth: at most `depth` are claimed and not yet delivered, so they never collide,
	// and workers store results without allocating.
	std::vector<std::optional<Result>> slots_;
	std::vector<std::thread> workers_;
};

template <typename Batch>
BatchPrefetcher<Batch>::BatchPrefetcher(size_t count, std::function<Batch(size_t)> make, size_t threads,
                                        size_t depth)
    : count_(count), make_(std::move(make)), depth_(std::max<size_t>(depth, 1)), slots_(depth_) {
	size_t worker_count = std::min({std::max<size_t>(threads, 1), depth_, count_});
	try {
		for (size_t i = 0; i < worker_count; ++i) {
			workers_.push_back(start_signal_blocked_thread([this] { work(); }));
		}
	} catch (...) {
		stop();
		throw;
	}
}

template <typename Batch>
BatchPrefetcher<Batch>::~BatchPrefetcher() {
	stop();
}

// Waits for batch next_delivery_, frees its slot for a worker, and hands it (or its exception) over.
template <typename Batch>
std::optional<Batch> BatchPrefetcher<Batch>::next() {
	std::unique_lock<std::mutex> lock(mutex_);
	if (next_delivery_ >= count_) {
		return std::nullopt;
	}
	std::optional<Result> &slot = slots_[next_delivery_ % depth_];
	delivered_.wait(lock, [&] { return slot.has_value(); });
	Result result = std::move(*slot);
	slot.reset();
	++next_delivery_;
	lock.unlock();
	claimable_.notify_one();
	if (result.error) {
		std::rethrow_exception(result.error);
	}
	return std::move(result.batch);
}

// A worker claims the lowest unclaimed index while there is room ahead of the consumer, so batches come
// out nearly in order and memory stays bounded by `depth` batches.
template <typename Batch>
void BatchPrefetcher<Batch>::work() {
	for (;;) {
		size_t index = 0;
		{
			std::unique_lock<std::mutex> lock(mutex_);
			claimable_.wait(lock, [&] {
				return stopping_ || next_claim_ >= count_ || next_claim_ < next_delivery_ + depth_;
			});
			if (stopping_ || next_claim_ >= count_) {
				return;
			}
			index = next_claim_++;
		}
		Result result;
		try {
			result.batch.emplace(make_(index));
		} catch (...) {
			result.error = std::current_exception();
		}
		{
			std::lock_guard<std::mutex> lock(mutex_);
			slots_[index % depth_].emplace(std::move(result));
		}
		delivered_.notify_one();
	}
}

// Workers see stopping_ before their next claim; the ones inside make() finish that batch first.
template <typename Batch>
void BatchPrefetcher<Batch>::stop() {
	{
		std::lock_guard<std::mutex> lock(mutex_);
		stopping_ = true;
	}
	claimable_.notify_all();
	for (auto &worker : workers_) {
		worker.join();
	}
	workers_.clear();
}

} // namespace relml
