#include "sql/numeric_binary.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace relml {

namespace {

// Header bits of the stored numeric (numeric.c's NUMERIC_* macros).
constexpr uint16_t kFlagMask = 0xC000;
constexpr uint16_t kNegativeLong = 0x4000;
constexpr uint16_t kShort = 0x8000;
constexpr uint16_t kSpecial = 0xC000;
constexpr uint16_t kSpecialMask = 0xF000;
constexpr uint16_t kNaN = 0xC000;
constexpr uint16_t kPositiveInfinity = 0xD000;
constexpr uint16_t kNegativeInfinity = 0xF000;
constexpr uint16_t kShortNegative = 0x2000;
constexpr uint16_t kShortWeightNegative = 0x0040;
constexpr uint16_t kShortWeightMask = 0x003F;

constexpr int kDecimalDigitsPerDigit = 4;
constexpr int kBase = 10000;
// Powers of ten that a double holds exactly.
constexpr int kExactPowers = 22;
constexpr uint64_t kExactIntegers = uint64_t(1) << 53;

uint16_t read_u16(const unsigned char *bytes) {
	uint16_t value;
	std::memcpy(&value, bytes, sizeof value);
	return value;
}

double power_of_ten(int exponent) {
	static const double powers[kExactPowers + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	return powers[exponent];
}

} // namespace

std::optional<double> numeric_payload_to_double(const unsigned char *payload, size_t length) {
	if (length < sizeof(uint16_t)) {
		return std::nullopt;
	}
	const uint16_t header = read_u16(payload);
	const uint16_t flags = header & kFlagMask;
	if (flags == kSpecial) {
		switch (header & kSpecialMask) {
		case kNaN:
			return std::numeric_limits<double>::quiet_NaN();
		case kPositiveInfinity:
			return std::numeric_limits<double>::infinity();
		case kNegativeInfinity:
			return -std::numeric_limits<double>::infinity();
		default:
			return std::nullopt;
		}
	}
	bool negative;
	int weight;
	size_t offset;
	if (flags == kShort) {
		negative = (header & kShortNegative) != 0;
		weight = (header & kShortWeightMask) | ((header & kShortWeightNegative) ? ~int(kShortWeightMask) : 0);
		offset = sizeof(uint16_t);
	} else {
		if (length < 2 * sizeof(uint16_t)) {
			return std::nullopt;
		}
		negative = flags == kNegativeLong;
		weight = int16_t(read_u16(payload + sizeof(uint16_t)));
		offset = 2 * sizeof(uint16_t);
	}
	if ((length - offset) % sizeof(uint16_t) != 0) {
		return std::nullopt;
	}
	int digits = int((length - offset) / sizeof(uint16_t));
	// Stored numbers carry no trailing zero digits, but nothing here depends on it.
	while (digits > 0 && read_u16(payload + offset + (digits - 1) * sizeof(uint16_t)) == 0) {
		--digits;
	}
	if (digits == 0) {
		return negative ? -0.0 : 0.0;
	}
	// Four base-10,000 digits stay below 10^16 < 2^64; the value must also be below 2^53 to be exact.
	if (digits > 4) {
		return std::nullopt;
	}
	uint64_t mantissa = 0;
	for (int d = 0; d < digits; ++d) {
		const uint16_t digit = read_u16(payload + offset + d * sizeof(uint16_t));
		if (digit >= kBase) {
			return std::nullopt;
		}
		mantissa = mantissa * kBase + digit;
	}
	if (mantissa > kExactIntegers) {
		return std::nullopt;
	}
	const int exponent = kDecimalDigitsPerDigit * (weight - (digits - 1));
	if (exponent > kExactPowers || exponent < -kExactPowers) {
		return std::nullopt;
	}
	// One correctly rounded operation on two exact doubles: the correctly rounded value of the decimal.
	const double magnitude = exponent >= 0 ? double(mantissa) * power_of_ten(exponent)
	                                       : double(mantissa) / power_of_ten(-exponent);
	return negative ? -magnitude : magnitude;
}

} // namespace relml
