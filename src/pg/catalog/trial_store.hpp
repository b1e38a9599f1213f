// relml.trials, the bank: every trial relml runs, of any method and task, with its options, the task's
// signals, its metrics, its predictions of val and test, and its time. Written as the extension owner.
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/catalog/task_catalog.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

struct Trial {
	int64_t trial_id = 0;
	std::optional<int64_t> route_id;
	std::string method;
	nlohmann::json options = nlohmann::json::object();
	std::optional<nlohmann::json> signals;
	bool finished = false;
	std::optional<std::string> error; // failed trials
	std::string metric;
	std::optional<double> val_metric;
	std::optional<double> test_metric;
	// Of the val rows observed as late as the test rows, when the task has a late val (task_rows.hpp): what a
	// route compares.
	std::optional<double> late_val_metric;
	std::vector<double> val_predictions; // finished trials; read back only by trial_predictions
	std::vector<double> test_predictions;
	std::vector<double> late_val_predictions;
	double seconds = 0;
	std::optional<int64_t> model_id;
};

// Inserts the trial; returns its id.
int64_t record_trial(SpiConnection &spi, const TaskInfo &task, const Trial &trial, const std::string &trained_by);

// The trials of a route in the order they ran, without their predictions.
std::vector<Trial> route_trials(SpiConnection &spi, int64_t route_id);

// A finished trial's predictions of val, test and late val, as recorded (read as the extension owner: callers may not
// read those columns).
void read_trial_predictions(SpiConnection &spi, Trial &trial);

// What the bank knows of one task: its signals and the best finished trial of each family by test (val when a
// trial has no test metric), the families grouped as the router sees them (rdl, rdl+dfs and probe are rdl).
struct BankEntry {
	int task_id = 0;
	std::string task;
	nlohmann::json signals;
	std::string metric;
	bool higher_is_better = true;
	std::optional<double> best_dfs;
	std::optional<double> best_rdl;
	std::optional<nlohmann::json> best_dfs_options; // of the best dfs / rdl trial by val (late val where recorded)
	std::optional<nlohmann::json> best_rdl_options;
};

// Every task the caller may see trials of that has stored signals.
std::vector<BankEntry> read_bank(SpiConnection &spi);

} // namespace relml::pg
