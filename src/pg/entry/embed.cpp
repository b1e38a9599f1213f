// relml.embed: entity embeddings with a stored encoder (using one needs its owner role). The entities (every
// row of the entity table that exists at as_of, or the given keys) are observed at as_of, never past the
// encoder's input cutoff, embedded by the RDL library on a relay thread and written to relml.embeddings as the
// extension owner.
#include "pg/catalog/database_catalog.hpp"
#include "pg/boundary/args.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/boundary/module.hpp"
#include "pg/catalog/embedding_store.hpp"
#include "pg/catalog/encoder_store.hpp"
#include "pg/boundary/rdl_library.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/data/sql_text.hpp"

#include "common/hook_relay.hpp"
#include "sql/sql_literals.hpp"

#include <algorithm>
#include <map>

namespace relml::pg {

namespace {

struct EntityRow {
	std::string key;
	int32_t row = -1;
};

// Every row of the entity table that exists at as_of (a timed table's rows with time <= as_of), ordered by key.
std::vector<EntityRow> all_entities(const LoadedGraph &loaded, int table, EpochMicros as_of) {
	const KeyIndex &keys = loaded.keys[table];
	const GraphTable &rows = loaded.graph.tables[table];
	std::vector<EntityRow> out;
	if (keys.integer_keys) {
		for (const auto &entry : keys.integers.sorted_entries()) {
			if (rows.time_of(entry.second) <= as_of) {
				out.push_back({std::to_string(entry.first), entry.second});
			}
		}
	} else {
		std::vector<std::pair<std::string, int32_t>> sorted(keys.texts.begin(), keys.texts.end());
		std::sort(sorted.begin(), sorted.end());
		for (const auto &entry : sorted) {
			if (rows.time_of(entry.second) <= as_of) {
				out.push_back({entry.first, entry.second});
			}
		}
	}
	return out;
}

// The given keys (duplicates once); a key that is not a row, or not one yet at as_of, is an error naming it.
std::vector<EntityRow> given_entities(const LoadedGraph &loaded, int table, EpochMicros as_of,
                                      const std::vector<std::optional<std::string>> &given, const std::string &name,
                                      const std::string &as_of_text) {
	const GraphTable &rows = loaded.graph.tables[table];
	std::vector<EntityRow> out;
	std::map<int32_t, bool> seen;
	for (const auto &key : given) {
		if (!key) {
			throw InvalidInputError("entity_keys must not contain NULL");
		}
		int32_t row = loaded.require_row(table, *key, name);
		if (rows.time_of(row) > as_of) {
			throw InvalidInputError("entity " + *key + " of table " + name + " does not exist yet at " + as_of_text +
			                        " (its time is later or unknown)");
		}
		if (seen.emplace(row, true).second) {
			out.push_back({*key, row});
		}
	}
	return out;
}

// Embeds the entities at as_of into relml.embeddings; without keys, the encoder's set for as_of is replaced as
// a whole. Returns how many were written.
int64_t embed(SpiConnection &spi, int64_t encoder_id, const std::string &as_of_argument,
              const std::optional<std::vector<std::optional<std::string>>> &keys, const RunHooks &hooks) {
	StoredEncoder encoder = load_encoder(spi, encoder_id, "embed with encoder " + std::to_string(encoder_id));
	const std::string as_of = *spi.scalar(iso_timestamp_sql(), {as_of_argument});
	SchemaGraph schema = load_schema_graph(spi, encoder.database_id);
	if (!schema.find_table(encoder.entity_table)) {
		throw NotFoundError("table \"" + encoder.entity_table + "\" of encoder " + std::to_string(encoder_id) +
		                    " is no longer part of its database (schema \"" + schema.schema() + "\")");
	}
	std::string name = schema.schema() + "." + encoder.entity_table;
	hooks.poll();
	GraphLoadStats stats;
	const LoadedGraph &loaded = load_graph(spi, encoder.database_id, schema, hooks, &stats);
	int table = loaded.graph.table_index(encoder.entity_table);
	EpochMicros as_of_micros = epoch_micros(spi, as_of);
	EpochMicros cutoff = epoch_micros(spi, encoder.input_cutoff);
	std::vector<EntityRow> entities = keys ? given_entities(loaded, table, as_of_micros, *keys, name, as_of)
	                                       : all_entities(loaded, table, as_of_micros);
	std::vector<Seed> seeds;
	for (const EntityRow &entity : entities) {
		seeds.push_back(Seed{entity.row, std::min(as_of_micros, cutoff)});
	}
	std::vector<float> vectors;
	if (!seeds.empty()) {
		const RdlApi &api = rdl_api();
		run_with_relayed_hooks(hooks, [&](const RunHooks &worker) {
			vectors = api.embed(loaded.graph, table, encoder.config, encoder.weights, seeds, cutoff, threads_setting,
			                    worker);
		});
		if (vectors.size() % seeds.size() != 0 || vectors.empty()) {
			throw InternalError("the encoder returned " + std::to_string(vectors.size()) + " values for " +
			                    std::to_string(seeds.size()) + " entities");
		}
	}
	Embeddings embeddings;
	embeddings.encoder_id = encoder_id;
	embeddings.entity_table = encoder.entity_table;
	embeddings.as_of = as_of;
	for (const EntityRow &entity : entities) {
		embeddings.keys.push_back(entity.key);
	}
	embeddings.width = seeds.empty() ? 0 : vectors.size() / seeds.size();
	embeddings.vectors = std::move(vectors);
	store_embeddings(spi, embeddings, !keys, hooks);
	return static_cast<int64_t>(entities.size());
}

} // namespace

// Writes the embeddings of an encoder's entities at as_of (all of them, or the given keys); returns how many.
RELML_SQL_FUNCTION(relml_embed) {
	int64_t encoder_id = int_arg(fcinfo, 0, "encoder");
	std::string as_of = text_arg(fcinfo, 1, "as_of");
	std::optional<std::vector<std::optional<std::string>>> keys;
	if (!PG_ARGISNULL(2)) {
		keys = text_array_arg(fcinfo, 2);
	}
	int64_t written = 0;
	{
		SpiConnection spi;
		written = embed(spi, encoder_id, as_of, keys, RunHooks{check_interrupts, nullptr});
	}
	PG_RETURN_INT64(written);
}

} // namespace relml::pg
