#include "pg/data/task_signals_runner.hpp"

#include "pg/catalog/database_catalog.hpp"

#include "common/stopwatch.hpp"
#include "relatron/signal_sql.hpp"
#include "sql/identifier.hpp"

#include <cmath>

namespace relml::pg {

namespace {

std::optional<double> optional_number(const SpiResult &result, size_t row, size_t column) {
	if (result.rows() <= row || result.is_null(row, column)) {
		return std::nullopt;
	}
	double value = result.number(row, column);
	return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

bool is_classification(const TaskInfo &task) {
	return task.type != TaskType::Regression;
}

// The labelled entities' class-frequency vectors (classification) or mean labels (regression), by idx.
struct EntityLabels {
	std::vector<std::vector<double>> class_frequencies;
	std::vector<double> means;
};

EntityLabels read_entity_labels(SpiConnection &spi, const TaskInfo &task, const SqlParams &task_param,
                                size_t entities) {
	EntityLabels labels;
	if (!is_classification(task)) {
		SpiResult r = spi.query(entity_mean_labels_sql(), task_param);
		labels.means.assign(entities, 0.0);
		for (size_t i = 0; i < r.rows(); ++i) {
			labels.means[static_cast<size_t>(r.integer(i, 0))] = r.number(i, 1);
		}
		return labels;
	}
	const size_t classes = task.type == TaskType::BinaryClassification ? 2 : static_cast<size_t>(task.num_classes);
	SpiResult r = spi.query(entity_class_counts_sql(), task_param);
	std::vector<std::vector<double>> counts(entities, std::vector<double>(classes, 0.0));
	for (size_t i = 0; i < r.rows(); ++i) {
		const auto cls = static_cast<size_t>(r.integer(i, 1));
		if (cls < classes) {
			counts[static_cast<size_t>(r.integer(i, 0))][cls] = r.number(i, 2);
		}
	}
	for (auto &row : counts) {
		double total = 0;
		for (double c : row) {
			total += c;
		}
		for (double &c : row) {
			c = total > 0 ? c / total : 0;
		}
	}
	labels.class_frequencies = std::move(counts);
	return labels;
}

// The homophily of every meta-path of the task's entity, on bounded samples of the linking tables.
std::vector<MetaPathHomophily> path_homophily(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph,
                                              const std::vector<MetaPath> &paths, const EntityLabels &labels,
                                              const SqlParams &task_param, const SignalBounds &bounds) {
	std::vector<MetaPathHomophily> result;
	for (const auto &path : paths) {
		check_interrupts();
		auto estimate = spi.scalar(table_rows_estimate_sql(), {qualified_name(graph.schema(), path.link_table)});
		const double rows = estimate ? std::stod(*estimate) : 0;
		SpiResult r = spi.query(
		    meta_path_edges_sql(graph.schema(), path, bounds, sample_percent(rows, bounds.max_source_rows)),
		    task_param);
		std::vector<EntityEdge> edges(r.rows());
		for (size_t i = 0; i < r.rows(); ++i) {
			edges[i] = {r.integer(i, 0), r.integer(i, 1)};
		}
		MetaPathHomophily homophily;
		homophily.path = path.name();
		homophily.edges = static_cast<int64_t>(edges.size());
		homophily.value = is_classification(task) ? class_adjusted_homophily(edges, labels.class_frequencies)
		                                          : pearson_homophily(edges, labels.means);
		result.push_back(homophily);
	}
	return result;
}

// Shares of test and val entities without history, and the median lead of test seeds after the input cutoff.
void time_signals(SpiConnection &spi, const TaskInfo &task, const SchemaGraph &graph, TaskSignals &signals,
                  const std::string &task_id) {
	const std::vector<ForeignKey> links = linking_foreign_keys(graph, task.entity_table);
	if (!links.empty()) {
		const std::string sql = cold_start_share_sql(graph, task.entity_key_type, links);
		const std::string test_cutoff = task.input_cutoff.value_or(task.val_timestamp);
		signals.cold_start_test_share = optional_number(spi.query(sql, {task_id, std::string("test"), test_cutoff}), 0, 0);
		signals.cold_start_val_share =
		    optional_number(spi.query(sql, {task_id, std::string("val"), task.val_timestamp}), 0, 0);
	}
	if (!task.input_cutoff) {
		signals.observation_gap = 0.0;
		return;
	}
	auto lead_days = optional_number(spi.query(median_test_lead_days_sql(), {task_id, *task.input_cutoff}), 0, 0);
	if (lead_days && task.horizon_days > 0) {
		signals.observation_gap = *lead_days / task.horizon_days;
	}
}

} // namespace

// Each statement is bounded (signal_sql.hpp); interrupts are polled between them.
TaskSignals compute_task_signals(SpiConnection &spi, const TaskInfo &task) {
	Stopwatch watch;
	const SignalBounds bounds;
	const std::string task_id = std::to_string(task.task_id);
	const SqlParams task_param = {task_id};
	const SchemaGraph graph = load_schema_graph(spi, task.database_id);
	const std::vector<MetaPath> paths = enumerate_meta_paths(graph, task.entity_table);
	TaskSignals signals;

	spi.drop_temp_table(kSignalRowsTable);
	spi.execute(create_signal_rows_sql(), task_param);
	spi.execute(analyze_temp_table_sql(kSignalRowsTable));
	SpiResult size = spi.query(label_size_sql(), task_param);
	const double rows = size.rows() ? size.number(0, 0) : 0;
	if (rows == 0) {
		throw_training_table_hidden(spi, task);
	}
	signals.log_size = std::log1p(rows);
	if (is_classification(task)) {
		signals.majority_class_share = optional_number(size, 0, 1);
	}

	spi.drop_temp_table(kSignalEntitiesTable);
	const uint64 entities = spi.execute(create_signal_entities_sql(task.entity_key_type), task_param);
	spi.execute(analyze_temp_table_sql(kSignalEntitiesTable));
	const EntityLabels labels = read_entity_labels(spi, task, task_param, entities);
	signals.paths = path_homophily(spi, task, graph, paths, labels, task_param, bounds);
	summarize_paths(signals);

	check_interrupts();
	SpiResult lags = spi.query(label_autocorrelation_sql(), task_param);
	signals.label_autocorrelation_lag1 = optional_number(lags, 0, 0);
	signals.label_autocorrelation_lag2 = optional_number(lags, 0, 1);

	check_interrupts();
	SpiResult context = spi.query(context_affinity_sql(graph.schema(), task.entity_key_type, paths, bounds), task_param);
	if (is_classification(task)) {
		signals.context_same_label_share_mean = optional_number(context, 0, 0);
		signals.context_same_label_share_std = optional_number(context, 0, 1);
	} else {
		signals.context_label_correlation = optional_number(context, 0, 4);
	}
	signals.context_rows_mean = optional_number(context, 0, 2);
	signals.context_sparsity = optional_number(context, 0, 3);

	check_interrupts();
	time_signals(spi, task, graph, signals, task_id);
	spi.drop_temp_table(kSignalEntitiesTable);
	spi.drop_temp_table(kSignalRowsTable);
	signals.seconds = watch.seconds();
	return signals;
}

} // namespace relml::pg
