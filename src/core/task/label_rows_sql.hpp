// SQL over the label rows of a task being created: the temporary table relml_label_rows (split text, seed_time
// timestamp, entity_key of the entity key's type, label float8), filled from the user's label query or training
// table, checked and summarised before the rows are stored in relml.task_rows.
#pragma once

#include "common/no_postgres.hpp"

#include <string>

namespace relml {

// The table's name as it is created and dropped (in pg_temp), and as queries read it.
inline constexpr const char *kLabelRowsTable = "relml_label_rows";
inline constexpr const char *kLabelRowsQualifiedTable = "pg_temp.relml_label_rows";

// Creates the table from the user's label query, read as label_query_sql reads it ($1 the seed timestamps,
// $2 the horizon); $3 val_timestamp and $4 test_timestamp split the seed times. A boolean label becomes 0 or 1.
std::string label_rows_from_query_sql(const std::string &label_query, const std::string &key_type,
                                      bool boolean_label);

// Creates the table from a training table with columns entity_key, seed_time, label and split; `table` is
// its name as relation_name_sql prints it.
std::string label_rows_from_table_sql(const std::string &table, const std::string &key_type, bool boolean_label);

// One text: relation $1 (a name as the user wrote it) named as regclass prints it.
std::string relation_name_sql();

// Rows (name text, type text) of the columns of relation $1.
std::string relation_columns_sql();

// What makes a label row unusable (label_rows_sql.cpp lists their conditions in this order).
enum class LabelRowProblem {
	NullSeedTime,
	NullEntityKey,
	NullLabel,
	NonFiniteLabel,  // NaN or infinite
	NonBinaryLabel,  // neither 0 nor 1
	NonClassLabel,   // not a class index 0, 1, 2, ...
	UnknownSeedTime, // not one of $1 (timestamp[]), the task's seed timestamps
	UnknownSplit,    // NULL, or none of train, val and test
	TrainAfterVal,   // a train row at or after $1 (timestamp), the first val seed time
};

// One row: how many label rows have `problem` (int8), the smallest of their entity keys and the earliest of
// their seed times (texts).
std::string label_rows_with_sql(LabelRowProblem problem);

// At most one row (entity_key, seed_time, rows) of an entity and seed time with more than one label.
std::string duplicate_label_sql();

// One int8: the classes of a multiclass task, the largest label + 1.
std::string class_count_sql();

// A row per split: split, rows (int8), distinct seed times (int8), mean label (float8), distinct labels (int8).
std::string split_statistics_sql();

// One row of texts: the first val seed time, the first test seed time and the last val seed time.
std::string split_bounds_sql();

} // namespace relml
