#include "task/late_observation.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace relml {
namespace {

constexpr EpochMicros kDay = 86400LL * 1000000LL;

TEST(LateObservationTest, LargestLagPastTheCutoff) {
	EXPECT_EQ(largest_observation_lag({}, 100 * kDay), 0);
	EXPECT_EQ(largest_observation_lag({90 * kDay, 100 * kDay}, 100 * kDay), 0);
	EXPECT_EQ(largest_observation_lag({90 * kDay, 130 * kDay, 110 * kDay}, 100 * kDay), 30 * kDay);
}

// About the fraction asked, each observed within the lag before its seed time and never after the cutoff.
TEST(LateObservationTest, CopiesAreObservedEarlierWithinTheLag) {
	std::vector<EpochMicros> times;
	for (int i = 0; i < 10000; ++i) {
		times.push_back((i % 200) * kDay);
	}
	const EpochMicros cutoff = 150 * kDay;
	const std::vector<LateCopy> copies = late_observed_copies(times, cutoff, 40 * kDay, 0.5, 7);
	EXPECT_NEAR(double(copies.size()), 5000.0, 200.0);
	size_t previous = 0;
	EpochMicros longest = 0;
	for (size_t i = 0; i < copies.size(); ++i) {
		const LateCopy &copy = copies[i];
		ASSERT_LT(copy.source, times.size());
		if (i > 0) {
			ASSERT_GT(copy.source, previous) << "each training row is copied at most once, in order";
		}
		previous = copy.source;
		ASSERT_LE(copy.obs_time, cutoff);
		ASSERT_LT(copy.obs_time, times[copy.source]);
		if (times[copy.source] <= cutoff) {
			ASSERT_GE(copy.obs_time, times[copy.source] - 40 * kDay);
			longest = std::max(longest, times[copy.source] - copy.obs_time);
		}
	}
	EXPECT_GT(longest, 39 * kDay) << "lags spread up to the largest";
}

TEST(LateObservationTest, SameSeedSameCopies) {
	const std::vector<EpochMicros> times(1000, 50 * kDay);
	const auto a = late_observed_copies(times, 60 * kDay, 10 * kDay, 0.3, 1);
	const auto b = late_observed_copies(times, 60 * kDay, 10 * kDay, 0.3, 1);
	const auto c = late_observed_copies(times, 60 * kDay, 10 * kDay, 0.3, 2);
	ASSERT_EQ(a.size(), b.size());
	for (size_t i = 0; i < a.size(); ++i) {
		EXPECT_EQ(a[i].source, b[i].source);
		EXPECT_EQ(a[i].obs_time, b[i].obs_time);
	}
	bool differs = a.size() != c.size();
	for (size_t i = 0; !differs && i < a.size(); ++i) {
		differs = a[i].source != c[i].source || a[i].obs_time != c[i].obs_time;
	}
	EXPECT_TRUE(differs);
}

TEST(LateObservationTest, NoneWithoutLagOrFraction) {
	const std::vector<EpochMicros> times(100, 50 * kDay);
	EXPECT_TRUE(late_observed_copies(times, 60 * kDay, 0, 0.5, 1).empty());
	EXPECT_TRUE(late_observed_copies(times, 60 * kDay, 10 * kDay, 0, 1).empty());
	EXPECT_EQ(late_observed_copies(times, 60 * kDay, 10 * kDay, 1, 1).size(), times.size());
}

// rel-f1's shape: val from day 0, test and the cutoff from day 100, test rows up to 30 days past it. Val rows
// are observed at day 0, one period before the cutoff, but at most 30 days before their own time.
TEST(LateObservationTest, ValObservedAsTheTestRowsAre) {
	const std::vector<EpochMicros> val = {0, 10 * kDay, 30 * kDay, 80 * kDay};
	const std::vector<EpochMicros> test = {100 * kDay, 120 * kDay, 130 * kDay};
	const std::vector<EpochMicros> observed = late_validation_times(val, test, 100 * kDay, 0, 100 * kDay);
	ASSERT_EQ(observed.size(), val.size());
	EXPECT_EQ(observed[0], 0);
	EXPECT_EQ(observed[1], 0);
	EXPECT_EQ(observed[2], 0);
	EXPECT_EQ(observed[3], 50 * kDay) << "no later than the test rows' largest lag";
}

// A cutoff past the test start freezes val data as far past the val start; rows before that are on time.
TEST(LateObservationTest, ValBeforeTheShiftedCutoffIsOnTime) {
	const std::vector<EpochMicros> val = {0, 15 * kDay, 40 * kDay};
	const std::vector<EpochMicros> observed =
	    late_validation_times(val, {110 * kDay, 150 * kDay}, 120 * kDay, 0, 100 * kDay);
	ASSERT_EQ(observed.size(), val.size());
	EXPECT_EQ(observed[0], 0);
	EXPECT_EQ(observed[1], 15 * kDay);
	EXPECT_EQ(observed[2], 20 * kDay);
}

TEST(LateObservationTest, NoLateValWithoutLateTestRows) {
	const std::vector<EpochMicros> val = {10 * kDay, 20 * kDay};
	EXPECT_TRUE(late_validation_times(val, {90 * kDay, 100 * kDay}, 100 * kDay, 0, 50 * kDay).empty());
	EXPECT_TRUE(late_validation_times(val, {}, 100 * kDay, 0, 50 * kDay).empty());
	// Test rows past the cutoff, but the shifted cutoff lies after every val row.
	EXPECT_TRUE(late_validation_times(val, {110 * kDay}, 100 * kDay, 0, 50 * kDay).empty());
}

} // namespace
} // namespace relml
