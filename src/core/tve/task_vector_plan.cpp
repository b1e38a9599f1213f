#include "tve/task_vector_plan.hpp"

#include "common/error.hpp"
#include "sql/casts.hpp"
#include "sql/identifier.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace relml {

namespace {

const std::vector<std::pair<TaskVectorStatistic, const char *>> kStatisticNames = {
    {TaskVectorStatistic::Rows, "rows"},     {TaskVectorStatistic::Mean, "mean"},
    {TaskVectorStatistic::Min, "min"},       {TaskVectorStatistic::Max, "max"},
    {TaskVectorStatistic::Sum, "sum"},       {TaskVectorStatistic::Count, "count"},
    {TaskVectorStatistic::Stddev, "stddev"}, {TaskVectorStatistic::Mode, "mode"},
    {TaskVectorStatistic::CountDistinct, "count_distinct"}};

std::string joined(const std::vector<std::string> &items) {
	std::string text;
	for (auto &item : items) {
		text += (text.empty() ? "" : ", ") + item;
	}
	return text;
}

// The statistics a column contributes; none for keys, time, free text and ignored columns.
std::vector<TaskVectorStatistic> statistics_of(const Column &column) {
	using S = TaskVectorStatistic;
	switch (column.role) {
	case ColumnRole::Numerical:
	case ColumnRole::Boolean:
		return {S::Mean, S::Min, S::Max, S::Sum, S::Count, S::Stddev};
	case ColumnRole::Categorical:
		return {S::Mode, S::Count, S::CountDistinct};
	default:
		return {};
	}
}

// First hops are the entity's events: the foreign keys of timed tables into it. A table with several such keys
// names each hop by its column, so that every path name stays unique.
std::vector<TaskVectorPath> first_hops(const SchemaGraph &graph, const std::string &entity) {
	std::vector<ForeignKey> children = graph.children_of(entity);
	std::vector<TaskVectorPath> paths;
	for (auto &fk : children) {
		const Table &table = graph.table(fk.table);
		if (!table.has_time()) {
			continue;
		}
		long keys_into_entity = std::count_if(children.begin(), children.end(),
		                                      [&](const ForeignKey &other) { return other.table == fk.table; });
		TaskVectorPath path;
		path.name = keys_into_entity > 1 ? fk.table + "." + fk.column : fk.table;
		path.first = fk;
		path.table = fk.table;
		paths.push_back(std::move(path));
	}
	return paths;
}

// Each first hop, followed (hops = 2) by its extensions: to every parent of the event table except back along
// the first hop itself, then to every child of it.
std::vector<TaskVectorPath> enumerate_paths(const SchemaGraph &graph, const std::string &entity, int hops) {
	std::vector<TaskVectorPath> paths;
	for (auto &first : first_hops(graph, entity)) {
		paths.push_back(first);
		if (hops < 2) {
			continue;
		}
		for (auto &fk : graph.parents_of(first.table)) {
			if (fk.column == first.first.column) {
				continue;
			}
			TaskVectorPath path = first;
			path.name = first.name + "." + fk.column + "->" + fk.referenced_table;
			path.two_hops = true;
			path.to_parent = true;
			path.second = fk;
			path.table = fk.referenced_table;
			paths.push_back(std::move(path));
		}
		for (auto &fk : graph.children_of(first.table)) {
			TaskVectorPath path = first;
			path.name = first.name + "<-" + fk.table + "." + fk.column;
			path.two_hops = true;
			path.second = fk;
			path.table = fk.table;
			paths.push_back(std::move(path));
		}
	}
	return paths;
}

std::vector<TaskVectorPath> keep_named(std::vector<TaskVectorPath> paths, const std::vector<std::string> &names,
                                       const std::string &entity) {
	if (names.empty()) {
		return paths;
	}
	std::vector<std::string> available;
	for (auto &path : paths) {
		available.push_back(path.name);
	}
	for (auto &name : names) {
		if (std::find(available.begin(), available.end(), name) == available.end()) {
			throw InvalidInputError("task vector path \"" + name + "\" does not exist for entity table \"" + entity +
			                        "\"; available paths: " + joined(available));
		}
	}
	std::set<std::string> wanted(names.begin(), names.end());
	paths.erase(std::remove_if(paths.begin(), paths.end(),
	                           [&](const TaskVectorPath &path) { return !wanted.count(path.name); }),
	            paths.end());
	return paths;
}

// PostgreSQL casts boolean to int but not to float8.
std::string as_float(const Column &column, const std::string &alias) {
	std::string ref = alias + "." + quote_ident(column.name);
	bool boolean = column.role == ColumnRole::Boolean || column.data_type == "boolean";
	return float8_expression(ref, boolean);
}

std::string aggregate_sql(const TaskVectorComponent &component, const Table &table, const std::string &alias) {
	if (component.statistic == TaskVectorStatistic::Rows) {
		return "count(*)::bigint";
	}
	const Column &column = *table.find_column(component.column);
	std::string ref = alias + "." + quote_ident(column.name);
	switch (component.statistic) {
	case TaskVectorStatistic::Mean:
		return "avg(" + as_float(column, alias) + ")::float8";
	case TaskVectorStatistic::Min:
		return "min(" + as_float(column, alias) + ")::float8";
	case TaskVectorStatistic::Max:
		return "max(" + as_float(column, alias) + ")::float8";
	case TaskVectorStatistic::Sum:
		return "sum(" + as_float(column, alias) + ")::float8";
	case TaskVectorStatistic::Stddev:
		return "stddev_samp(" + as_float(column, alias) + ")::float8";
	case TaskVectorStatistic::Count:
		return "count(" + ref + ")::bigint";
	case TaskVectorStatistic::CountDistinct:
		return "count(DISTINCT " + ref + ")::bigint";
	// mode() keeps the first of equally frequent values in sort order; "C" makes that the smallest in byte
	// order whatever the database's collation, as the normaliser orders its one-hot slots.
	case TaskVectorStatistic::Mode:
		return "(mode() WITHIN GROUP (ORDER BY " + ref + "::text COLLATE \"C\"))::text";
	case TaskVectorStatistic::Rows:
		break;
	}
	throw InternalError("unhandled task vector statistic for column " + table.name + "." + column.name);
}

} // namespace

std::string to_string(TaskVectorStatistic statistic) {
	for (auto &entry : kStatisticNames) {
		if (entry.first == statistic) {
			return entry.second;
		}
	}
	throw InternalError("unknown task vector statistic");
}

std::string TaskVectorComponent::name(const std::vector<TaskVectorPath> &paths) const {
	const std::string &prefix = paths.at(path).name;
	if (statistic == TaskVectorStatistic::Rows) {
		return prefix + ".rows";
	}
	return prefix + "." + column + "." + to_string(statistic);
}

// Paths, then the columns along them: both options are checked against what exists, so that a typo is an
// error that lists the choices rather than a task vector silently missing a part.
TaskVectorPlan TaskVectorPlan::make(const SchemaGraph &graph, const std::string &entity_table,
                                    const TaskVectorOptions &options) {
	if (options.hops != 1 && options.hops != 2) {
		throw InvalidInputError("task vector hops must be 1 or 2, got " + std::to_string(options.hops));
	}
	const Table &entity = graph.table(entity_table);
	if (entity.primary_key.empty()) {
		throw InvalidInputError("entity table \"" + entity_table + "\" has no primary key");
	}
	std::vector<TaskVectorPath> all = enumerate_paths(graph, entity.name, options.hops);
	if (all.empty()) {
		throw InvalidInputError("entity table \"" + entity_table +
		                        "\" has no outgoing paths: no table with a time column has a foreign key to it");
	}

	TaskVectorPlan plan;
	plan.graph_ = graph;
	plan.entity_table_ = entity.name;
	plan.entity_key_ = entity.primary_key;
	plan.paths_ = keep_named(std::move(all), options.paths, entity.name);

	std::vector<std::string> available;
	for (auto &path : plan.paths_) {
		for (auto &column : graph.table(path.table).columns) {
			std::string name = path.table + "." + column.name;
			bool listed = std::find(available.begin(), available.end(), name) != available.end();
			if (!statistics_of(column).empty() && !listed) {
				available.push_back(name);
			}
		}
	}
	for (auto &name : options.columns) {
		if (std::find(available.begin(), available.end(), name) == available.end()) {
			throw InvalidInputError("task vector column \"" + name + "\" is not a feature column of any path from \"" +
			                        entity.name + "\"; available columns: " + joined(available));
		}
	}
	std::set<std::string> wanted(options.columns.begin(), options.columns.end());

	for (int p = 0; p < static_cast<int>(plan.paths_.size()); ++p) {
		const TaskVectorPath &path = plan.paths_[p];
		plan.components_.push_back({p, "", TaskVectorStatistic::Rows});
		for (auto &column : graph.table(path.table).columns) {
			if (!wanted.empty() && !wanted.count(path.table + "." + column.name)) {
				continue;
			}
			for (auto statistic : statistics_of(column)) {
				plan.components_.push_back({p, column.name, statistic});
			}
		}
	}
	return plan;
}

// Every seed time with every entity that exists at it. An untimed entity has no creation time: it exists once
// its first event on the plan's first hops is no later than the end of the seed's window.
std::string TaskVectorPlan::rows_sql() const {
	const Table &entity = graph_.table(entity_table_);
	std::string key = "e." + quote_ident(entity_key_);
	std::string seeds = "(SELECT DISTINCT unnest($1::timestamp[]) AS seed_time) AS t";
	// The distinct first hops: several paths may start with the same foreign key.
	std::vector<const ForeignKey *> first_hops;
	std::set<std::pair<std::string, std::string>> seen;
	for (auto &path : paths_) {
		if (seen.insert({path.first.table, path.first.column}).second) {
			first_hops.push_back(&path.first);
		}
	}
	// Events in (t - $3, t] per (seed time, entity): a range join per first hop, computed once for all rows.
	std::string recent;
	for (const ForeignKey *fk : first_hops) {
		std::string at = "h." + quote_ident(graph_.table(fk->table).time_column);
		recent += std::string(recent.empty() ? "" : " UNION ") + "SELECT s.seed_time, h." + quote_ident(fk->column) +
		          " AS entity_key FROM (SELECT DISTINCT unnest($1::timestamp[]) AS seed_time) AS s JOIN " +
		          qualified_name(graph_.schema(), fk->table) + " h ON " + at + " > s.seed_time - $3::interval AND " +
		          at + " <= s.seed_time";
	}
	// A left join, not an IN under OR: PostgreSQL would run that subquery once per candidate row.
	std::string active = " LEFT JOIN (" + recent + ") AS a ON a.seed_time = t.seed_time AND a.entity_key = " + key +
	                     " WHERE $3::interval IS NULL OR a.entity_key IS NOT NULL";
	std::string select = "SELECT (row_number() OVER (ORDER BY t.seed_time, " + key + "))::bigint AS row_id, " + key +
	                     " AS entity_key, t.seed_time";
	std::string order = " ORDER BY row_id";
	if (entity.has_time()) {
		return select + " FROM " + seeds + " JOIN " + qualified_name(graph_.schema(), entity.name) +
		       " e ON e." + quote_ident(entity.time_column) + " <= t.seed_time" + active + order;
	}
	std::string events;
	for (const ForeignKey *fk : first_hops) {
		std::string fk_column = "h." + quote_ident(fk->column);
		events += std::string(events.empty() ? "" : " UNION ALL ") + "SELECT " + fk_column + " AS entity_key, min(h." +
		          quote_ident(graph_.table(fk->table).time_column) + ")::timestamp AS at FROM " +
		          qualified_name(graph_.schema(), fk->table) + " h WHERE " + fk_column + " IS NOT NULL GROUP BY 1";
	}
	return "WITH first_event AS (SELECT entity_key, min(at) AS at FROM (" + events +
	       ") AS events GROUP BY entity_key) " + select + " FROM first_event f JOIN " +
	       qualified_name(graph_.schema(), entity.name) + " e ON " + key + " = f.entity_key JOIN " + seeds +
	       " ON f.at <= t.seed_time + $2::interval" + active + order;
}

// The joins keep first-hop rows inside the seed's window and timed second-hop rows no later than its end. They
// are inner joins: a row the path does not reach gets no output row, and the caller reads it as 0 rows.
std::string TaskVectorPlan::path_sql(int path, const std::string &rows_relation) const {
	if (path < 0 || path >= static_cast<int>(paths_.size())) {
		throw InternalError("task vector path " + std::to_string(path) + " is out of range: the plan has " +
		                    std::to_string(paths_.size()) + " paths");
	}
	const TaskVectorPath &p = paths_[path];
	const Table &first = graph_.table(p.first.table);
	const std::string window_end = "r.seed_time + $1::interval";
	std::string from = rows_relation + " r JOIN " + qualified_name(graph_.schema(), first.name) + " h1 ON h1." +
	                   quote_ident(p.first.column) + " = r.entity_key AND h1." + quote_ident(first.time_column) +
	                   " > r.seed_time AND h1." + quote_ident(first.time_column) + " <= " + window_end;
	std::string alias = "h1";
	if (p.two_hops) {
		const Table &second = graph_.table(p.table);
		std::string on = p.to_parent ? "h2." + quote_ident(second.primary_key) + " = h1." + quote_ident(p.second.column)
		                             : "h2." + quote_ident(p.second.column) + " = h1." + quote_ident(first.primary_key);
		if (second.has_time()) {
			on += " AND h2." + quote_ident(second.time_column) + " <= " + window_end;
		}
		from += " JOIN " + qualified_name(graph_.schema(), second.name) + " h2 ON " + on;
		alias = "h2";
	}
	const Table &target = graph_.table(p.table);
	std::string select = "SELECT r.row_id";
	for (size_t i = 0; i < components_.size(); ++i) {
		if (components_[i].path == path) {
			select += ", " + aggregate_sql(components_[i], target, alias) + " AS c" + std::to_string(i);
		}
	}
	return select + " FROM " + from + " GROUP BY r.row_id ORDER BY r.row_id";
}

nlohmann::json TaskVectorPlan::to_json() const {
	nlohmann::json paths = nlohmann::json::array();
	for (auto &path : paths_) {
		paths.push_back({{"name", path.name}, {"table", path.table}});
	}
	nlohmann::json components = nlohmann::json::array();
	for (auto &component : components_) {
		components.push_back(component.name(paths_));
	}
	return {{"entity_table", entity_table_}, {"paths", paths}, {"components", components}};
}

} // namespace relml
