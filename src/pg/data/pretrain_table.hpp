// The pre-training table of relml.pretrain: entity x timestamp, the timestamps cutoff - kΔ of a task schedule
// whose val_timestamp is the pre-training cutoff, each row's task vector of next-window statistics computed by
// one set-based query per path run as the caller (pg/catalog/pretrain_store stores it).
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/catalog/database_catalog.hpp"
#include "pg/catalog/pretrain_store.hpp"

#include "common/hooks.hpp"
#include "graph/rel_graph.hpp"
#include "schema/schema_graph.hpp"
#include "tve/task_vector_plan.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// The options relml.pretrain handles itself; the rest goes to the RDL library.
struct SqlOptions {
	std::optional<std::string> pretrain_cutoff;
	std::vector<std::string> paths;
	std::vector<std::string> columns;
	int max_rows = 100000;
	int max_mode_values = 4;
	// Only entities with an event on a first hop in (t - active_within, t] get a row at t; nullopt: all that exist.
	std::optional<std::string> active_within;
};

// Validates the SQL side's options and removes them from `options`, leaving the RDL library's.
SqlOptions take_sql_options(nlohmann::json &options);

struct Cutoff {
	std::string cutoff;                      // the effective pre-training cutoff
	std::optional<std::string> input_cutoff; // the database's (earliest of its tasks'), if any
	nlohmann::json how;                      // how it was chosen, for the definition
};

// The pre-training cutoff: `given`, or else the earliest val_timestamp of the database's tasks; never later
// than their input cutoff, so no window of pre-training reaches data a task keeps from its models.
Cutoff choose_cutoff(SpiConnection &spi, const Database &db, const std::optional<std::string> &given);

// Whether pre-training method `method` learns the task vectors (tve, alone or with ctr or mae); ctr and mae
// alone only need the rows.
bool uses_task_vectors(const std::string &method);

// A built pre-training table: its rows and the definition that records how they were chosen.
struct BuiltTable {
	PretrainRowsData rows;
	nlohmann::json definition;
};

struct TableRequest {
	Database db;
	SchemaGraph graph;
	std::string entity_table;
	std::string horizon;
	int hops = 2;
	std::string method;
	SqlOptions options;
};

// The pre-training table of `request`: its timestamps (the latest that fit max_rows, the latest 10% of them
// validating), its rows, their task vectors normalised on the training rows with an event, and the definition
// that records how they were chosen. Reports its size as a progress line.
BuiltTable build_pretrain_table(SpiConnection &spi, const TableRequest &request, const TaskVectorPlan &plan,
                                const Cutoff &cutoff, const RunHooks &hooks);

} // namespace relml::pg
