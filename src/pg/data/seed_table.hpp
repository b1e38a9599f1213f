// The seed relation (core/task/seed_sql.hpp) filled through SPI, and read back as a frame of seeds: what every
// family predicts for, and what DFS feature queries join.
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/catalog/task_rows.hpp"

#include "graph/rel_graph.hpp"
#include "schema/schema_graph.hpp"
#include "task/seed_sql.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// The relation DFS feature queries read seeds from: a table's name or a parenthesised query, and the parameters
// it uses ($1..$n, before the queries' own).
struct SeedRelation {
	std::string sql;
	SqlParams params;
	// The same SQL runs on every call (one entity's seed, as parameters): its queries keep their plans.
	bool repeated = false;
};

// The seed relation filled by load_seed_table.
SeedRelation seed_table_relation();

// Seeds in row_id order.
struct SeedFrame {
	std::vector<int64_t> row_ids;
	std::vector<std::string> keys;     // entity keys as text
	std::vector<std::string> as_of;    // seed times as text
	std::vector<EpochMicros> times;    // seed times as the graph counts time
	std::vector<std::string> obs_time; // seed times capped at the input cutoff, as text
	std::vector<EpochMicros> obs_times; // the same as the graph counts time (filled for seeds in the seed table)
	std::string key_type;
	bool in_seed_table = false; // else one seed, held here only

	size_t size() const {
		return row_ids.size();
	}
	// Where feature queries read these seeds.
	SeedRelation relation() const;
};

// (Re)creates the seed relation and fills it from `select_sql`, which returns (row_id, entity_key, seed_time)
// and may use `params`; obs_time is least(seed_time, input cutoff). Returns the row ids in order. The relation
// lives until drop_seed_table or the end of the transaction.
std::vector<int64_t> load_seed_table(SpiConnection &spi, const std::string &select_sql, const SqlParams &params,
                                     const std::optional<std::string> &input_cutoff, const std::string &key_type);
void drop_seed_table(SpiConnection &spi);

// Copies of task rows in the seed relation, observed at other times: their row ids and the positions in TaskRows
// of the rows they copy.
struct SeedCopies {
	std::vector<int64_t> row_ids;
	std::vector<size_t> sources;
};

// Adds copies of the task rows at `sources`, observed at `obs_times`, to a seed relation loaded with the task's
// rows, numbered after those rows and the copies `before`.
SeedCopies add_seed_copies(SpiConnection &spi, const TaskRows &rows, const std::vector<size_t> &sources,
                           const std::vector<EpochMicros> &obs_times, const SeedCopies &before);

// The task's late val (TaskRows::late_val_times) as copies of its val rows; none when it has none.
SeedCopies add_late_val_seeds(SpiConnection &spi, const TaskRows &rows, const SeedCopies &before);

// Fills the seed relation for a prediction of `task` and reads it back. `user_seeds` names seeds that come from
// the user: errors reading them start with it, and entities missing from `graph`'s entity table or times before
// any of its data are rejected.
SeedFrame load_prediction_seeds(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                const std::string &seeds_sql, const SqlParams &params,
                                const std::optional<std::string> &user_seeds);

// One seed from the user, checked as load_prediction_seeds checks them, without the seed relation (no DDL):
// errors reading it start with `what`.
SeedFrame single_prediction_seed(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                 const std::string &entity_key, const std::string &as_of, const std::string &what);

} // namespace relml::pg
