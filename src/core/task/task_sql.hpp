// SQL that turns a task definition into its training table: the seed timestamps of each split (RelBench's
// schedule), the wrapping of the user's label query and the checks of the definition's timestamps and horizon.
#pragma once

#include "common/no_postgres.hpp"
#include "schema/schema_graph.hpp"

#include <string>

namespace relml {

// One row: the earliest and latest time over every timed table of the graph. NotFoundError-free: a graph
// without timed tables gives a query returning NULLs.
std::string database_time_range_sql(const SchemaGraph &graph);

// One row: whether some timed table of the graph has a row at or before $1 (timestamp); true without timed
// tables. Each table's scan stops at its first such row, where the full range above reads every row.
std::string data_at_or_before_sql(const SchemaGraph &graph);

// Rows (split text, seed_time timestamp) of the task's schedule, with parameters $1 val_timestamp,
// $2 test_timestamp, $3 horizon, $4 earliest database time, $5 latest database time, $6 the most val/test
// timestamps. train: val - Δ, val - 2Δ, ... while >= earliest; val: val, val + Δ, ... at most $6, none after
// test - Δ; test: test, test + Δ, ... at most $6, none after latest - Δ.
std::string schedule_sql();

// The user's label query without trailing semicolons and whitespace; InvalidInputError when it is empty.
std::string normalize_label_query(const std::string &query);

// Wraps the label query so that it reads `timestamps(seed_time, window_end)` built from $1 (timestamp[])
// and $2 (the horizon), and renames its three output columns to seed_time, entity_key, label.
std::string label_query_sql(const std::string &label_query);

// label_query_sql returning no rows, for reading the shape of the label query's result.
std::string label_query_shape_sql(const std::string &label_query);

// One boolean: whether timestamp $1 is earlier than timestamp $2.
std::string timestamps_ordered_sql();

// One boolean: whether interval $1 is positive.
std::string positive_interval_sql();

// One text: timestamp $1 plus interval $2.
std::string timestamp_plus_interval_sql();

} // namespace relml
