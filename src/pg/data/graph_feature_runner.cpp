#include "pg/data/graph_feature_runner.hpp"

#include "pg/boundary/error_bridge.hpp"
#include "pg/boundary/module.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/data/feature_runner.hpp"
#include "pg/data/graph_loader.hpp"

#include "common/error.hpp"
#include "dfs/graph_feature_evaluator.hpp"
#include "task/seed_sql.hpp"

#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <set>

namespace relml::pg {

namespace {

// Under auto, smaller batches keep SQL: their queries are quick, and the graph would cost a load.
constexpr size_t kAutoGraphSeeds = 10000;
// Under auto, a backend without the graph loads it for a batch of at least this many seeds per row of the
// registered tables. At demo scale 100 a load takes about 0.7 us a row and the queries about 180 us a seed, so
// from one seed per 250 rows the first batch costs no more than by SQL, and the next ones reuse the graph.
constexpr double kAutoLoadSeedsPerRow = 1.0 / 200;
// Seeds of each batch computed by SQL too, spread over the batch.
constexpr size_t kCheckedSeeds = 256;

// Models whose graph features differed from SQL in this session: their batches go to SQL.
std::set<int64_t> &differing_models() {
	static auto *models = new std::set<int64_t>();
	return *models;
}

// Whether timestamps with time zone convert to the session's timestamps without an offset that changes.
bool utc_session(SpiConnection &spi) {
	return spi.query_kept("SELECT current_setting('TimeZone') = ANY ('{UTC,Etc/UTC,GMT,Etc/GMT,UCT,Etc/UCT,"
	                      "Universal,Etc/Universal,Zulu,Etc/Zulu}'::text[])")
	           .text(0, 0) == "t";
}

// Tells the evaluator how SQL compares each categorical column its features compare: the column's collation must
// be deterministic (equal values are equal texts), and a mode's ties go to the value SQL sorts first.
void describe_compared_columns(SpiConnection &spi, const std::string &schema, const RelGraph &graph,
                               GraphFeatureEvaluator &evaluator) {
	const std::vector<ComparedColumn> &columns = evaluator.compared_columns();
	for (size_t i = 0; i < columns.size(); ++i) {
		const ComparedColumn &column = columns[i];
		SpiResult collation = spi.query_kept(
		    "SELECT coalesce(c.collisdeterministic, true), CASE WHEN c.oid IS NULL THEN '' "
		    "ELSE format('%I.%I', n.nspname, c.collname) END FROM pg_attribute a "
		    "JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace s ON s.oid = r.relnamespace "
		    "LEFT JOIN pg_collation c ON c.oid = a.attcollation LEFT JOIN pg_namespace n ON n.oid = c.collnamespace "
		    "WHERE s.nspname = $1 AND r.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped",
		    {schema, column.table, column.column});
		if (collation.rows() == 0) {
			evaluator.refuse("column " + column.table + "." + column.column + " is not in the catalog");
			return;
		}
		if (collation.text(0, 0) != "t") {
			evaluator.refuse("column " + column.table + "." + column.column +
			                 " has a nondeterministic collation: equal values may differ as text");
			return;
		}
		if (!column.needs_order) {
			continue;
		}
		const std::vector<std::string> &dictionary =
		    graph.tables[column.graph_table].columns[column.graph_column].dictionary;
		const std::string collate = collation.text(0, 1).empty() ? "" : " COLLATE " + collation.text(0, 1);
		SpiResult order = spi.query("SELECT (d.ord - 1)::int FROM unnest($1::text[]) WITH ORDINALITY AS d(value, ord) "
		                            "ORDER BY CAST(d.value AS " + column.data_type + ")" + collate + ", d.ord",
		                            {text_array_param(dictionary)});
		std::vector<int32_t> rank(order.rows());
		for (size_t position = 0; position < order.rows(); ++position) {
			rank.at(size_t(order.integer(position, 0))) = int32_t(position);
		}
		evaluator.set_value_order(i, std::move(rank));
	}
}

// Matrix values that agree as SQL's float8 results and the graph's sums agree once both are floats: equal, both
// missing, or apart by rounding.
bool same_feature_value(float sql, float graph) {
	if (std::isnan(sql) || std::isnan(graph)) {
		return std::isnan(sql) && std::isnan(graph);
	}
	return std::fabs(double(sql) - double(graph)) <= 1e-6 * std::max(std::fabs(double(sql)), 1e-3);
}

std::string value_text(float value) {
	return std::isnan(value) ? "missing" : std::to_string(value);
}

// The seed rows `positions` of the batch computed by the SQL feature queries; the first feature whose graph value
// differs, described, or nothing.
std::optional<std::string> first_difference(SpiConnection &spi, const FeatureSpec &spec, const SchemaGraph &model_graph,
                                            const SeedFrame &seeds, const std::vector<size_t> &positions,
                                            const DenseMatrix &from_graph, const RunHooks &hooks) {
	std::vector<int64_t> row_ids;
	std::string ids;
	for (size_t position : positions) {
		row_ids.push_back(seeds.row_ids[position]);
		ids += (ids.empty() ? "{" : ",") + std::to_string(seeds.row_ids[position]);
	}
	const SeedRelation sample{"(SELECT * FROM " + std::string(kSeedTable) + " WHERE row_id = ANY ($1::int8[]))",
	                          {ids + "}"}};
	FeatureSpec sql_spec = spec;
	const DenseMatrix from_sql = compute_features(spi, sql_spec, model_graph, row_ids, sample, nullptr, hooks);
	const std::vector<std::string> names = spec.feature_names();
	for (size_t i = 0; i < positions.size(); ++i) {
		for (size_t c = 0; c < from_sql.cols; ++c) {
			const float sql = from_sql.at(i, c);
			const float graph = from_graph.at(positions[i], c);
			if (!same_feature_value(sql, graph)) {
				return "feature " + names.at(c) + " of entity " + seeds.keys[positions[i]] + " at " +
				       seeds.as_of[positions[i]] + " is " + value_text(sql) + " by SQL and " + value_text(graph) +
				       " from the graph";
			}
		}
	}
	return std::nullopt;
}

// relml.fault_injection = 'graph_features_differ': the first seed's first present feature is off by one, so
// that tests can prove the check against SQL catches a difference.
void inject_difference(DenseMatrix &matrix) {
	if (!fault_injection_setting || strcmp(fault_injection_setting, "graph_features_differ") != 0) {
		return;
	}
	for (size_t c = 0; c < matrix.cols && matrix.rows > 0; ++c) {
		if (!std::isnan(matrix.at(0, c))) {
			matrix.at(0, c) += 1.0f;
			return;
		}
	}
}

// Tells the user why a batch that the setting sent to the graph goes to SQL instead; under auto a progress line.
void explain_sql_fallback(const std::string &reason, const RunHooks &hooks) {
	const std::string message = "relml: DFS features of this batch are computed by SQL: " + reason;
	if (dfs_batch_features_setting == DFS_BATCH_FEATURES_GRAPH) {
		notice(message);
	} else {
		hooks.report(message);
	}
}

// The feature matrix of `seeds` (in the seed table) for model `model_id`, computed from the graph; nothing when
// SQL must compute it (see prediction_features).
std::optional<DenseMatrix> features_from_graph(SpiConnection &spi, const FeatureSpec &spec,
                                               const SchemaGraph &model_graph, const TaskInfo &task, int64_t model_id,
                                               const SeedFrame &seeds, int threads, const RunHooks &hooks) {
	if (!seeds.in_seed_table || seeds.size() == 0 || dfs_batch_features_setting == DFS_BATCH_FEATURES_SQL ||
	    (dfs_batch_features_setting == DFS_BATCH_FEATURES_AUTO && seeds.size() < kAutoGraphSeeds)) {
		return std::nullopt;
	}
	if (differing_models().count(model_id)) {
		explain_sql_fallback("its graph features differed from SQL earlier in this session", hooks);
		return std::nullopt;
	}
	check_feature_memory(seeds.size(), spec.feature_count());
	const SchemaGraph schema = load_schema_graph(spi, task.database_id);
	const auto rows_of_data = [&] {
		const std::vector<size_t> rows = estimated_table_rows(spi, schema);
		return std::accumulate(rows.begin(), rows.end(), 0.0);
	};
	if (dfs_batch_features_setting == DFS_BATCH_FEATURES_AUTO && !holds_graph_of(task.database_id) &&
	    double(seeds.size()) < kAutoLoadSeedsPerRow * rows_of_data()) {
		hooks.report("features: by SQL: " + std::to_string(seeds.size()) +
		             " seeds would not pay for loading the graph of " + task.database_name);
		return std::nullopt;
	}
	const LoadedGraph *loaded = nullptr;
	try {
		loaded = &load_graph(spi, task.database_id, schema, hooks, nullptr);
	} catch (const ResourceError &e) {
		explain_sql_fallback(e.what(), hooks);
		return std::nullopt;
	}
	GraphFeatureEvaluator evaluator(spec, model_graph, loaded->graph, utc_session(spi));
	if (evaluator.unsupported_reason().empty()) {
		describe_compared_columns(spi, schema.schema(), loaded->graph, evaluator);
	}
	if (!evaluator.unsupported_reason().empty()) {
		explain_sql_fallback(evaluator.unsupported_reason(), hooks);
		return std::nullopt;
	}
	const int entity_table = loaded->graph.table_index(task.entity_table);
	GraphFeatureSeeds graph_seeds;
	graph_seeds.seed_times = seeds.times;
	graph_seeds.obs_times = seeds.obs_times;
	graph_seeds.entity_rows.reserve(seeds.size());
	for (const std::string &key : seeds.keys) {
		const int32_t row = loaded->keys.at(entity_table).find(key);
		if (row < 0) {
			explain_sql_fallback("entity " + key + " is not in the graph", hooks);
			return std::nullopt;
		}
		graph_seeds.entity_rows.push_back(row);
	}
	DenseMatrix matrix = evaluator.compute_all(graph_seeds, threads, hooks);
	inject_difference(matrix);
	std::vector<size_t> positions;
	for (size_t i = 0; i < std::min(kCheckedSeeds, seeds.size()); ++i) {
		positions.push_back(i * seeds.size() / std::min(kCheckedSeeds, seeds.size()));
	}
	if (std::optional<std::string> difference =
	        first_difference(spi, spec, model_graph, seeds, positions, matrix, hooks)) {
		differing_models().insert(model_id);
		notice("relml: DFS features of model " + std::to_string(model_id) +
		       " computed from the graph differ from SQL (" + *difference +
		       "); this batch and the model's later ones in this session are computed by SQL");
		return std::nullopt;
	}
	hooks.report("features: " + std::to_string(matrix.rows) + " seeds x " + std::to_string(matrix.cols) +
	             " features from the graph, " + std::to_string(positions.size()) + " of them checked against SQL");
	return matrix;
}

} // namespace

DenseMatrix prediction_features(SpiConnection &spi, FeatureSpec &spec, const SchemaGraph &model_graph,
                                const TaskInfo &task, int64_t model_id, const SeedFrame &seeds, int threads,
                                const RunHooks &hooks) {
	if (std::optional<DenseMatrix> from_graph =
	        features_from_graph(spi, spec, model_graph, task, model_id, seeds, threads, hooks)) {
		return std::move(*from_graph);
	}
	return compute_features(spi, spec, model_graph, seeds.row_ids, seeds.relation(), nullptr, hooks);
}

} // namespace relml::pg
