#include "graph/integer_key_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <unordered_map>
#include <vector>

namespace relml {
namespace {

TEST(IntegerKeyIndexTest, SerialKeys) {
	IntegerKeyIndex index;
	index.reserve(1000);
	for (int32_t row = 0; row < 1000; ++row) {
		ASSERT_TRUE(index.insert(row + 1, row));
	}
	EXPECT_EQ(index.size(), 1000u);
	EXPECT_EQ(index.find(1), 0);
	EXPECT_EQ(index.find(1000), 999);
	EXPECT_EQ(index.find(0), -1);
	EXPECT_EQ(index.find(1001), -1);
	EXPECT_FALSE(index.contains(-1));
}

TEST(IntegerKeyIndexTest, DuplicatesAreRefusedInAndOutsideTheWindow) {
	IntegerKeyIndex index;
	EXPECT_TRUE(index.insert(5, 0));
	EXPECT_FALSE(index.insert(5, 1));
	EXPECT_EQ(index.find(5), 0);
	EXPECT_TRUE(index.insert(-7, 2));
	EXPECT_FALSE(index.insert(-7, 3));
	EXPECT_TRUE(index.insert(int64_t(1) << 40, 4));
	EXPECT_FALSE(index.insert(int64_t(1) << 40, 5));
	EXPECT_EQ(index.find(int64_t(1) << 40), 4);
	EXPECT_EQ(index.size(), 3u);
}

// The extremes of int64 neither overflow the window's arithmetic nor alias its slots.
TEST(IntegerKeyIndexTest, ExtremeKeys) {
	const int64_t lowest = std::numeric_limits<int64_t>::min();
	const int64_t highest = std::numeric_limits<int64_t>::max();
	IntegerKeyIndex starts_low;
	EXPECT_TRUE(starts_low.insert(lowest, 0));
	EXPECT_TRUE(starts_low.insert(highest, 1));
	EXPECT_TRUE(starts_low.insert(lowest + 1, 2));
	EXPECT_EQ(starts_low.find(lowest), 0);
	EXPECT_EQ(starts_low.find(highest), 1);
	EXPECT_EQ(starts_low.find(lowest + 1), 2);
	EXPECT_EQ(starts_low.find(0), -1);
	IntegerKeyIndex starts_high;
	EXPECT_TRUE(starts_high.insert(highest, 0));
	EXPECT_TRUE(starts_high.insert(highest - 1, 1));
	EXPECT_TRUE(starts_high.insert(lowest, 2));
	EXPECT_EQ(starts_high.find(highest - 1), 1);
	EXPECT_EQ(starts_high.find(lowest), 2);
}

// A window placed by a large first key leaves the smaller keys to the hash map; a later reserve moves nothing.
TEST(IntegerKeyIndexTest, KeysBeforeTheWindowAndReserveAfterPlacement) {
	IntegerKeyIndex index;
	index.reserve(10);
	EXPECT_TRUE(index.insert(1000000000, 0));
	EXPECT_TRUE(index.insert(999999999, 1));
	index.reserve(100000000);
	EXPECT_TRUE(index.insert(1000000001, 2));
	EXPECT_FALSE(index.insert(999999999, 3));
	EXPECT_EQ(index.find(999999999), 1);
	EXPECT_EQ(index.find(1000000001), 2);
	EXPECT_EQ(index.size(), 3u);
}

// Against a hash map, over keys that mix a serial run, gaps, negatives and scattered values.
TEST(IntegerKeyIndexTest, AgreesWithAHashMap) {
	std::mt19937_64 random(3);
	IntegerKeyIndex index;
	index.reserve(20000);
	std::unordered_map<int64_t, int32_t> expected;
	for (int32_t row = 0; row < 30000; ++row) {
		int64_t key;
		switch (random() % 4) {
		case 0: key = row; break;
		case 1: key = int64_t(random() % 5000000); break;
		case 2: key = -int64_t(random() % 1000); break;
		default: key = int64_t(random()); break;
		}
		ASSERT_EQ(index.insert(key, row), expected.emplace(key, row).second) << key;
	}
	EXPECT_EQ(index.size(), expected.size());
	for (const auto &[key, row] : expected) {
		ASSERT_EQ(index.find(key), row) << key;
	}
	for (int probe = 0; probe < 10000; ++probe) {
		int64_t key = int64_t(random() % 10000000) - 5000;
		ASSERT_EQ(index.find(key), expected.count(key) ? expected.at(key) : -1) << key;
	}
	std::vector<std::pair<int64_t, int32_t>> sorted = index.sorted_entries();
	ASSERT_EQ(sorted.size(), expected.size());
	for (size_t i = 1; i < sorted.size(); ++i) {
		ASSERT_LT(sorted[i - 1].first, sorted[i].first);
		ASSERT_EQ(sorted[i].second, expected.at(sorted[i].first));
	}
}

} // namespace
} // namespace relml
