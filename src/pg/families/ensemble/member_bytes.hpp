// The bytes of an ensemble model: its DFS member's bytes and its RDL member's, each after its length (eight
// bytes, little-endian), in that order.
#pragma once

#include <cstdint>
#include <vector>

namespace relml::pg {

struct MemberBytes {
	std::vector<uint8_t> dfs;
	std::vector<uint8_t> rdl;

	// The two, length-prefixed, as stored in relml.models.model_bytes.
	std::vector<uint8_t> pack() const;
	// The two back from stored bytes; InternalError when they are not an ensemble's.
	static MemberBytes unpack(const std::vector<uint8_t> &bytes);
};

} // namespace relml::pg
