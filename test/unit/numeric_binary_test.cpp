#include "sql/numeric_binary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace relml {
namespace {

// The stored numeric's payload in its short form: header (sign, display scale, 7-bit weight), then digits.
std::vector<unsigned char> short_form(bool negative, int weight, int scale, const std::vector<uint16_t> &digits) {
	uint16_t header = 0x8000 | (negative ? 0x2000 : 0) | uint16_t((scale << 7) & 0x1F80) |
	                  (weight < 0 ? 0x0040 : 0) | uint16_t(weight & 0x003F);
	std::vector<unsigned char> bytes(2 + 2 * digits.size());
	std::memcpy(bytes.data(), &header, 2);
	std::memcpy(bytes.data() + 2, digits.data(), 2 * digits.size());
	return bytes;
}

// The long form: sign and display scale, a 16-bit weight, then digits.
std::vector<unsigned char> long_form(bool negative, int weight, int scale, const std::vector<uint16_t> &digits) {
	uint16_t header = (negative ? 0x4000 : 0) | uint16_t(scale & 0x3FFF);
	int16_t stored_weight = int16_t(weight);
	std::vector<unsigned char> bytes(4 + 2 * digits.size());
	std::memcpy(bytes.data(), &header, 2);
	std::memcpy(bytes.data() + 2, &stored_weight, 2);
	std::memcpy(bytes.data() + 4, digits.data(), 2 * digits.size());
	return bytes;
}

std::vector<unsigned char> special(uint16_t header) {
	std::vector<unsigned char> bytes(2);
	std::memcpy(bytes.data(), &header, 2);
	return bytes;
}

std::optional<double> decode(const std::vector<unsigned char> &payload) {
	return numeric_payload_to_double(payload.data(), payload.size());
}

// What PostgreSQL's cast computes: the text of the number, parsed by strtod.
double parsed(bool negative, int weight, const std::vector<uint16_t> &digits) {
	std::string text = negative ? "-" : "";
	for (uint16_t digit : digits) {
		char group[8];
		std::snprintf(group, sizeof group, "%04u", unsigned(digit));
		text += group;
	}
	text += "e" + std::to_string(4 * (weight - int(digits.size()) + 1));
	return std::strtod(text.c_str(), nullptr);
}

bool same_bits(double a, double b) {
	return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(NumericBinaryTest, ShortFormValues) {
	EXPECT_EQ(decode(short_form(false, 0, 2, {123, 4500})), 123.45);
	EXPECT_EQ(decode(short_form(true, 0, 2, {123, 4500})), -123.45);
	EXPECT_EQ(decode(short_form(false, -1, 3, {10})), 0.001);
	EXPECT_EQ(decode(short_form(false, -1, 1, {1000})), 0.1);
	EXPECT_EQ(decode(short_form(false, 1, 0, {1})), 10000.0);
	EXPECT_EQ(decode(short_form(false, 0, 0, {})), 0.0);
}

TEST(NumericBinaryTest, LongFormValues) {
	EXPECT_EQ(decode(long_form(false, 0, 2, {123, 4500})), 123.45);
	EXPECT_EQ(decode(long_form(true, -2, 8, {1234})), -0.00001234);
	EXPECT_EQ(decode(long_form(false, 4, 0, {42})), 42e16);
}

TEST(NumericBinaryTest, SpecialValues) {
	EXPECT_TRUE(std::isnan(*decode(special(0xC000))));
	EXPECT_EQ(decode(special(0xD000)), HUGE_VAL);
	EXPECT_EQ(decode(special(0xF000)), -HUGE_VAL);
	EXPECT_EQ(decode(special(0xE000)), std::nullopt);
}

// Beyond one exact operation the conversion is PostgreSQL's to make.
TEST(NumericBinaryTest, LeavesWhatItCannotRoundExactly) {
	EXPECT_EQ(decode(long_form(false, 4, 0, {1, 0, 0, 0, 1})), std::nullopt);     // 17 digits
	EXPECT_EQ(decode(long_form(false, 3, 0, {9999, 9999, 9999, 9999})), std::nullopt); // above 2^53
	EXPECT_EQ(decode(long_form(false, 6, 0, {1})), std::nullopt);                 // 10^24
	EXPECT_EQ(decode(long_form(false, -6, 0, {1})), std::nullopt);                // 10^-24
	EXPECT_EQ(decode(long_form(false, 0, 0, {10000})), std::nullopt);             // not a base-10,000 digit
	EXPECT_EQ(decode({0x00}), std::nullopt);                                       // truncated
	EXPECT_EQ(decode({0x00, 0x00, 0x00}), std::nullopt);                           // no room for the weight
	EXPECT_EQ(decode({0x00, 0x80, 0x01}), std::nullopt);                           // half a digit
}

TEST(NumericBinaryTest, TrailingZeroDigitsChangeNothing) {
	EXPECT_EQ(decode(long_form(false, 0, 2, {7, 5000, 0, 0, 0})), 7.5);
}

// Every value decoded is bit for bit what strtod makes of its text, as PostgreSQL 15's cast does.
TEST(NumericBinaryTest, MatchesTheTextRoundTripBitForBit) {
	std::mt19937_64 random(7);
	int decoded = 0;
	for (int trial = 0; trial < 200000; ++trial) {
		const int count = 1 + int(random() % 4);
		std::vector<uint16_t> digits(count);
		for (uint16_t &digit : digits) {
			digit = uint16_t(random() % 10000);
		}
		digits.front() = uint16_t(1 + digits.front() % 9999);
		const bool negative = random() % 2;
		const int weight = int(random() % 13) - 7;
		const bool short_header = weight >= -64 && weight < 64 && random() % 2;
		std::optional<double> value = decode(short_header ? short_form(negative, weight, 0, digits)
		                                                  : long_form(negative, weight, 0, digits));
		if (value) {
			++decoded;
			ASSERT_TRUE(same_bits(*value, parsed(negative, weight, digits)))
			    << *value << " against " << parsed(negative, weight, digits) << ", weight " << weight;
		}
	}
	EXPECT_GT(decoded, 100000);
}

} // namespace
} // namespace relml
