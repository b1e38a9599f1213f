#include "common/hook_relay.hpp"

#include "common/error.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <exception>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <variant>

namespace relml {

namespace {

struct Report {
	std::string message;
};
struct Step {
	std::string phase;
	double fraction;
	long step;
};

// What the worker hands to the host thread.
struct Relay {
	std::mutex mutex;
	std::condition_variable changed;
	std::deque<std::variant<Report, Step>> events;
	bool done = false;
	std::exception_ptr error;
	std::atomic<bool> stop{false};
};

// Replays queued events on the host thread; host callbacks run without the lock held.
void replay(Relay &relay, const RunHooks &host) {
	std::deque<std::variant<Report, Step>> events;
	{
		std::lock_guard<std::mutex> lock(relay.mutex);
		events.swap(relay.events);
	}
	for (auto &event : events) {
		if (auto *report = std::get_if<Report>(&event)) {
			host.report(report->message);
		} else {
			auto &step = std::get<Step>(event);
			host.step(step.phase, step.fraction, step.step);
		}
	}
}

// Starts the worker with every signal blocked; the mask is inherited by the threads it creates.
std::thread start_blocked(std::function<void()> body) {
	sigset_t all;
	sigset_t previous;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &previous);
	std::thread thread;
	try {
		thread = std::thread(std::move(body));
	} catch (...) {
		pthread_sigmask(SIG_SETMASK, &previous, nullptr);
		throw;
	}
	pthread_sigmask(SIG_SETMASK, &previous, nullptr);
	return thread;
}

} // namespace

void run_with_relayed_hooks(const RunHooks &host, const std::function<void(const RunHooks &worker_hooks)> &work,
                            int poll_ms) {
	Relay relay;
	RunHooks worker;
	worker.check_interrupt = [&relay] {
		if (relay.stop.load()) {
			throw CanceledError("canceling relml work on request");
		}
	};
	worker.progress = [&relay](const std::string &message) {
		std::lock_guard<std::mutex> lock(relay.mutex);
		relay.events.push_back(Report{message});
		relay.changed.notify_one();
	};
	worker.advance = [&relay](const std::string &phase, double fraction, long step) {
		std::lock_guard<std::mutex> lock(relay.mutex);
		relay.events.push_back(Step{phase, fraction, step});
		relay.changed.notify_one();
	};
	std::thread thread = start_blocked([&relay, &worker, &work] {
		std::exception_ptr error;
		try {
			work(worker);
		} catch (...) {
			error = std::current_exception();
		}
		std::lock_guard<std::mutex> lock(relay.mutex);
		relay.error = error;
		relay.done = true;
		relay.changed.notify_one();
	});
	std::exception_ptr host_error;
	for (;;) {
		{
			std::unique_lock<std::mutex> lock(relay.mutex);
			relay.changed.wait_for(lock, std::chrono::milliseconds(poll_ms),
			                       [&relay] { return relay.done || !relay.events.empty(); });
			if (relay.done) {
				break;
			}
		}
		if (host_error) {
			continue; // canceled: wait for the worker to notice
		}
		try {
			replay(relay, host);
			host.poll();
		} catch (...) {
			host_error = std::current_exception();
			relay.stop.store(true);
		}
	}
	thread.join();
	if (host_error) {
		std::rethrow_exception(host_error);
	}
	replay(relay, host);
	if (relay.error) {
		std::rethrow_exception(relay.error);
	}
}

} // namespace relml
