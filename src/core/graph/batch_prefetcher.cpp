#include "graph/batch_prefetcher.hpp"

#include "common/error.hpp"

#include <csignal>
#include <pthread.h>
#include <system_error>

namespace relml {

// A signal delivered to a worker would run PostgreSQL's handler off the main thread, where it must never run:
// blocking them all while the thread starts makes it inherit a mask that keeps them on the main thread.
std::thread start_signal_blocked_thread(std::function<void()> body) {
	sigset_t all;
	sigset_t saved;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	try {
		std::thread thread(std::move(body));
		pthread_sigmask(SIG_SETMASK, &saved, nullptr);
		return thread;
	} catch (const std::system_error &error) {
		pthread_sigmask(SIG_SETMASK, &saved, nullptr);
		throw ResourceError(std::string("could not start a batch prefetch thread: ") + error.what());
	}
}

} // namespace relml
