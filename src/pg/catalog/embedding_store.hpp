// Entity embeddings in relml.embeddings, written by relml.embed as the extension owner.
#pragma once

#include "pg/boundary/spi.hpp"

#include "common/hooks.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace relml::pg {

// The embeddings of one encoder's entities at one time: keys[i] has row i of `vectors`.
struct Embeddings {
	int64_t encoder_id = 0;
	std::string entity_table;
	std::string as_of;
	std::vector<std::string> keys;
	std::vector<float> vectors; // row-major, `width` values a key
	size_t width = 0;
};

// Writes the embeddings, a chunk of rows per INSERT (an existing one of a key is replaced); with `replace_all`,
// the encoder's whole set for as_of is deleted first.
void store_embeddings(SpiConnection &spi, const Embeddings &embeddings, bool replace_all, const RunHooks &hooks);

} // namespace relml::pg
