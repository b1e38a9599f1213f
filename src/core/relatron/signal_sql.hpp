// SQL of the task signals (relatron/task_signals.hpp), run by the adapter as the caller. Every statement reads
// only the task's train+val rows (test rows only for the cold-start share and the observation gap, which use
// their entities and seed times, never their labels) and is bounded, so that a database of tens of millions of
// rows answers in seconds. Sampling is deterministic: an ordering by md5 of a value's text and, on large
// tables, TABLESAMPLE SYSTEM ... REPEATABLE (0), so the same data give the same signals.
//
// Parameters: $1 is always the task id (int). The labelled entities live in the temporary table
// pg_temp.relml_signal_entities (idx int8 from 0, key_text text, entity_key of the entity key's type).
#pragma once

#include "common/no_postgres.hpp"

#include "schema/schema_graph.hpp"

#include <optional>
#include <string>
#include <vector>

namespace relml {

inline constexpr const char *kSignalEntitiesTable = "relml_signal_entities";
// pg_temp.relml_signal_rows: a copy of the task's rows (task_id, split, seed_time, entity_key, label) that every
// query below reads. Analyzed, it gives the planner statistics that relml.task_rows lacks for a task created a
// moment ago (autovacuum has not seen it yet): with them the demo's signals take 0.5 s, without them 24 s.
inline constexpr const char *kSignalRowsTable = "relml_signal_rows";

// Bounds of the sampled work (the defaults are what relml.task_signals uses).
struct SignalBounds {
	long max_middle_values = 2000;      // distinct shared values (races) per meta-path
	long max_members_per_value = 40;    // labelled entities kept per shared value
	long max_source_rows = 500000;      // rows of a linking table read before TABLESAMPLE kicks in
	long context_seeds = 1000;          // training seeds of the context-label affinity
	long context_own_rows = 5;          // most recent linking rows of a seed's entity, per meta-path
	long context_neighbours = 50;       // entities in a seed's neighbourhood (itself first)
};

// A meta-path entity -> X -> entity. Shared: two entities are linked when rows of `link_table` hold them in
// `entity_column` with the same value in `middle_column` (a foreign key to `middle_table`): drivers sharing a
// race in results. `link_table` may be the entity table itself (entities sharing a parent: races of one
// circuit). Direct: one row of `link_table` holds both, in `entity_column` and `middle_column` (a table with
// two foreign keys to the entity table). `time_column` is the link table's, empty when it has none.
struct MetaPath {
	enum class Kind { Shared, Direct };
	Kind kind = Kind::Shared;
	std::string entity_table;
	std::string link_table;
	std::string entity_column;
	std::string middle_column;
	std::string middle_table;
	std::string time_column;

	// "drivers -> results.raceId -> races -> drivers"; "users -> follows.follower|followee -> users" when direct.
	std::string name() const;
};

// The meta-paths of `entity` in the graph, in the order of the graph's foreign keys: for every table with a
// foreign key to the entity table, one path per other foreign key of that table (direct when it points at the
// entity table too); for every foreign key of the entity table itself, the path through its parent. A table
// whose only foreign key is the entity's yields nothing (it links an entity only to itself).
std::vector<MetaPath> enumerate_meta_paths(const SchemaGraph &graph, const std::string &entity);

// The foreign keys into the entity table from other tables: the rows that make up an entity's history.
std::vector<ForeignKey> linking_foreign_keys(const SchemaGraph &graph, const std::string &entity);

// Creates pg_temp.relml_signal_entities: the distinct entities of the task's train+val rows ($1), numbered in
// key order, the key cast to `key_type`.
std::string create_signal_entities_sql(const std::string &key_type);
// Creates pg_temp.relml_signal_rows from the rows of task $1 as the caller sees them.
std::string create_signal_rows_sql();
// ANALYZE of a temporary table of this file (kSignalRowsTable, kSignalEntitiesTable).
std::string analyze_temp_table_sql(const std::string &table);

// Rows (idx int8, class int8, rows int8) of classification labels: how many train+val rows of each entity have
// each class, by idx and class.
std::string entity_class_counts_sql();
// Rows (idx int8, label float8): each entity's mean train+val label, by idx.
std::string entity_mean_labels_sql();

// One float8: the estimated rows of relation $1 (a qualified name), 0 when never analysed.
std::string table_rows_estimate_sql();

// The percentage TABLESAMPLE SYSTEM reads of a table of `estimated_rows` to get about `max_source_rows`;
// nullopt when the whole table is read.
std::optional<double> sample_percent(double estimated_rows, long max_source_rows);

// Rows (u int8, v int8), u < v: the distinct pairs of labelled entities the meta-path links, sampled: the link
// table read in full or at `percent` (TABLESAMPLE SYSTEM, repeatable), at most bounds.max_middle_values shared
// values and bounds.max_members_per_value entities per value, chosen by md5 order. Time is ignored.
std::string meta_path_edges_sql(const std::string &schema, const MetaPath &path, const SignalBounds &bounds,
                                std::optional<double> percent);

// One row (lag1 float8, lag2 float8): the correlation of each train+val label with the same entity's previous
// and second previous label in seed time order (NULL when undefined).
std::string label_autocorrelation_sql();

// One row (rows int8, majority_share float8): the train+val rows and the share of the most frequent label.
std::string label_size_sql();

// One row (same_share_mean, same_share_std, rows_mean, sparsity, label_correlation, seeds), all float8 but
// seeds: the context-label affinity. Up to bounds.context_seeds training seeds (md5 order of key and time); the
// neighbourhood of a seed is its entity and the entities that share a value of a meta-path with one of the
// entity's bounds.context_own_rows most recent linking rows, both rows no later than the seed time (rows of
// tables without time always count), at most bounds.context_neighbours entities (the entity itself first, then
// by md5 order); its context rows are all train+val task rows of those entities strictly before the seed time
// (at most neighbours x the task's seed times per seed).
// same_share_* = mean and population std over seeds with context of the share of context rows whose label
// equals the seed's; rows_mean = mean context rows per seed; sparsity = share of seeds without context;
// label_correlation = correlation of (seed label, context label) over all pairs.
std::string context_affinity_sql(const std::string &schema, const std::string &key_type,
                                 const std::vector<MetaPath> &paths, const SignalBounds &bounds);

// One float8: the share of the distinct entities of the task's rows of split $2 (text) without any row in any
// table of `links` before $3 (timestamp; rows of tables without time count whenever they exist). NULL when the
// split has no rows. `links` must not be empty.
std::string cold_start_share_sql(const SchemaGraph &graph, const std::string &key_type,
                                 const std::vector<ForeignKey> &links);

// One float8: the median over the task's test rows of (seed_time - $2::timestamp) in days.
std::string median_test_lead_days_sql();

} // namespace relml
