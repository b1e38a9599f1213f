// run_with_relayed_hooks: host callbacks stay on the calling thread, cancellation reaches the worker, errors
// come back, and the worker runs with signals blocked.
#include "common/error.hpp"
#include "common/hook_relay.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <pthread.h>
#include <thread>
#include <vector>

namespace relml {
namespace {

TEST(HookRelay, ReplaysProgressOnTheCallingThreadInOrder) {
	std::thread::id caller = std::this_thread::get_id();
	std::vector<std::string> messages;
	std::vector<long> steps;
	bool all_on_caller = true;
	RunHooks host;
	host.progress = [&](const std::string &m) {
		all_on_caller = all_on_caller && std::this_thread::get_id() == caller;
		messages.push_back(m);
	};
	host.advance = [&](const std::string &, double, long step) {
		all_on_caller = all_on_caller && std::this_thread::get_id() == caller;
		steps.push_back(step);
	};
	std::thread::id worker_id;
	run_with_relayed_hooks(host, [&](const RunHooks &worker) {
		worker_id = std::this_thread::get_id();
		for (int i = 0; i < 5; ++i) {
			worker.report("epoch " + std::to_string(i));
			worker.step("training", i / 5.0, i);
			worker.poll();
		}
	});
	EXPECT_NE(worker_id, caller);
	EXPECT_TRUE(all_on_caller);
	ASSERT_EQ(messages.size(), 5u);
	EXPECT_EQ(messages.front(), "epoch 0");
	EXPECT_EQ(messages.back(), "epoch 4");
	EXPECT_EQ(steps, (std::vector<long>{0, 1, 2, 3, 4}));
}

TEST(HookRelay, HostCancellationStopsTheWorkerAndIsRethrown) {
	std::atomic<int> host_polls{0};
	RunHooks host;
	host.check_interrupt = [&] {
		if (++host_polls == 3) {
			throw CanceledError("host canceled");
		}
	};
	std::atomic<bool> worker_saw_cancel{false};
	try {
		run_with_relayed_hooks(
		    host,
		    [&](const RunHooks &worker) {
			    try {
				    for (;;) {
					    worker.poll();
					    std::this_thread::sleep_for(std::chrono::milliseconds(1));
				    }
			    } catch (const CanceledError &) {
				    worker_saw_cancel = true;
				    throw;
			    }
		    },
		    5);
		FAIL() << "expected the host's CanceledError";
	} catch (const CanceledError &e) {
		EXPECT_STREQ(e.what(), "host canceled");
	}
	EXPECT_TRUE(worker_saw_cancel);
}

TEST(HookRelay, WorkerErrorsComeBackAfterTheirProgress) {
	std::vector<std::string> messages;
	RunHooks host;
	host.progress = [&](const std::string &m) { messages.push_back(m); };
	EXPECT_THROW(run_with_relayed_hooks(host,
	                                    [](const RunHooks &worker) {
		                                    worker.report("before the error");
		                                    throw InvalidInputError("bad option");
	                                    }),
	             InvalidInputError);
	EXPECT_EQ(messages, std::vector<std::string>{"before the error"});
}

TEST(HookRelay, WorkerRunsWithSignalsBlocked) {
	bool interrupt_blocked = false;
	run_with_relayed_hooks(RunHooks{}, [&](const RunHooks &) {
		sigset_t mask;
		pthread_sigmask(SIG_BLOCK, nullptr, &mask);
		interrupt_blocked = sigismember(&mask, SIGINT) && sigismember(&mask, SIGUSR1) && sigismember(&mask, SIGTERM);
	});
	EXPECT_TRUE(interrupt_blocked);
	sigset_t mask;
	pthread_sigmask(SIG_BLOCK, nullptr, &mask);
	EXPECT_FALSE(sigismember(&mask, SIGINT)); // the caller's mask is untouched
}

} // namespace
} // namespace relml
