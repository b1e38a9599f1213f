// Prepares mini-batches on worker threads while the caller trains on the previous ones. Workers run pure core
// code only (never PostgreSQL); they start with every signal blocked so that the server's signals keep landing
// on the main thread. Results come back in index order; an exception in a worker is rethrown by next().
#pragma once

#include "common/no_postgres.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace relml {

template <typename Batch>
class BatchPrefetcher {
public:
	// Produces make(0) .. make(count - 1) with `threads` workers, at most `depth` batches ahead of next().
	BatchPrefetcher(size_t count, std::function<Batch(size_t)> make, size_t threads = 1, size_t depth = 2);
	// Stops the workers (they finish the batch in hand) and joins them.
	~BatchPrefetcher();

	// The next batch in order, or nothing after the last.
	std::optional<Batch> next();
};

} // namespace relml
