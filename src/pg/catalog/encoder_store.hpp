// Encoders in relml.encoders: storing one pre-trained by relml.pretrain, loading one for relml.embed or an RDL
// model, dropping one. Encoders are readable by everyone; using or dropping one needs its owner role, and every
// write runs as the extension owner.
#pragma once

#include "pg/boundary/spi.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// What an encoder is: where it was pre-trained, how, and its network.
struct EncoderRow {
	int database_id = 0;
	std::string entity_table;
	std::string method;
	int pretrain_table_id = 0;
	nlohmann::json options;
	nlohmann::json config;
	std::vector<uint8_t> weights;
};

// A row of relml.encoders with what using it needs.
struct StoredEncoder : EncoderRow {
	int64_t encoder_id = 0;
	std::string owner;
	// The database's input cutoff recorded at pre-training (no embedding reads past it); nullopt when none.
	std::optional<std::string> input_cutoff;
	std::string pretrain_cutoff;
};

// A freshly pre-trained encoder, as relml.pretrain stores it.
struct NewEncoder : EncoderRow {
	nlohmann::json metrics;
	nlohmann::json timings;
};

// Inserts the encoder of role `owner`; returns its id.
int64_t store_encoder(SpiConnection &spi, const NewEncoder &encoder, const std::string &owner);

// The encoder `encoder_id`; NotFoundError when it does not exist. With `use` set, PermissionError unless the
// caller is its owner or a member of that role (`use` says what for, e.g. "embed with encoder 3").
StoredEncoder load_encoder(SpiConnection &spi, int64_t encoder_id, const std::optional<std::string> &use);

// Deletes the encoder, and its pre-training table when no other encoder uses it.
void delete_encoder(SpiConnection &spi, const StoredEncoder &encoder);

} // namespace relml::pg
