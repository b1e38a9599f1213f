#include "relatron/signal_sql.hpp"

#include "common/error.hpp"
#include "sql/identifier.hpp"
#include "sql/sql_literals.hpp"

#include <algorithm>
#include <cstdio>

namespace relml {

namespace {

const char *kTrainValRows = "FROM pg_temp.relml_signal_rows WHERE task_id = $1::int AND split IN ('train', 'val')";

std::string signal_entities() {
	return std::string("pg_temp.") + kSignalEntitiesTable;
}

// A percentage as TABLESAMPLE reads it, with enough digits for a tiny share of a huge table.
std::string format_percent(double percent) {
	char buffer[64];
	snprintf(buffer, sizeof(buffer), "%.6g", percent);
	return buffer;
}

// "l.col" quoted.
std::string column_of(const std::string &alias, const std::string &column) {
	return alias + "." + quote_ident(column);
}

// The condition that a link row `alias` is observed no later than the seed's time; empty for a static table.
std::string observed_by_seed(const MetaPath &path, const std::string &alias) {
	if (path.time_column.empty()) {
		return "";
	}
	return " AND " + column_of(alias, path.time_column) + " <= s.seed_time";
}

// The seed's most recent linking rows on a shared path: (seed_id, middle).
std::string own_rows_cte(const std::string &schema, const MetaPath &path, size_t index, const SignalBounds &bounds) {
	const std::string order = path.time_column.empty()
	                              ? "md5(" + column_of("l", path.middle_column) + "::text)"
	                              : column_of("l", path.time_column) + " DESC, md5(" +
	                                    column_of("l", path.middle_column) + "::text)";
	return "own_" + std::to_string(index) + " AS (SELECT seed_id, middle FROM (SELECT s.seed_id, " +
	       column_of("l", path.middle_column) + " AS middle, row_number() OVER (PARTITION BY s.seed_id ORDER BY " +
	       order + ") AS rank FROM seeds s JOIN " + qualified_name(schema, path.link_table) + " l ON " +
	       column_of("l", path.entity_column) + " = s.entity_key WHERE " + column_of("l", path.middle_column) +
	       " IS NOT NULL" + observed_by_seed(path, "l") + ") o WHERE rank <= " +
	       std::to_string(bounds.context_own_rows) + ")";
}

// The neighbours a path gives each seed: (seed_id, entity_key). Shared values first shrink to the distinct
// entities they link and when each was first seen with them, so that a hub (a constructor of 70 seasons)
// costs its distinct entities, not its rows.
std::string neighbours_select(const std::string &schema, const MetaPath &path, size_t index) {
	const std::string table = qualified_name(schema, path.link_table);
	if (path.kind == MetaPath::Kind::Direct) {
		auto one_way = [&](const std::string &from, const std::string &to) {
			return "SELECT s.seed_id, " + column_of("l", to) + " FROM seeds s JOIN " + table + " l ON " +
			       column_of("l", from) + " = s.entity_key WHERE " + column_of("l", to) + " IS NOT NULL" +
			       observed_by_seed(path, "l");
		};
		return one_way(path.entity_column, path.middle_column) + " UNION " +
		       one_way(path.middle_column, path.entity_column);
	}
	const std::string own = "own_" + std::to_string(index);
	const std::string first_seen =
	    path.time_column.empty() ? "NULL::timestamp" : "min(" + column_of("l", path.time_column) + ")";
	std::string sql = "SELECT o.seed_id, m.entity_key FROM " + own + " o JOIN seeds s USING (seed_id) JOIN (SELECT " +
	                  column_of("l", path.middle_column) + " AS middle, " + column_of("l", path.entity_column) +
	                  " AS entity_key, " + first_seen + " AS first_seen FROM " + table + " l WHERE " +
	                  column_of("l", path.middle_column) + " IN (SELECT middle FROM " + own + ") AND " +
	                  column_of("l", path.entity_column) + " IS NOT NULL GROUP BY 1, 2) m ON m.middle = o.middle";
	if (!path.time_column.empty()) {
		sql += " WHERE m.first_seen <= s.seed_time";
	}
	return sql;
}

} // namespace

// Reads as the walk it is: from the entity, through the linking column, to the middle table and back.
std::string MetaPath::name() const {
	if (kind == Kind::Direct) {
		return entity_table + " -> " + link_table + "." + entity_column + "|" + middle_column + " -> " + entity_table;
	}
	return entity_table + " -> " + link_table + "." + middle_column + " -> " + middle_table + " -> " + entity_table;
}

// Follows RELATRON.md: tables linking the entity to other tables give entity -> other-table edges, two keys to
// the entity give a direct edge, the entity's own parents link entities that share one.
std::vector<MetaPath> enumerate_meta_paths(const SchemaGraph &graph, const std::string &entity) {
	const Table &entity_table = graph.table(entity);
	std::vector<MetaPath> paths;
	const auto &keys = graph.foreign_keys();
	for (size_t i = 0; i < keys.size(); ++i) {
		const ForeignKey &to_entity = keys[i];
		if (to_entity.referenced_table != entity || to_entity.table == entity) {
			continue;
		}
		const Table &link = graph.table(to_entity.table);
		for (size_t j = 0; j < keys.size(); ++j) {
			const ForeignKey &other = keys[j];
			if (other.table != link.name || j == i) {
				continue;
			}
			const bool direct = other.referenced_table == entity;
			if (direct && j < i) {
				continue; // the pair of keys to the entity already gave this direct path
			}
			MetaPath path;
			path.kind = direct ? MetaPath::Kind::Direct : MetaPath::Kind::Shared;
			path.entity_table = entity;
			path.link_table = link.name;
			path.entity_column = to_entity.column;
			path.middle_column = other.column;
			path.middle_table = other.referenced_table;
			path.time_column = link.time_column;
			paths.push_back(path);
		}
	}
	if (!entity_table.primary_key.empty()) {
		for (const auto &parent : graph.parents_of(entity)) {
			if (parent.referenced_table == entity) {
				continue; // a key to its own table (a parent entity) links pairs already
			}
			MetaPath path;
			path.entity_table = entity;
			path.link_table = entity;
			path.entity_column = entity_table.primary_key;
			path.middle_column = parent.column;
			path.middle_table = parent.referenced_table;
			path.time_column = entity_table.time_column;
			paths.push_back(path);
		}
	}
	return paths;
}

// Other tables' keys into the entity table: where an entity's history lies.
std::vector<ForeignKey> linking_foreign_keys(const SchemaGraph &graph, const std::string &entity) {
	std::vector<ForeignKey> links;
	for (const auto &key : graph.children_of(entity)) {
		if (key.table != entity) {
			links.push_back(key);
		}
	}
	return links;
}

// Numbered once, so that edges and labels travel as integers.
std::string create_signal_entities_sql(const std::string &key_type) {
	return "CREATE TEMP TABLE " + std::string(kSignalEntitiesTable) +
	       " ON COMMIT DROP AS SELECT (row_number() OVER (ORDER BY k.entity_key) - 1)::int8 AS idx, k.entity_key "
	       "AS key_text, k.entity_key::" +
	       key_type + " AS entity_key FROM (SELECT DISTINCT entity_key " + kTrainValRows + ") k";
}

std::string create_signal_rows_sql() {
	return "CREATE TEMP TABLE " + std::string(kSignalRowsTable) +
	       " ON COMMIT DROP AS SELECT task_id, split, seed_time, entity_key, label FROM relml.task_rows "
	       "WHERE task_id = $1::int";
}

std::string analyze_temp_table_sql(const std::string &table) {
	return "ANALYZE pg_temp." + table;
}

std::string entity_class_counts_sql() {
	return "SELECT e.idx, r.label::int8 AS class, count(*)::int8 AS rows FROM pg_temp.relml_signal_rows r JOIN " +
	       signal_entities() +
	       " e ON e.key_text = r.entity_key WHERE r.task_id = $1::int AND r.split IN ('train', 'val') "
	       "GROUP BY 1, 2 ORDER BY 1, 2";
}

std::string entity_mean_labels_sql() {
	return "SELECT e.idx, avg(r.label)::float8 AS label FROM pg_temp.relml_signal_rows r JOIN " + signal_entities() +
	       " e ON e.key_text = r.entity_key WHERE r.task_id = $1::int AND r.split IN ('train', 'val') "
	       "GROUP BY 1 ORDER BY 1";
}

std::string table_rows_estimate_sql() {
	return "SELECT greatest(reltuples, 0)::float8 FROM pg_catalog.pg_class WHERE oid = $1::regclass";
}

// Block sampling reads only the pages it keeps; on small tables the whole table is cheaper and exact.
std::optional<double> sample_percent(double estimated_rows, long max_source_rows) {
	if (estimated_rows <= static_cast<double>(max_source_rows) || estimated_rows <= 0) {
		return std::nullopt;
	}
	return std::max(100.0 * static_cast<double>(max_source_rows) / estimated_rows, 1e-4);
}

// Shared values and members are picked by md5 order: a fixed, data-independent choice, so reruns agree.
std::string meta_path_edges_sql(const std::string &schema, const MetaPath &path, const SignalBounds &bounds,
                                std::optional<double> percent) {
	std::string source = qualified_name(schema, path.link_table) + " l";
	if (percent) {
		source += " TABLESAMPLE SYSTEM (" + format_percent(*percent) + ") REPEATABLE (0)";
	}
	if (path.kind == MetaPath::Kind::Direct) {
		return "SELECT DISTINCT least(a.idx, b.idx) AS u, greatest(a.idx, b.idx) AS v FROM " + source + " JOIN " +
		       signal_entities() + " a ON a.entity_key = " + column_of("l", path.entity_column) + " JOIN " +
		       signal_entities() + " b ON b.entity_key = " + column_of("l", path.middle_column) +
		       " WHERE a.idx <> b.idx ORDER BY 1, 2";
	}
	return "WITH links AS (SELECT DISTINCT " + column_of("l", path.middle_column) + " AS middle, e.idx FROM " +
	       source + " JOIN " + signal_entities() + " e ON e.entity_key = " + column_of("l", path.entity_column) +
	       " WHERE " + column_of("l", path.middle_column) +
	       " IS NOT NULL), members AS MATERIALIZED (SELECT middle, idx FROM (SELECT middle, idx, dense_rank() OVER "
	       "(ORDER BY md5(middle::text), middle) AS middle_rank, row_number() OVER (PARTITION BY middle ORDER BY "
	       "md5(idx::text)) AS member_rank FROM links) r WHERE middle_rank <= " +
	       std::to_string(bounds.max_middle_values) + " AND member_rank <= " +
	       std::to_string(bounds.max_members_per_value) +
	       ") SELECT DISTINCT a.idx AS u, b.idx AS v FROM members a JOIN members b ON a.middle = b.middle AND "
	       "a.idx < b.idx ORDER BY 1, 2";
}

std::string label_autocorrelation_sql() {
	return std::string("SELECT corr(label, lag1)::float8 AS lag1, corr(label, lag2)::float8 AS lag2 FROM (SELECT "
	                   "label, lag(label, 1) OVER w AS lag1, lag(label, 2) OVER w AS lag2 ") +
	       kTrainValRows + " WINDOW w AS (PARTITION BY entity_key ORDER BY seed_time)) t";
}

std::string label_size_sql() {
	return std::string("SELECT coalesce(sum(n), 0)::int8 AS rows, (max(n)::float8 / nullif(sum(n), 0))::float8 AS "
	                   "majority_share FROM (SELECT count(*) AS n ") +
	       kTrainValRows + " GROUP BY label) c";
}

// One statement: seeds, their own linking rows, neighbours, context rows, one summary row.
std::string context_affinity_sql(const std::string &schema, const std::string &key_type,
                                 const std::vector<MetaPath> &paths, const SignalBounds &bounds) {
	std::string sql = "WITH seeds AS (SELECT row_number() OVER (ORDER BY h) AS seed_id, entity_key AS key_text, "
	                  "entity_key::" +
	                  key_type +
	                  " AS entity_key, seed_time, label FROM (SELECT entity_key, seed_time, label, md5(entity_key || "
	                  "'|' || " +
	                  iso("seed_time") +
	                  ") AS h FROM pg_temp.relml_signal_rows WHERE task_id = $1::int AND split = 'train' ORDER BY h LIMIT " +
	                  std::to_string(bounds.context_seeds) + ") t)";
	for (size_t i = 0; i < paths.size(); ++i) {
		if (paths[i].kind == MetaPath::Kind::Shared) {
			sql += ", " + own_rows_cte(schema, paths[i], i, bounds);
		}
	}
	sql += ", neighbours (seed_id, entity_key) AS (SELECT seed_id, entity_key FROM seeds";
	for (size_t i = 0; i < paths.size(); ++i) {
		sql += " UNION " + neighbours_select(schema, paths[i], i);
	}
	sql += "), bounded AS (SELECT seed_id, seed_time, seed_label, key_text FROM (SELECT n.seed_id, s.seed_time, "
	       "s.label AS seed_label, n.entity_key::text AS key_text, row_number() OVER (PARTITION BY n.seed_id ORDER "
	       "BY n.entity_key = s.entity_key DESC, md5(n.entity_key::text)) AS rank FROM neighbours n JOIN seeds s "
	       "USING (seed_id)) b WHERE rank <= " +
	       std::to_string(bounds.context_neighbours) +
	       "), context AS (SELECT b.seed_id, b.seed_label, r.label AS other_label FROM bounded b JOIN "
	       "pg_temp.relml_signal_rows r ON r.entity_key = b.key_text AND r.seed_time < b.seed_time WHERE r.task_id = $1::int "
	       "AND r.split IN ('train', 'val')), per_seed AS (SELECT s.seed_id, s.label AS x, count(c.seed_id) AS rows, "
	       "avg((c.other_label = c.seed_label)::int) AS same_share, coalesce(sum(c.other_label), 0) AS sy, "
	       "coalesce(sum(c.other_label * c.other_label), 0) AS syy FROM seeds s LEFT JOIN context c USING (seed_id) "
	       "GROUP BY s.seed_id, s.label), totals AS (SELECT avg(same_share) AS same_share_mean, stddev_pop(same_share) "
	       "AS same_share_std, avg(rows) AS rows_mean, avg((rows = 0)::int) AS sparsity, sum(rows) AS n, "
	       "sum(rows * x) AS sx, sum(rows * x * x) AS sxx, sum(sy) AS sy, sum(syy) AS syy, sum(x * sy) AS sxy, "
	       "count(*) AS seeds FROM per_seed) SELECT same_share_mean::float8, same_share_std::float8, "
	       "rows_mean::float8, sparsity::float8, ((n * sxy - sx * sy) / nullif(sqrt(greatest(n * sxx - sx * sx, 0) * "
	       "greatest(n * syy - sy * sy, 0)), 0))::float8 AS label_correlation, seeds::int8 FROM totals";
	return sql;
}

// NOT EXISTS per linking table: the planner turns each into an anti-join over one scan of the table.
std::string cold_start_share_sql(const SchemaGraph &graph, const std::string &key_type,
                                 const std::vector<ForeignKey> &links) {
	if (links.empty()) {
		throw InternalError("cold_start_share_sql needs at least one linking table");
	}
	std::string conditions;
	for (size_t i = 0; i < links.size(); ++i) {
		const Table &table = graph.table(links[i].table);
		const std::string alias = "l" + std::to_string(i);
		conditions += (i == 0 ? "" : " AND ") + std::string("NOT EXISTS (SELECT 1 FROM ") +
		              qualified_name(graph.schema(), table.name) + " " + alias + " WHERE " +
		              column_of(alias, links[i].column) + " = e.entity_key";
		if (table.has_time()) {
			conditions += " AND " + column_of(alias, table.time_column) + " < $3::timestamp";
		}
		conditions += ")";
	}
	return "SELECT avg((" + conditions + ")::int)::float8 FROM (SELECT DISTINCT entity_key::" + key_type +
	       " AS entity_key FROM pg_temp.relml_signal_rows WHERE task_id = $1::int AND split = $2) e";
}

std::string median_test_lead_days_sql() {
	return "SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM seed_time - $2::timestamp) / "
	       "86400.0))::float8 FROM pg_temp.relml_signal_rows WHERE task_id = $1::int AND split = 'test'";
}

} // namespace relml
