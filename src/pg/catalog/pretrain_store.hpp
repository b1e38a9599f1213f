// Pre-training tables in relml.pretrain_tables and their rows' task vectors in relml.task_vectors, written by
// relml.pretrain as the extension owner (relml.drop_encoder deletes a table with its last encoder).
#pragma once

#include "pg/boundary/spi.hpp"

#include "common/hooks.hpp"
#include "graph/rel_graph.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// The rows of a pre-training table: entity key and seed time, split, whether a window had an event, task vector.
struct PretrainRowsData {
	std::vector<std::string> keys;
	std::vector<std::string> times; // seed_time text
	std::vector<EpochMicros> micros;
	std::vector<bool> val;
	std::vector<bool> events;
	std::vector<float> vectors; // row-major, width per row
	size_t width = 0;
	size_t train_rows = 0;
	size_t val_rows = 0;
	size_t event_rows = 0;
};

// A pre-training table's row of relml.pretrain_tables.
struct NewPretrainTable {
	int database_id = 0;
	std::string entity_table;
	std::string entity_key_type;
	std::string horizon;
	int hops = 0;
	std::string pretrain_cutoff;
	std::optional<std::string> input_cutoff;
	nlohmann::json definition;
	std::string owner;
};

// Inserts the pre-training table and its rows, a chunk of rows per INSERT; returns its id.
int store_pretrain_table(SpiConnection &spi, const NewPretrainTable &table, const PretrainRowsData &rows,
                         const RunHooks &hooks);

} // namespace relml::pg
