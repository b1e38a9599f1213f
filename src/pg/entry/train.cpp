// relml.train, relml.deploy, relml.methods, relml.describe_model and relml._training_options.
#include "pg/boundary/args.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/entry/training_request.hpp"
#include "pg/families/training.hpp"
#include "pg/routing/router.hpp"

namespace relml::pg {

namespace {

// The model a route kept, as relml.train returns a model.
TrainOutcome route_outcome(SpiConnection &spi, const RouteResult &route) {
	TrainOutcome outcome;
	outcome.model_id = route.model_id;
	outcome.deployed = route.deployed;
	const StoredModel model = load_model(spi, route.model_id);
	outcome.model.metric = model.metric;
	outcome.model.val_metric = model.val_metric;
	outcome.model.metrics = load_model_metrics(spi, route.model_id);
	const nlohmann::json &test = outcome.model.metrics["test"];
	if (test.is_object() && test.contains(model.metric)) {
		outcome.model.test_metric = test.at(model.metric).get<double>();
	}
	return outcome;
}

} // namespace

// Trains a model of the task with a method and options, or routes it ('auto'); returns the model's id, metrics
// and whether it was deployed.
RELML_SQL_FUNCTION(relml_train) {
	const TrainingRequest request = training_request(fcinfo);
	TrainOutcome outcome;
	{
		SpiConnection spi;
		if (request.method == "auto") {
			outcome = route_outcome(spi, route_task(spi, request.task, request.options, backend_hooks()));
		} else {
			outcome = train_task(spi, request.task, request.method, request.options, backend_hooks());
		}
	}
	const NewModel &m = outcome.model;
	return composite_datum(fcinfo,
	                       {Int64GetDatum(outcome.model_id), text_datum(m.metric), Float8GetDatum(m.val_metric.value_or(0)),
	                        Float8GetDatum(m.test_metric.value_or(0)), BoolGetDatum(outcome.deployed),
	                        jsonb_datum(m.metrics)},
	                       {false, false, !m.val_metric, !m.test_metric, false, false});
}

// Makes a stored model the one its task predicts with.
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

// Lists the methods relml.train accepts: each family, what it is, and its options.
RELML_SQL_FUNCTION(relml_methods) {
	SetResult result(fcinfo);
	for (const auto &family : model_families()) {
		result.add({text_datum(family->name()), text_datum(family->description()),
		            text_array_datum(family->accepted_keys())});
	}
	return (Datum)0;
}

// What a stored model is: its task, method, options and what its family says of it.
RELML_SQL_FUNCTION(relml_describe_model) {
	int64_t model_id = int_arg(fcinfo, 0, "model_id");
	nlohmann::json description;
	{
		SpiConnection spi;
		StoredModel model = load_model(spi, model_id);
		TaskInfo task = load_task_by_id(spi, model.task_id);
		const ModelFamily &family = find_family(model.method);
		description = {{"model_id", model.model_id},
		               {"task", task.name},
		               {"method", model.method},
		               {"family", family.description()},
		               {"metric", model.metric},
		               {"val_metric", model.val_metric ? nlohmann::json(*model.val_metric) : nlohmann::json()},
		               {"options", family.training_options(model.options)},
		               {"model", family.describe(model, load_model_metrics(spi, model_id))}};
	}
	PG_RETURN_DATUM(jsonb_datum(description));
}

// The options that train a stored model again (relml.retrain reads them).
RELML_SQL_FUNCTION(relml_training_options) {
	int64_t model_id = int_arg(fcinfo, 0, "model_id");
	nlohmann::json options;
	{
		SpiConnection spi;
		StoredModel model = load_model(spi, model_id);
		options = find_family(model.method).training_options(model.options);
	}
	PG_RETURN_DATUM(jsonb_datum(options));
}

} // namespace relml::pg
