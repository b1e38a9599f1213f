// relml.embed: entity embeddings with a stored encoder (using one needs its owner role). The entities (every
// row of the entity table that exists at as_of, or the given keys) are observed at as_of, never past the
// encoder's input cutoff, embedded by the RDL library on a relay thread and written to relml.embeddings as the
// extension owner.
#include "pg/catalog/database_catalog.hpp"
#include "pg/boundary/args.hpp"
#include "pg/data/graph_loader.hpp"
#include "pg/boundary/module.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/encoder_store.hpp"
#include "pg/boundary/rdl_library.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/data/sql_text.hpp"

#include "common/hook_relay.hpp"

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
		std::vector<std::pair<int64_t, int32_t>> sorted(keys.integers.begin(), keys.integers.end());
		std::sort(sorted.begin(), sorted.end());
		for (const auto &entry : sorted) {
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
		int32_t row = loaded.keys[table].find(*key);
		if (row < 0) {
			throw NotFoundError("entity " + *key + " does not exist in table " + name);
		}
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


// Embeds the entities at as_of into relml.embeddings, a chunk of rows per INSERT; without keys, the encoder's
// set for as_of is replaced as a whole. Returns how many were written.
int64_t embed(SpiConnection &spi, int64_t encoder_id, const std::string &as_of_argument,
              const std::optional<std::vector<std::optional<std::string>>> &keys, const RunHooks &hooks) {
	StoredEncoder encoder = load_encoder(spi, encoder_id, "embed with encoder " + std::to_string(encoder_id));
	const std::string as_of = *spi.scalar("SELECT " + iso("$1::timestamp"), {as_of_argument});
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
	size_t width = seeds.empty() ? 0 : vectors.size() / seeds.size();
	std::string id = std::to_string(encoder_id);
	AsExtensionOwner owner(spi);
	if (!keys) {
		spi.execute("DELETE FROM relml.embeddings WHERE encoder_id = $1::int8 AND as_of = $2::timestamp", {id, as_of});
	}
	size_t step = chunk_rows(width);
	for (size_t begin = 0; begin < entities.size(); begin += step) {
		hooks.poll();
		size_t end = std::min(entities.size(), begin + step);
		std::vector<std::string> chunk_keys;
		for (size_t i = begin; i < end; ++i) {
			chunk_keys.push_back(entities[i].key);
		}
		spi.execute("INSERT INTO relml.embeddings (encoder_id, entity_table, entity_key, as_of, vector) "
		            "SELECT $1::int8, $2, u.entity_key, $3::timestamp, u.vector::real[] "
		            "FROM unnest($4::text[], $5::text[]) AS u (entity_key, vector) "
		            "ON CONFLICT (encoder_id, entity_key, as_of) DO UPDATE SET vector = EXCLUDED.vector, "
		            "entity_table = EXCLUDED.entity_table",
		            {id, encoder.entity_table, as_of, text_array(chunk_keys), vector_texts(vectors, width, begin, end)});
	}
	return static_cast<int64_t>(entities.size());
}

} // namespace

} // namespace relml::pg

using namespace relml;
using namespace relml::pg;

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
