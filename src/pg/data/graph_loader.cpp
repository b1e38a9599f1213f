#include "pg/data/graph_loader.hpp"

#include "pg/data/table_versions.hpp"
#include "pg/boundary/module.hpp"
#include "pg/catalog/task_catalog.hpp"

#include "common/stopwatch.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_load_plan.hpp"
#include "sql/identifier.hpp"

#include <cmath>
#include <memory>

namespace relml::pg {

namespace {

// Rows per cursor fetch: large enough that per-batch overhead vanishes, small enough to bound the batch.
constexpr long kFetchRows = 20000;
// PostgreSQL timestamps count microseconds from 2000-01-01; the graph counts from 1970-01-01.
constexpr int64_t kPostgresEpochMicros = 946684800LL * 1000000LL;

struct CachedGraph {
	std::string key;
	std::string fingerprint;
	LoadedGraph loaded;
};

std::unique_ptr<CachedGraph> cached_graph;

// One fetched batch, decoded under pg_call into plain arrays: datums, null flags and text spans. Text spans
// point into the batch's tuples (or detoasted copies in `memory`) and stay valid until the next fetch.
struct DecodedBatch {
	size_t rows = 0;
	size_t columns = 0;
	std::vector<Datum> values;
	std::vector<char> nulls;
	std::vector<const char *> text_data;
	std::vector<int> text_length;
};

void decode_batch(SPITupleTable *tuples, size_t rows, const TableLoadPlan &plan, MemoryContext memory,
                  DecodedBatch &batch) {
	batch.rows = rows;
	batch.columns = plan.columns.size();
	size_t cells = rows * batch.columns;
	batch.values.assign(cells, 0);
	batch.nulls.assign(cells, 0);
	batch.text_data.assign(cells, nullptr);
	batch.text_length.assign(cells, 0);
	std::vector<char> is_text(batch.columns);
	for (size_t c = 0; c < batch.columns; ++c) {
		is_text[c] = plan.columns[c].arrives_as_text();
	}
	Datum *values = batch.values.data();
	char *nulls = batch.nulls.data();
	const char **text_data = batch.text_data.data();
	int *text_length = batch.text_length.data();
	const char *kinds = is_text.data();
	size_t columns = batch.columns;
	pg_call([&] {
		MemoryContext previous = MemoryContextSwitchTo(memory);
		TupleDesc desc = tuples->tupdesc;
		for (size_t r = 0; r < rows; ++r) {
			for (size_t c = 0; c < columns; ++c) {
				size_t cell = r * columns + c;
				bool is_null = false;
				Datum value = heap_getattr(tuples->vals[r], static_cast<int>(c) + 1, desc, &is_null);
				nulls[cell] = is_null;
				values[cell] = value;
				if (!is_null && kinds[c]) {
					text *detoasted = DatumGetTextPP(value);
					text_data[cell] = VARDATA_ANY(detoasted);
					text_length[cell] = static_cast<int>(VARSIZE_ANY_EXHDR(detoasted));
				}
			}
		}
		MemoryContextSwitchTo(previous);
	});
}

EpochMicros to_epoch_micros(Timestamp value) {
	if (TIMESTAMP_IS_NOEND(value)) {
		return kUnknownTime;
	}
	if (TIMESTAMP_IS_NOBEGIN(value)) {
		return std::numeric_limits<EpochMicros>::min();
	}
	return value + kPostgresEpochMicros;
}

void feed_batch(const DecodedBatch &batch, const TableLoadPlan &plan, GraphBuilder::TableLoader &loader,
                KeyIndex &keys) {
	for (size_t r = 0; r < batch.rows; ++r) {
		loader.begin_row();
		int32_t row = static_cast<int32_t>(loader.rows() - 1);
		for (size_t c = 0; c < batch.columns; ++c) {
			size_t cell = r * batch.columns + c;
			if (batch.nulls[cell]) {
				continue;
			}
			const LoadColumn &column = plan.columns[c];
			Datum value = batch.values[cell];
			std::string_view text(batch.text_data[cell], batch.text_data[cell] ? batch.text_length[cell] : 0);
			switch (column.slot) {
			case LoadSlot::PrimaryKey:
				if (column.integer) {
					loader.set_primary_key(DatumGetInt64(value));
					keys.integers.emplace(DatumGetInt64(value), row);
				} else {
					loader.set_primary_key(text);
					keys.texts.emplace(std::string(text), row);
				}
				break;
			case LoadSlot::ForeignKey:
				if (column.integer) {
					loader.set_foreign_key(column.index, DatumGetInt64(value));
				} else {
					loader.set_foreign_key(column.index, text);
				}
				break;
			case LoadSlot::Time:
				loader.set_time(to_epoch_micros(DatumGetTimestamp(value)));
				break;
			case LoadSlot::Number: {
				double number = DatumGetFloat8(value);
				loader.set_number(column.index, std::isfinite(number) ? number : std::nan(""));
				break;
			}
			case LoadSlot::Category:
				loader.set_category(column.index, text);
				break;
			case LoadSlot::Text:
				loader.set_text(column.index, text);
				break;
			}
		}
	}
}

LoadedGraph build_graph(const SchemaGraph &schema, const RunHooks &hooks, GraphLoadStats &stats) {
	GraphBuildOptions options;
	options.memory_budget_bytes = static_cast<size_t>(max_graph_mb_setting) * 1024 * 1024;
	options.budget_setting = "relml.max_graph_memory";
	GraphBuilder builder(schema, options);
	std::vector<TableLoadPlan> plans = plan_graph_load(schema, builder.layouts());
	LoadedGraph loaded;
	loaded.keys.resize(builder.layouts().size());
	MemoryContext memory = nullptr;
	pg_call([&] { memory = AllocSetContextCreate(CurrentMemoryContext, "relml graph load", ALLOCSET_DEFAULT_SIZES); });
	DecodedBatch batch;
	for (size_t t = 0; t < builder.layouts().size(); ++t) {
		const TableLoadPlan &plan = plans[t];
		KeyIndex &keys = loaded.keys[t];
		keys.integer_keys = plan.integer_keys;
		GraphBuilder::TableLoader &loader = builder.table(builder.layouts()[t].table);
		SpiCursor cursor(plan.sql);
		while (uint64 rows = cursor.fetch(kFetchRows)) {
			decode_batch(cursor.batch(), rows, plan, memory, batch);
			feed_batch(batch, plan, loader, keys);
			pg_call([&] { MemoryContextReset(memory); });
			stats.rows += rows;
			hooks.poll();
		}
	}
	pg_call([&] { MemoryContextDelete(memory); });
	loaded.graph = builder.finish();
	return loaded;
}

} // namespace

int32_t KeyIndex::find(const std::string &key) const {
	if (!integer_keys) {
		auto it = texts.find(key);
		return it == texts.end() ? -1 : it->second;
	}
	char *end = nullptr;
	errno = 0;
	long long value = std::strtoll(key.c_str(), &end, 10);
	if (key.empty() || errno != 0 || *end != '\0') {
		return -1;
	}
	auto it = integers.find(value);
	return it == integers.end() ? -1 : it->second;
}

int32_t LoadedGraph::require_row(int table, const std::string &key, const std::string &table_name) const {
	const int32_t row = keys.at(table).find(key);
	if (row < 0) {
		throw NotFoundError("entity " + key + " does not exist in table " + table_name);
	}
	return row;
}

nlohmann::json graph_metrics(const LoadedGraph &loaded, const GraphLoadStats &stats) {
	return {{"rows", stats.rows},
	        {"edges", loaded.graph.edge_count()},
	        {"bytes", stats.bytes},
	        {"reused", stats.reused},
	        {"rows_per_second", stats.rows_per_second}};
}

const LoadedGraph &load_graph(SpiConnection &spi, int database_id, const SchemaGraph &schema, const RunHooks &hooks,
                              GraphLoadStats *stats) {
	Stopwatch watch;
	GraphLoadStats local;
	std::string key = std::to_string(database_id) + "/" + std::to_string(max_graph_mb_setting) + "/" +
	                  current_role(spi) + "/" + schema.to_json().dump();
	std::string fingerprint = data_fingerprint(read_table_versions(spi, schema, hooks));
	if (cached_graph && cached_graph->key == key && cached_graph->fingerprint == fingerprint) {
		local.reused = true;
		local.rows = cached_graph->loaded.graph.node_count();
	} else {
		cached_graph.reset();
		auto fresh = std::make_unique<CachedGraph>();
		fresh->key = key;
		fresh->fingerprint = fingerprint;
		fresh->loaded = build_graph(schema, hooks, local);
		fresh->loaded.database_id = database_id;
		cached_graph = std::move(fresh);
	}
	local.seconds = watch.seconds();
	local.bytes = cached_graph->loaded.graph.memory_bytes();
	local.rows_per_second = local.seconds > 0 ? local.rows / local.seconds : 0;
	if (stats) {
		*stats = local;
	}
	return cached_graph->loaded;
}

void clear_graph_cache() {
	cached_graph.reset();
}

namespace {

std::string megabytes(size_t bytes) {
	return std::to_string((bytes + (1 << 19)) >> 20) + " MB";
}

} // namespace

const LoadedGraph &load_graph_reported(SpiConnection &spi, int database_id, const SchemaGraph &schema,
                                       const RunHooks &hooks, GraphLoadStats &stats) {
	const LoadedGraph &loaded = load_graph(spi, database_id, schema, hooks, &stats);
	if (stats.reused) {
		hooks.report("graph: reused (" + std::to_string(stats.rows) + " rows, " + megabytes(stats.bytes) +
		             "), data unchanged");
	} else {
		hooks.report("graph: " + std::to_string(stats.rows) + " rows, " +
		             std::to_string(loaded.graph.edge_count()) + " edges, " + megabytes(stats.bytes) + " loaded in " +
		             Stopwatch::format(stats.seconds) + " (" + std::to_string(long(stats.rows_per_second)) +
		             " rows/s)");
	}
	return loaded;
}

} // namespace relml::pg
