// OpenMP threads for XGBoost (and later LibTorch) are created lazily in the backend that trains, never in
// the postmaster, and with every signal blocked so that PostgreSQL's signals keep landing on the main thread.
#pragma once

#include "common/no_postgres.hpp"

namespace relml {

// Makes sure a pool of `threads` OpenMP workers exists, created with all signals blocked. Cheap after the
// first call with the same or a smaller count.
void ensure_thread_pool(int threads);

} // namespace relml
