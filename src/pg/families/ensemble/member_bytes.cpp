#include "pg/families/ensemble/member_bytes.hpp"

#include "common/error.hpp"

#include <string>

namespace relml::pg {

namespace {

constexpr size_t kLengthBytes = 8;

// `part` after its length.
void append_part(std::vector<uint8_t> &out, const std::vector<uint8_t> &part) {
	const uint64_t length = part.size();
	for (size_t i = 0; i < kLengthBytes; ++i) {
		out.push_back(static_cast<uint8_t>(length >> (8 * i)));
	}
	out.insert(out.end(), part.begin(), part.end());
}

// The part at `offset`, moving `offset` past it; InternalError when the bytes end early.
std::vector<uint8_t> read_part(const std::vector<uint8_t> &bytes, size_t &offset) {
	if (bytes.size() - offset < kLengthBytes) {
		throw InternalError("ensemble model bytes end inside a member's length");
	}
	uint64_t length = 0;
	for (size_t i = 0; i < kLengthBytes; ++i) {
		length |= uint64_t(bytes[offset + i]) << (8 * i);
	}
	offset += kLengthBytes;
	if (bytes.size() - offset < length) {
		throw InternalError("ensemble model bytes hold " + std::to_string(bytes.size() - offset) +
		                    " bytes where a member's " + std::to_string(length) + " should be");
	}
	std::vector<uint8_t> part(bytes.begin() + offset, bytes.begin() + offset + length);
	offset += length;
	return part;
}

} // namespace

// Lengths first, so unpack needs no knowledge of either member's format.
std::vector<uint8_t> MemberBytes::pack() const {
	std::vector<uint8_t> out;
	out.reserve(2 * kLengthBytes + dfs.size() + rdl.size());
	append_part(out, dfs);
	append_part(out, rdl);
	return out;
}

// Refuses bytes that do not split exactly into two parts, rather than hand a member a stranger's bytes.
MemberBytes MemberBytes::unpack(const std::vector<uint8_t> &bytes) {
	size_t offset = 0;
	MemberBytes members;
	members.dfs = read_part(bytes, offset);
	members.rdl = read_part(bytes, offset);
	if (offset != bytes.size()) {
		throw InternalError("ensemble model bytes run on after its two members");
	}
	return members;
}

} // namespace relml::pg
