// What a TVE task vector is made of, and the set-based SQL that computes it. From an entity table, a path
// follows one foreign key of a timed table that points at the entity (the first hop: the entity's events),
// then optionally one more foreign key from that table's rows, to a parent or to a child table (hops = 2).
// Over the rows a path reaches whose first-hop time lies in (t, t + horizon], every feature column of the
// path's last table gives statistics: numerical and boolean columns mean, min, max, sum, count and stddev;
// categorical columns mode, count and count distinct. Keys, free text and timestamps are skipped. Every path
// also counts the rows it reached.
#pragma once

#include "common/no_postgres.hpp"
#include "schema/schema_graph.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace relml {

enum class TaskVectorStatistic { Rows, Mean, Min, Max, Sum, Count, Stddev, Mode, CountDistinct };

std::string to_string(TaskVectorStatistic statistic);

struct TaskVectorPath {
	// "results" for one hop; "results.raceId->races" to a parent; "results<-pit_stops.resultId" to a child.
	// A table with several foreign keys to the entity names its first hops by column: "transfers.from_id".
	std::string name;
	ForeignKey first;         // a foreign key of a timed table (first.table) that points at the entity table
	bool two_hops = false;
	bool to_parent = false;   // two hops: the second follows a foreign key of first.table (else one into it)
	ForeignKey second;        // two hops only
	std::string table;        // the path's last table, whose columns are aggregated
};

struct TaskVectorComponent {
	int path = 0;                 // index into paths()
	std::string column;           // empty for Rows
	TaskVectorStatistic statistic = TaskVectorStatistic::Rows;

	bool is_mode() const {
		return statistic == TaskVectorStatistic::Mode;
	}
	// "<path>.<column>.<statistic>", or "<path>.rows"
	std::string name(const std::vector<TaskVectorPath> &paths) const;
};

struct TaskVectorOptions {
	int hops = 2;                     // 1 or 2
	std::vector<std::string> paths;   // path names to keep; empty: every path
	std::vector<std::string> columns; // "table.column" entries to keep; empty: every feature column
};

class TaskVectorPlan {
public:
	// NotFoundError when the entity table is not in the graph. InvalidInputError, naming the problem, when:
	// the entity table has no primary key; hops is not 1 or 2; no timed table has a foreign key to the entity
	// table ("has no outgoing paths"); a path or column of the options does not exist (the message lists the
	// available ones).
	static TaskVectorPlan make(const SchemaGraph &graph, const std::string &entity_table,
	                           const TaskVectorOptions &options);

	const std::string &entity_table() const {
		return entity_table_;
	}
	const std::vector<TaskVectorPath> &paths() const {
		return paths_;
	}
	// Path by path, in the order of path_sql's output columns.
	const std::vector<TaskVectorComponent> &components() const {
		return components_;
	}

	// The pre-training rows: (row_id bigint, entity_key <the key's own type>, seed_time timestamp) for every
	// seed time in $1 (timestamp[]) and every entity that exists at it: a timed entity table's row whose
	// time is <= seed_time; otherwise an entity whose first event on any path's first hop is <= seed_time +
	// $2 (interval). With $3 (interval) not NULL, only entities with an event on a first hop in
	// (seed_time - $3, seed_time] count: the active ones, decided from the past alone. Ordered by seed_time then
	// key, row_id counting from 1 in that order.
	std::string rows_sql() const;

	// One row per row of `rows_relation` (a relation with the columns of rows_sql) that the path reaches: row_id,
	// then the path's components in order (float8 for numbers, bigint for counts, text for modes), named c<k>
	// for components()[k] so that the results of several paths can be joined. First-hop rows must lie in
	// (seed_time, seed_time + $1], $1 the horizon (interval); a timed second-hop row must be no later than
	// seed_time + $1. Modes break ties by the smallest value's text (byte order). Ordered by row_id.
	std::string path_sql(int path, const std::string &rows_relation) const;

	nlohmann::json to_json() const; // paths and component names, stored with the pre-training table

private:
	SchemaGraph graph_; // the tables paths reach: their keys, time columns and column types
	std::string entity_table_;
	std::string entity_key_;
	std::vector<TaskVectorPath> paths_;
	std::vector<TaskVectorComponent> components_;
};

} // namespace relml
