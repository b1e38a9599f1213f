#include "pg/data/feature_runner.hpp"

#include "pg/boundary/module.hpp"

#include "dfs/dfs_query_builder.hpp"
#include "dfs/feature_matrix.hpp"

#include "common/stopwatch.hpp"

#include <set>

namespace relml::pg {

namespace {

// Rows a feature query hands over at a time: PostgreSQL's copy of the rows and relml's decoded columns then
// take a batch's worth of memory beside the matrix, not a second matrix's worth.
constexpr long kFeatureBatchRows = 50000;

// Puts one result batch of a feature query (row_id, then its features) into the matrix columns from `offset`.
void add_query_rows(FeatureMatrixBuilder &builder, size_t offset, const SpiResult &result) {
	std::vector<int64_t> ids(result.rows());
	for (size_t r = 0; r < result.rows(); ++r) {
		ids[r] = result.integer(r, 0);
	}
	for (size_t c = 1; c < result.columns(); ++c) {
		const SpiColumn &column = result.column(c);
		if (builder.is_categorical(offset + c - 1)) {
			builder.set_categorical(offset + c - 1, ids, column.texts);
		} else {
			builder.set_numeric(offset + c - 1, ids, column.numbers);
		}
	}
}

} // namespace

FeatureSpec plan_features(SpiConnection &spi, const SchemaGraph &graph, const std::string &entity_table,
                          const DfsOptions &options, const std::string &profile_until) {
	TopValuesFn top_values = [&](const Table &table, const Column &column, long limit) {
		SpiResult r = spi.query(top_values_sql(graph.schema(), table, column, limit), {profile_until});
		std::vector<std::string> values;
		for (size_t i = 0; i < r.rows(); ++i) {
			values.push_back(r.text(i, 0));
		}
		return values;
	};
	return plan_dfs(graph, entity_table, options, top_values);
}

void check_feature_memory(size_t rows, size_t features, double also_mb, const std::string &also_what) {
	double megabytes = double(rows) * double(features) * sizeof(float) / (1024.0 * 1024.0);
	if (megabytes + also_mb > max_feature_mb_setting) {
		throw ResourceError("the feature matrix would take " + std::to_string(long(megabytes)) + " MB (" +
		                    std::to_string(rows) + " rows x " + std::to_string(features) + " features)" +
		                    (also_mb > 0 ? " and " + also_what + " up to " + std::to_string(long(also_mb)) + " MB" : "") +
		                    ", more than relml.max_feature_memory (" + std::to_string(max_feature_mb_setting) + " MB)");
	}
}

DenseMatrix compute_features(SpiConnection &spi, FeatureSpec &spec, const SchemaGraph &graph,
                             const std::vector<int64_t> &row_ids, const SeedRelation &seeds,
                             const std::vector<bool> *fit_rows, const RunHooks &hooks, double also_mb,
                             const std::string &also_what) {
	check_feature_memory(row_ids.size(), spec.feature_count(), also_mb, also_what);
	FeatureMatrixBuilder builder(spec, row_ids);
	std::vector<FeatureQuery> queries =
	    build_feature_queries(spec, graph, seeds.sql, static_cast<int>(seeds.params.size()) + 1);
	for (size_t q = 0; q < queries.size(); ++q) {
		hooks.poll();
		Stopwatch watch;
		SqlParams params = seeds.params;
		params.insert(params.end(), queries[q].parameters.begin(), queries[q].parameters.end());
		const size_t offset = builder.query_offset(q);
		size_t rows = 0;
		size_t columns = 0;
		if (seeds.repeated) {
			SpiResult result = spi.query_kept(queries[q].sql, params);
			add_query_rows(builder, offset, result);
			rows = result.rows();
			columns = result.columns();
		} else {
			SpiCursor cursor(queries[q].sql, params);
			columns = cursor.columns();
			while (uint64 fetched = cursor.fetch(kFeatureBatchRows)) {
				add_query_rows(builder, offset, SpiResult::copy_from(cursor.batch(), fetched));
				rows += fetched;
				hooks.poll();
			}
		}
		hooks.step("features", double(q + 1) / queries.size(), static_cast<long>(q + 1));
		const FeaturePath &path = *queries[q].path;
		hooks.report("features: " + (queries[q].own ? spec.entity_table + " (own columns)" : path.name) + ", " +
		             std::to_string(columns - 1) + " features, " + std::to_string(rows) + " rows in " +
		             Stopwatch::format(watch.seconds()));
	}
	if (fit_rows) {
		builder.fit_vocabularies(*fit_rows);
	}
	return std::move(builder).build();
}

void check_schema_unchanged(SpiConnection &spi, const FeatureSpec &spec, const SchemaGraph &graph,
                            const std::string &model_label) {
	std::set<std::string> used_tables = {spec.entity_table};
	for (auto &path : spec.paths) {
		for (auto &hop : path.hops) {
			used_tables.insert(hop.table);
		}
	}
	for (auto &name : used_tables) {
		const Table &table = graph.table(name);
		SpiResult live = spi.query_kept(
		    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
		    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
		    "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
		    {graph.schema(), name});
		if (live.rows() == 0) {
			throw InvalidInputError("table " + graph.schema() + "." + name + ", which " + model_label +
			                        " reads, no longer exists; restore it or retrain the task");
		}
		for (auto &column : table.columns) {
			if (column.role == ColumnRole::Ignored || column.role == ColumnRole::Text) {
				continue;
			}
			bool found = false;
			for (size_t r = 0; r < live.rows() && !found; ++r) {
				if (live.text(r, 0) == column.name) {
					found = true;
					if (live.text(r, 1) != column.data_type) {
						throw InvalidInputError("column " + name + "." + column.name + ", which " + model_label +
						                        " reads, changed type from " + column.data_type + " to " +
						                        live.text(r, 1) + "; retrain the task");
					}
				}
			}
			if (!found) {
				throw InvalidInputError("column " + name + "." + column.name + ", which " + model_label +
				                        " reads, no longer exists; restore it or retrain the task");
			}
		}
	}
}

} // namespace relml::pg
