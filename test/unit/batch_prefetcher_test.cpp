#include "common/error.hpp"
#include "graph/batch_prefetcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <string>
#include <thread>
#include <vector>

namespace relml {
namespace {

using Clock = std::chrono::steady_clock;

void sleep_ms(int ms) {
	std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

TEST(BatchPrefetcherTest, DeliversEveryBatchInOrder) {
	for (size_t threads : {1, 3}) {
		// Later batches finish first on several threads: the order must not depend on it.
		BatchPrefetcher<std::string> prefetcher(
		    12,
		    [](size_t index) {
			    sleep_ms(static_cast<int>((12 - index) % 4));
			    return "batch " + std::to_string(index);
		    },
		    threads, 3);
		for (size_t i = 0; i < 12; ++i) {
			auto batch = prefetcher.next();
			ASSERT_TRUE(batch.has_value());
			EXPECT_EQ(*batch, "batch " + std::to_string(i));
		}
		EXPECT_FALSE(prefetcher.next().has_value());
		EXPECT_FALSE(prefetcher.next().has_value());
	}
}

TEST(BatchPrefetcherTest, NothingToMake) {
	BatchPrefetcher<int> prefetcher(0, [](size_t) -> int { throw InternalError("never called"); }, 2, 2);
	EXPECT_FALSE(prefetcher.next().has_value());
}

TEST(BatchPrefetcherTest, StaysAtMostDepthAhead) {
	const size_t kDepth = 2;
	std::atomic<size_t> requested{0};
	std::atomic<bool> too_far{false};
	BatchPrefetcher<size_t> prefetcher(
	    20,
	    [&](size_t index) {
		    if (index >= requested.load() + kDepth) {
			    too_far = true;
		    }
		    return index;
	    },
	    4, kDepth);
	sleep_ms(20);
	for (size_t i = 0; i < 20; ++i) {
		++requested;
		EXPECT_EQ(prefetcher.next(), std::optional<size_t>(i));
		sleep_ms(1);
	}
	EXPECT_FALSE(too_far.load());
}

TEST(BatchPrefetcherTest, ExceptionsComeBackInOrder) {
	BatchPrefetcher<int> prefetcher(
	    5,
	    [](size_t index) {
		    if (index == 2) {
			    throw InvalidInputError("bad batch 2");
		    }
		    return static_cast<int>(index);
	    },
	    2, 2);
	EXPECT_EQ(prefetcher.next(), std::optional<int>(0));
	EXPECT_EQ(prefetcher.next(), std::optional<int>(1));
	try {
		prefetcher.next();
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &e) {
		EXPECT_STREQ(e.what(), "bad batch 2");
	}
	EXPECT_EQ(prefetcher.next(), std::optional<int>(3));
	EXPECT_EQ(prefetcher.next(), std::optional<int>(4));
	EXPECT_FALSE(prefetcher.next().has_value());
}

TEST(BatchPrefetcherTest, StopsPromptlyWhenTheConsumerStopsEarly) {
	std::atomic<size_t> made{0};
	auto start = Clock::now();
	{
		BatchPrefetcher<size_t> prefetcher(
		    10000,
		    [&](size_t index) {
			    sleep_ms(5);
			    ++made;
			    return index;
		    },
		    2, 3);
		EXPECT_EQ(prefetcher.next(), std::optional<size_t>(0));
		EXPECT_EQ(prefetcher.next(), std::optional<size_t>(1));
	}
	EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
	EXPECT_LE(made.load(), 2u + 3u);
}

TEST(BatchPrefetcherTest, DestroyedWhileWorkersAreBusy) {
	std::atomic<int> started{0};
	std::atomic<int> finished{0};
	{
		BatchPrefetcher<std::vector<int>> prefetcher(
		    100,
		    [&](size_t index) {
			    ++started;
			    sleep_ms(50);
			    ++finished;
			    return std::vector<int>(1000, static_cast<int>(index));
		    },
		    3, 3);
		while (started.load() == 0) {
			sleep_ms(1);
		}
	}
	// Every batch begun was finished before the workers were joined, and none began after.
	EXPECT_EQ(started.load(), finished.load());
	EXPECT_LE(started.load(), 3);
}

TEST(BatchPrefetcherTest, WorkersRunWithSignalsBlocked) {
	sigset_t before;
	pthread_sigmask(SIG_BLOCK, nullptr, &before);
	ASSERT_FALSE(sigismember(&before, SIGINT));
	BatchPrefetcher<std::vector<bool>> prefetcher(
	    1,
	    [](size_t) {
		    sigset_t mask;
		    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
		    return std::vector<bool>{sigismember(&mask, SIGINT) == 1, sigismember(&mask, SIGTERM) == 1,
		                             sigismember(&mask, SIGUSR1) == 1, sigismember(&mask, SIGALRM) == 1};
	    },
	    1, 1);
	EXPECT_EQ(prefetcher.next(), std::optional<std::vector<bool>>(std::vector<bool>(4, true)));
	sigset_t after;
	pthread_sigmask(SIG_BLOCK, nullptr, &after);
	EXPECT_FALSE(sigismember(&after, SIGINT));
	EXPECT_FALSE(sigismember(&after, SIGTERM));
}

} // namespace
} // namespace relml
