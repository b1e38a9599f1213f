#include "pg/data/graph_loader.hpp"

#include "pg/data/table_versions.hpp"
#include "pg/boundary/module.hpp"
#include "pg/catalog/task_catalog.hpp"

#include "common/stopwatch.hpp"
#include "graph/data_fingerprint_sql.hpp"
#include "graph/graph_builder.hpp"
#include "graph/graph_load_plan.hpp"
#include "sql/numeric_binary.hpp"
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
	DataVersion version;
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

// How the loader reads a column of a fetched row.
enum class Arrival : char { AsIs, Text, Numeric };

// A numeric value as PostgreSQL's numeric -> float8 cast gives it, without its round trip through text where one
// exact operation yields the same double (numeric_payload_to_double).
double numeric_to_double(Datum value) {
	struct varlena *numeric = pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(value)));
	std::optional<double> fast = numeric_payload_to_double(reinterpret_cast<const unsigned char *>(VARDATA_ANY(numeric)),
	                                                       VARSIZE_ANY_EXHDR(numeric));
	return fast ? *fast : DatumGetFloat8(DirectFunctionCall1(numeric_float8, value));
}

void decode_batch(SPITupleTable *tuples, size_t rows, const TableLoadPlan &plan, MemoryContext memory,
                  DecodedBatch &batch) {
	batch.rows = rows;
	batch.columns = plan.columns.size();
	size_t cells = rows * batch.columns;
	batch.values.assign(cells, 0);
	batch.nulls.assign(cells, 0);
	batch.text_data.assign(cells, nullptr);
	batch.text_length.assign(cells, 0);
	std::vector<Arrival> arrivals(batch.columns);
	for (size_t c = 0; c < batch.columns; ++c) {
		arrivals[c] = plan.columns[c].arrives_as_text() ? Arrival::Text
		              : plan.columns[c].numeric         ? Arrival::Numeric
		                                                : Arrival::AsIs;
	}
	Datum *values = batch.values.data();
	char *nulls = batch.nulls.data();
	const char **text_data = batch.text_data.data();
	int *text_length = batch.text_length.data();
	const Arrival *kinds = arrivals.data();
	size_t columns = batch.columns;
	std::unique_ptr<bool[]> row_nulls = std::make_unique<bool[]>(columns);
	bool *deformed_nulls = row_nulls.get();
	pg_call([&] {
		MemoryContext previous = MemoryContextSwitchTo(memory);
		TupleDesc desc = tuples->tupdesc;
		for (size_t c = 0; c < columns; ++c) {
			if (kinds[c] == Arrival::Numeric && TupleDescAttr(desc, c)->atttypid != NUMERICOID) {
				elog(ERROR, "relml: graph load column %zu arrived as type %u, not numeric", c + 1,
				     TupleDescAttr(desc, c)->atttypid);
			}
		}
		for (size_t r = 0; r < rows; ++r) {
			// One pass over the row: heap_getattr per column walks it again from the start after any text.
			heap_deform_tuple(tuples->vals[r], desc, values + r * columns, deformed_nulls);
			for (size_t c = 0; c < columns; ++c) {
				size_t cell = r * columns + c;
				bool is_null = deformed_nulls[c];
				Datum value = values[cell];
				nulls[cell] = is_null;
				if (is_null || kinds[c] == Arrival::AsIs) {
					continue;
				}
				if (kinds[c] == Arrival::Numeric) {
					values[cell] = Float8GetDatum(numeric_to_double(value));
				} else {
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

// The primary key of row `r` is in the table already: a row appended to a cached graph that its load saw.
bool known_row(const DecodedBatch &batch, const TableLoadPlan &plan, const GraphBuilder::TableLoader &loader,
               size_t r) {
	if (plan.columns.empty() || plan.columns[0].slot != LoadSlot::PrimaryKey || batch.nulls[r * batch.columns]) {
		return false;
	}
	const size_t cell = r * batch.columns;
	if (plan.columns[0].integer) {
		return loader.has_key(int64_t(DatumGetInt64(batch.values[cell])));
	}
	return loader.has_key(std::string_view(batch.text_data[cell], batch.text_length[cell]));
}

// Appends the batch's rows to the table, but for rows whose key it holds already when `skip_known`.
void feed_batch(const DecodedBatch &batch, const TableLoadPlan &plan, GraphBuilder::TableLoader &loader,
                bool skip_known) {
	for (size_t r = 0; r < batch.rows; ++r) {
		if (skip_known && known_row(batch, plan, loader, r)) {
			continue;
		}
		loader.begin_row();
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
					loader.set_primary_key(int64_t(DatumGetInt64(value)));
				} else {
					loader.set_primary_key(text);
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
			case LoadSlot::Number:
				loader.set_number(column.index, DatumGetFloat8(value));
				break;
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

GraphBuildOptions build_options() {
	GraphBuildOptions options;
	options.memory_budget_bytes = static_cast<size_t>(max_graph_mb_setting) * 1024 * 1024;
	options.budget_setting = "relml.max_graph_memory";
	return options;
}

// Streams `sql`'s rows into `table` of `builder`; returns how many it read.
size_t stream_rows(const std::string &sql, const TableLoadPlan &plan, GraphBuilder::TableLoader &loader,
                   bool skip_known, const RunHooks &hooks) {
	MemoryContext memory = nullptr;
	pg_call([&] { memory = AllocSetContextCreate(CurrentMemoryContext, "relml graph load", ALLOCSET_DEFAULT_SIZES); });
	DecodedBatch batch;
	size_t read = 0;
	SpiCursor cursor(sql);
	while (uint64 rows = cursor.fetch(kFetchRows)) {
		decode_batch(cursor.batch(), rows, plan, memory, batch);
		feed_batch(batch, plan, loader, skip_known);
		pg_call([&] { MemoryContextReset(memory); });
		read += rows;
		hooks.poll();
	}
	pg_call([&] { MemoryContextDelete(memory); });
	return read;
}

// The graph as finish() left it, with its key indexes.
LoadedGraph finished_graph(GraphBuilder &builder, const std::vector<TableLoadPlan> &plans) {
	LoadedGraph loaded;
	std::vector<TableKeys> keys;
	loaded.graph = builder.finish(&keys);
	for (size_t t = 0; t < keys.size(); ++t) {
		KeyIndex index;
		static_cast<TableKeys &>(index) = std::move(keys[t]);
		index.integer_keys = plans[t].integer_keys;
		loaded.keys.push_back(std::move(index));
	}
	return loaded;
}

LoadedGraph build_graph(SpiConnection &spi, const SchemaGraph &schema, const RunHooks &hooks, GraphLoadStats &stats) {
	GraphBuilder builder(schema, build_options());
	std::vector<TableLoadPlan> plans = plan_graph_load(schema, builder.layouts());
	const std::vector<size_t> estimates = estimated_table_rows(spi, schema);
	for (size_t t = 0; t < builder.layouts().size(); ++t) {
		GraphBuilder::TableLoader &loader = builder.table(builder.layouts()[t].table);
		loader.reserve(estimates.at(schema.table_position(builder.layouts()[t].table)));
		stats.rows += stream_rows(plans[t].sql, plans[t], loader, false, hooks);
	}
	return finished_graph(builder, plans);
}

// Whether the rows INSERT statements added to each of `tables` since the cached graph's snapshot can be found by
// key: every statement kept its keys and none was folded away, the table has a primary key, and no foreign key
// into it holds a key that matched no row before.
bool can_take_in(SpiConnection &spi, const CachedGraph &cached, const DataVersion &now, const SchemaGraph &schema,
                 const std::vector<size_t> &tables) {
	for (size_t t : tables) {
		const TableVersion &before = cached.version.tables[t];
		const TableVersion &after = now.tables[t];
		const Table &table = schema.table(after.table);
		if (table.primary_key.empty() || !table.find_column(table.primary_key) ||
		    !GraphBuilder::can_append(cached.loaded.graph, static_cast<int>(t))) {
			return false;
		}
		SpiResult since = spi.query(inserts_since_sql(), {std::to_string(after.relid), cached.version.snapshot});
		if (since.integer(0, 0) != after.inserts - before.inserts || since.integer(0, 1) > 0) {
			return false;
		}
	}
	return true;
}

// Takes the appended rows of `tables` into the cached graph, which the builder consumes: on an error the cache
// is empty and the next call loads in full.
LoadedGraph extend_graph(CachedGraph &cached, const SchemaGraph &schema, const std::vector<size_t> &tables,
                         const RunHooks &hooks, GraphLoadStats &stats) {
	std::vector<TableKeys> keys;
	for (KeyIndex &index : cached.loaded.keys) {
		keys.push_back(std::move(static_cast<TableKeys &>(index)));
	}
	GraphBuilder builder(schema, build_options(), std::move(cached.loaded.graph), std::move(keys));
	std::vector<TableLoadPlan> plans = plan_graph_load(schema, builder.layouts());
	for (size_t t : tables) {
		const Table &table = schema.table(builder.layouts()[t].table);
		const std::string sql = appended_rows_sql(plans[t].sql, table.primary_key,
		                                          table.find_column(table.primary_key)->data_type,
		                                          cached.version.tables[t].relid, cached.version.snapshot);
		GraphBuilder::TableLoader &loader = builder.table(table.name);
		const size_t before = loader.rows();
		stream_rows(sql, plans[t], loader, true, hooks);
		stats.appended += loader.rows() - before;
	}
	LoadedGraph loaded = finished_graph(builder, plans);
	stats.rows = loaded.graph.node_count();
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
	return integers.find(value);
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
	// The graph holds timestamps with time zone as the session's time zone shows them.
	std::string key = std::to_string(database_id) + "/" + std::to_string(max_graph_mb_setting) + "/" +
	                  current_role(spi) + "/" + spi.query_kept("SELECT current_setting('TimeZone')").text(0, 0) + "/" +
	                  schema.to_json().dump();
	DataVersion version = read_table_versions(spi, schema, hooks);
	std::string fingerprint = data_fingerprint(version.tables);
	const bool same_schema = cached_graph && cached_graph->key == key;
	std::optional<std::vector<size_t>> appended;
	if (same_schema && cached_graph->fingerprint != fingerprint) {
		appended = appended_tables(cached_graph->version.tables, version.tables);
		if (appended && !can_take_in(spi, *cached_graph, version, schema, *appended)) {
			appended.reset();
		}
	}
	if (same_schema && cached_graph->fingerprint == fingerprint) {
		local.reused = true;
		local.rows = cached_graph->loaded.graph.node_count();
	} else if (appended) {
		std::unique_ptr<CachedGraph> extended = std::move(cached_graph);
		extended->loaded = extend_graph(*extended, schema, *appended, hooks, local);
		extended->loaded.database_id = database_id;
		extended->version = std::move(version);
		extended->fingerprint = std::move(fingerprint);
		cached_graph = std::move(extended);
	} else {
		cached_graph.reset();
		auto fresh = std::make_unique<CachedGraph>();
		fresh->key = key;
		fresh->version = std::move(version);
		fresh->fingerprint = std::move(fingerprint);
		fresh->loaded = build_graph(spi, schema, hooks, local);
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

std::vector<size_t> estimated_table_rows(SpiConnection &spi, const SchemaGraph &schema) {
	std::vector<std::string> tables;
	for (const Table &table : schema.tables()) {
		tables.push_back(table.name);
	}
	SpiResult rows = spi.query_kept(
	    "SELECT coalesce(greatest(c.reltuples, 0), 0)::int8 FROM unnest($2::name[]) WITH ORDINALITY AS t(name, position) "
	    "LEFT JOIN pg_class c ON c.relname = t.name "
	    "AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) ORDER BY t.position",
	    {schema.schema(), text_array_param(tables)});
	std::vector<size_t> estimates;
	for (size_t t = 0; t < rows.rows(); ++t) {
		estimates.push_back(size_t(rows.integer(t, 0)));
	}
	return estimates;
}

bool holds_graph_of(int database_id) {
	return cached_graph && cached_graph->loaded.database_id == database_id;
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
	} else if (stats.appended > 0) {
		hooks.report("graph: took in " + std::to_string(stats.appended) + " appended rows in " +
		             Stopwatch::format(stats.seconds) + " (" + std::to_string(stats.rows) + " rows, " +
		             megabytes(stats.bytes) + ")");
	} else {
		hooks.report("graph: " + std::to_string(stats.rows) + " rows, " +
		             std::to_string(loaded.graph.edge_count()) + " edges, " + megabytes(stats.bytes) + " loaded in " +
		             Stopwatch::format(stats.seconds) + " (" + std::to_string(long(stats.rows_per_second)) +
		             " rows/s)");
	}
	return loaded;
}

} // namespace relml::pg
