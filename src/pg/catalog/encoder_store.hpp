// Pre-training inside the server: relml.pretrain builds a pre-training table (entity x timestamp, each row's
// task vector of next-window statistics, computed by set-based queries run as the caller) and pre-trains an RDL
// encoder on it; relml.drop_encoder removes one, and relml.embed (in embed.cpp) writes entity embeddings with one.
// The encoders are stored in relml.encoders, readable by everyone; using or dropping one needs its owner role.
#pragma once

#include "pg/boundary/spi.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// A row of relml.encoders with what using it needs.
struct StoredEncoder {
	int64_t encoder_id = 0;
	int database_id = 0;
	std::string entity_table;
	std::string method;
	int pretrain_table_id = 0;
	std::string owner;
	nlohmann::json options;
	nlohmann::json config;
	std::vector<uint8_t> weights;
	// The database's input cutoff recorded at pre-training (no embedding reads past it); nullopt when none.
	std::optional<std::string> input_cutoff;
	std::string pretrain_cutoff;
};

// The encoder `encoder_id`; NotFoundError when it does not exist. With `use` set, PermissionError unless the
// caller is its owner or a member of that role (`use` says what for, e.g. "embed with encoder 3").
StoredEncoder load_encoder(SpiConnection &spi, int64_t encoder_id, const std::optional<std::string> &use);

} // namespace relml::pg
