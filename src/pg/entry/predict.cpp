// relml.predict, relml.predict_batch and relml.evaluate: the deployed (or a given) model's predictions.
#include "pg/boundary/args.hpp"
#include "pg/families/training.hpp"

#include "model/metrics.hpp"
#include "task/task_sql.hpp"

namespace relml::pg {

namespace {

// The rows of `seeds_query` of predict_batch: two columns, the second a timestamp or date.
void check_seeds_query(SpiConnection &spi, const std::string &seeds_query, const std::string &what) {
	SpiResult shape;
	try {
		shape = spi.query(seeds_query_shape_sql(seeds_query));
	} catch (const PgError &e) {
		rethrow_user_query_error(e, what);
	}
	if (shape.columns() != 2) {
		throw InvalidInputError(what + " must return 2 columns (entity key, as_of timestamp), it returns " +
		                        std::to_string(shape.columns()));
	}
	Oid as_of_type = shape.column(1).type;
	if (as_of_type != TIMESTAMPOID && as_of_type != TIMESTAMPTZOID && as_of_type != DATEOID) {
		char *type = nullptr;
		pg_call([&] { type = format_type_be(as_of_type); });
		throw InvalidInputError(what + ": its second column (as_of) must be a timestamp or date, not " +
		                        std::string(type));
	}
}

struct MetricRow {
	std::string split;
	std::string metric;
	double value;
	int64_t rows;
};

// Every metric of every split of the task's rows, from predictions in row order; a split whose metric is
// undefined (one class has no AUROC) is left out.
std::vector<MetricRow> split_metrics(const TaskInfo &task, const TaskRows &rows, const Predictions &p) {
	std::vector<MetricRow> out;
	const std::pair<const char *, Split> splits[] = {{"train", Split::Train}, {"val", Split::Val}, {"test", Split::Test}};
	for (const auto &[name, split] : splits) {
		const std::vector<size_t> &positions = rows.of(split);
		if (positions.empty()) {
			continue;
		}
		std::vector<double> predicted;
		const int width = p.values.outputs_per_row;
		for (size_t position : positions) {
			predicted.insert(predicted.end(), p.values.values.begin() + position * width,
			                 p.values.values.begin() + (position + 1) * width);
		}
		std::map<std::string, double> metrics;
		try {
			metrics = all_metrics(task.type, rows.labels_at(positions), predicted, task.num_classes);
		} catch (const InvalidInputError &) {
			continue;
		}
		for (const auto &entry : metrics) {
			out.push_back({name, entry.first, entry.second, static_cast<int64_t>(positions.size())});
		}
	}
	return out;
}

} // namespace

// The deployed model's prediction for one entity at one time.
RELML_SQL_FUNCTION(relml_predict) {
	std::string task_name = text_arg(fcinfo, 0, "task");
	std::string entity_key = text_arg(fcinfo, 1, "entity_key");
	std::string as_of = text_arg(fcinfo, 2, "as_of");
	double value = 0;
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, task_name);
		StoredModel model = load_deployed_model(spi, task);
		Predictions p = predict_entity(spi, task, model, entity_key, as_of, RunHooks{check_interrupts, nullptr},
		                               "entity key \"" + entity_key + "\" of task \"" + task.name + "\" (a " +
		                                   task.entity_key_type + ")");
		value = p.user_value(0);
	}
	PG_RETURN_FLOAT8(value);
}

// The deployed model's predictions for every (entity key, as_of) row of a query.
RELML_SQL_FUNCTION(relml_predict_batch) {
	std::string task_name = text_arg(fcinfo, 0, "task");
	std::string seeds_query = normalize_label_query(text_arg(fcinfo, 1, "seeds_query"));
	Predictions p;
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, task_name);
		StoredModel model = load_deployed_model(spi, task);
		std::string what = "the seeds query of predict_batch";
		check_seeds_query(spi, seeds_query, what);
		p = predict_with(spi, task, model, numbered_seeds_sql(seeds_query), {}, RunHooks{check_interrupts, nullptr},
		                 what + " (rows of entity key of type " + task.entity_key_type +
		                     " and as_of timestamp, neither NULL)");
	}
	SetResult result(fcinfo);
	for (size_t r = 0; r < p.seeds.size(); ++r) {
		result.add({text_datum(p.seeds.keys[r]), timestamp_datum(p.seeds.as_of[r]), Float8GetDatum(p.user_value(r))});
	}
	return (Datum)0;
}

// A stored model's metrics on every split of its task's rows, recomputed from its predictions.
RELML_SQL_FUNCTION(relml_evaluate) {
	int64_t model_id = int_arg(fcinfo, 0, "model_id");
	std::vector<MetricRow> rows;
	{
		SpiConnection spi;
		StoredModel model = load_model(spi, model_id);
		TaskInfo task = load_task_by_id(spi, model.task_id);
		Predictions p = predict_with(spi, task, model, task_seeds_sql(), {std::to_string(task.task_id)},
		                             backend_hooks(), std::nullopt);
		if (p.seeds.size() == 0) {
			throw_training_table_hidden(spi, task);
		}
		rows = split_metrics(task, read_task_rows(spi, task), p);
	}
	SetResult result(fcinfo);
	for (const MetricRow &row : rows) {
		result.add({text_datum(row.split), text_datum(row.metric), Float8GetDatum(row.value), Int64GetDatum(row.rows)});
	}
	return (Datum)0;
}

} // namespace relml::pg
