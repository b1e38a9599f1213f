// Runs long core work on a thread of its own while the calling (PostgreSQL main) thread relays its hooks:
// the worker's poll() reads a flag that the caller sets when its own poll() throws, and the worker's report()
// and step() calls are queued and replayed by the caller. So no host call ever happens off the calling thread,
// and the worker thread (with every thread it starts: LibTorch, BLAS) is created with all signals blocked.
#pragma once

#include "common/hooks.hpp"
#include "common/no_postgres.hpp"

#include <functional>

namespace relml {

// Calls work(worker_hooks) on a new thread and waits for it, calling host.poll() every `poll_ms` and replaying
// queued progress. If host.poll() throws, the worker is told to stop (its poll() throws CanceledError), joined,
// and the host's exception is rethrown; an exception of the worker is rethrown after its progress is replayed.
void run_with_relayed_hooks(const RunHooks &host, const std::function<void(const RunHooks &worker_hooks)> &work,
                            int poll_ms = 50);

} // namespace relml
