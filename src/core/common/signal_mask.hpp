// Threads that a library starts inherit the signal mask of the thread that starts them. PostgreSQL's signal
// handlers must only ever run on the main thread, so code that may start threads (loading LibTorch, a TCP
// store's server, Gloo's connections) runs with every signal blocked.
#pragma once

#include "common/no_postgres.hpp"

#include <csignal>
#include <pthread.h>

namespace relml {

// Blocks every signal for its lifetime, then restores the previous mask.
class AllSignalsBlocked {
public:
	AllSignalsBlocked() {
		sigset_t all;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &previous_);
	}
	~AllSignalsBlocked() {
		pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
	}
	AllSignalsBlocked(const AllSignalsBlocked &) = delete;
	AllSignalsBlocked &operator=(const AllSignalsBlocked &) = delete;

private:
	sigset_t previous_;
};

} // namespace relml
