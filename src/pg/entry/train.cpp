// relml.train, relml.deploy, relml.predict, relml.predict_batch and relml.evaluate.
#include "pg/boundary/args.hpp"
#include "pg/families/dfs/dfs_family.hpp"
#include "pg/families/rdl/rdl_family.hpp"
#include "pg/boundary/module.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/families/training.hpp"

#include "common/stopwatch.hpp"
#include "model/metrics.hpp"
#include "task/task_sql.hpp"

#include <array>

namespace relml::pg {

namespace {

// Builds the composite result row of a function declared with OUT parameters.
template <size_t N>
Datum composite_result(FunctionCallInfo fcinfo, std::array<Datum, N> values, std::array<bool, N> is_null) {
	Datum result = 0;
	pg_call([&] {
		TupleDesc desc;
		if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
			elog(ERROR, "relml: function must return a composite type");
		}
		desc = BlessTupleDesc(desc);
		if (desc->natts != static_cast<int>(N)) {
			elog(ERROR, "relml: function returns %d columns, expected %d", desc->natts, static_cast<int>(N));
		}
		result = HeapTupleGetDatum(heap_form_tuple(desc, values.data(), is_null.data()));
	});
	return result;
}

} // namespace

void require_known_method(const std::string &method) {
	if (method != "dfs" && method != "rdl" && method != "probe" && method != "auto") {
		throw InvalidInputError("unknown method \"" + method + "\": available methods are dfs, rdl, probe and auto");
	}
}

Predictions predict_with(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                         const std::string &seeds_sql, const SqlParams &params, const RunHooks &hooks,
                         const std::optional<std::string> &user_seeds) {
	require_known_method(model.method);
	if (model.method == "rdl" || model.method == "probe") {
		return predict_rdl_model(spi, task, model, seeds_sql, params, threads_setting, hooks, user_seeds);
	}
	return predict_dfs(spi, task, model, seeds_sql, params, threads_setting, hooks, user_seeds);
}

namespace {

StoredModel checked_model(SpiConnection &spi, const TaskInfo &task) {
	StoredModel model = load_deployed_model(spi, task);
	require_known_method(model.method);
	return model;
}

} // namespace

} // namespace relml::pg

using namespace relml;
using namespace relml::pg;

namespace relml::pg {

TrainOutcome train_task(SpiConnection &spi, const std::string &task_name, const std::string &method,
                        nlohmann::json options, const RunHooks &hooks) {
	require_known_method(method);
	std::string policy = "if_better";
	if (options.contains("deploy")) {
		if (!options["deploy"].is_string()) {
			throw InvalidInputError("option \"deploy\" must be \"if_better\", \"always\" or \"never\", got " +
			                        options["deploy"].dump());
		}
		policy = options["deploy"].get<std::string>();
		if (policy != "if_better" && policy != "always" && policy != "never") {
			throw InvalidInputError("option \"deploy\" must be \"if_better\", \"always\" or \"never\", got \"" +
			                        policy + "\"");
		}
		options.erase("deploy");
	}
	TrainOutcome outcome;
	TaskInfo task = load_task(spi, task_name);
	lock_task_for_training(spi, task);
	Stopwatch watch;
	std::string family = method == "auto" ? "dfs" : method;
	hooks.report("training task " + task.name + " with " + family);
	outcome.trained = family == "dfs" ? train_dfs(spi, task, options, threads_setting, hooks)
	                                  : train_rdl_model(spi, task, family, options, threads_setting, hooks);
	std::string caller = current_role(spi);
	outcome.model_id = store_model(spi, task, outcome.trained.model, caller);
	if (policy == "always") {
		deploy(spi, task.task_id, outcome.model_id, "deployed on training (deploy: always)", caller);
		outcome.deployed = true;
	} else if (policy == "if_better") {
		outcome.deployed = deploy_if_better(spi, task, outcome.model_id, outcome.trained.higher_is_better, caller);
	}
	const NewModel &m = outcome.trained.model;
	hooks.report("model " + std::to_string(outcome.model_id) + ": val " + m.metric + " " +
	             (m.val_metric ? std::to_string(*m.val_metric) : "n/a") + ", test " +
	             (m.test_metric ? std::to_string(*m.test_metric) : "n/a") +
	             (outcome.deployed ? ", deployed" : ", not deployed (deploy: " + policy + ")") + " in " +
	             Stopwatch::format(watch.seconds()));
	return outcome;
}

} // namespace relml::pg

RELML_SQL_FUNCTION(relml_train) {
	std::string task_name = text_arg(fcinfo, 0, "task");
	std::string method = text_arg(fcinfo, 1, "method");
	nlohmann::json options = jsonb_arg(fcinfo, 2, "options");
	TrainOutcome outcome;
	{
		SpiConnection spi;
		outcome = train_task(spi, task_name, method, options, backend_hooks());
	}
	int64_t model_id = outcome.model_id;
	bool deployed = outcome.deployed;
	const NewModel &m = outcome.trained.model;
	return composite_result<6>(fcinfo,
	                           {Int64GetDatum(model_id), text_datum(m.metric), Float8GetDatum(m.val_metric.value_or(0)),
	                            Float8GetDatum(m.test_metric.value_or(0)), BoolGetDatum(deployed), jsonb_datum(m.metrics)},
	                           {false, false, !m.val_metric, !m.test_metric, false, false});
}

RELML_SQL_FUNCTION(relml_deploy) {
	int64_t model_id = int_arg(fcinfo, 0, "model_id");
	{
		SpiConnection spi;
		StoredModel model = load_model(spi, model_id);
		TaskInfo task = load_task_by_id(spi, model.task_id);
		require_member_of(spi, task.owner, "deploy models of task \"" + task.name + "\"");
		deploy(spi, task.task_id, model_id, "deployed by relml.deploy", current_role(spi));
	}
	PG_RETURN_VOID();
}

RELML_SQL_FUNCTION(relml_predict) {
	std::string task_name = text_arg(fcinfo, 0, "task");
	std::string entity_key = text_arg(fcinfo, 1, "entity_key");
	std::string as_of = text_arg(fcinfo, 2, "as_of");
	double value = 0;
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, task_name);
		StoredModel model = checked_model(spi, task);
		Predictions p = predict_with(spi, task, model, "SELECT 1::int8, $1, $2::timestamp", {entity_key, as_of},
		                             RunHooks{check_interrupts, nullptr},
		                            "entity key \"" + entity_key + "\" of task \"" + task.name + "\" (a " +
		                                task.entity_key_type + ")");
		value = p.user_value(0);
	}
	PG_RETURN_FLOAT8(value);
}

RELML_SQL_FUNCTION(relml_predict_batch) {
	std::string task_name = text_arg(fcinfo, 0, "task");
	std::string seeds_query = normalize_label_query(text_arg(fcinfo, 1, "seeds_query"));
	struct Row {
		std::string key;
		std::string as_of;
		double value;
	};
	std::vector<Row> rows;
	{
		SpiConnection spi;
		TaskInfo task = load_task(spi, task_name);
		StoredModel model = checked_model(spi, task);
		std::string what = "the seeds query of predict_batch";
		SpiResult shape;
		try {
			shape = spi.query("SELECT * FROM (" + seeds_query + "\n) AS s LIMIT 0");
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
		std::string seeds = "SELECT row_number() OVER (), s.* FROM (" + seeds_query + "\n) AS s";
		Predictions p = predict_with(spi, task, model, seeds, {}, RunHooks{check_interrupts, nullptr},
		                            what + " (rows of entity key of type " + task.entity_key_type +
		                                " and as_of timestamp, neither NULL)");
		for (size_t r = 0; r < p.row_ids.size(); ++r) {
			rows.push_back({p.entity_keys[r], p.as_of[r], p.user_value(r)});
		}
	}
	pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	for (auto &row : rows) {
		const char *key = row.key.c_str();
		const char *as_of = row.as_of.c_str();
		double value = row.value;
		pg_call([&] {
			Datum values[3];
			bool nulls[3] = {false, false, false};
			values[0] = CStringGetTextDatum(key);
			values[1] = DirectFunctionCall3(timestamp_in, CStringGetDatum(as_of), ObjectIdGetDatum(InvalidOid),
			                                Int32GetDatum(-1));
			values[2] = Float8GetDatum(value);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		});
	}
	return (Datum)0;
}

RELML_SQL_FUNCTION(relml_evaluate) {
	int64_t model_id = int_arg(fcinfo, 0, "model_id");
	struct Row {
		std::string split;
		std::string metric;
		double value;
		int64_t rows;
	};
	std::vector<Row> rows;
	{
		SpiConnection spi;
		StoredModel model = load_model(spi, model_id);
		require_known_method(model.method);
		TaskInfo task = load_task_by_id(spi, model.task_id);
		Predictions p = predict_with(spi, task, model,
		                             "SELECT row_id, entity_key, seed_time FROM relml.task_rows WHERE task_id = $1::int",
		                             {std::to_string(task.task_id)}, backend_hooks(), std::nullopt);
		if (p.row_ids.empty()) {
			throw_training_table_hidden(spi, task);
		}
		SpiResult labels = spi.query("SELECT split, label FROM relml.task_rows WHERE task_id = $1::int ORDER BY row_id",
		                             {std::to_string(task.task_id)});
		for (const char *split : {"train", "val", "test"}) {
			std::vector<double> truth;
			std::vector<double> predicted;
			for (size_t r = 0; r < labels.rows(); ++r) {
				if (labels.text(r, 0) == split) {
					truth.push_back(labels.number(r, 1));
					for (int k = 0; k < p.outputs_per_row; ++k) {
						predicted.push_back(p.values[r * p.outputs_per_row + k]);
					}
				}
			}
			if (truth.empty()) {
				continue;
			}
			std::map<std::string, double> metrics;
			try {
				metrics = all_metrics(task.type, truth, predicted, task.num_classes);
			} catch (const InvalidInputError &) {
				continue; // a split with one class has no AUROC
			}
			for (auto &entry : metrics) {
				rows.push_back({split, entry.first, entry.second, static_cast<int64_t>(truth.size())});
			}
		}
	}
	pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	for (auto &row : rows) {
		const char *split = row.split.c_str();
		const char *metric = row.metric.c_str();
		pg_call([&] {
			Datum values[4] = {CStringGetTextDatum(split), CStringGetTextDatum(metric), Float8GetDatum(row.value),
			                   Int64GetDatum(row.rows)};
			bool nulls[4] = {false, false, false, false};
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		});
	}
	return (Datum)0;
}
