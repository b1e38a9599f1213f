#include "common/thread_pool.hpp"

#include <csignal>
#include <omp.h>
#include <pthread.h>

namespace relml {

namespace {
int pool_size = 0;
}

void ensure_thread_pool(int threads) {
	if (threads <= pool_size) {
		omp_set_num_threads(threads);
		return;
	}
	sigset_t all;
	sigset_t saved;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	omp_set_num_threads(threads);
#pragma omp parallel num_threads(threads)
	{
		// Starting the team is the point: its threads inherit the blocked mask.
	}
	pthread_sigmask(SIG_SETMASK, &saved, nullptr);
	pool_size = threads;
}

} // namespace relml
