// The one training and prediction path every family goes through: relml.train, relml.train_async's worker,
// relml.retrain, relml.evaluate, relml.predict and relml.predict_batch.
#pragma once

#include "pg/families/model_family.hpp"

#include <optional>
#include <string>

namespace relml::pg {

struct TrainOutcome {
	int64_t model_id = 0;
	int64_t trial_id = 0;
	NewModel model;
	bool deployed = false;
};

// Trains `method` on the task: parses the options, reads the task's rows, has the family fit, scores every
// split, stores the model, records the trial in the bank (relml.trials, under `route_id` when a route runs it)
// and deploys the model by the "deploy" policy: "if_better" (default; a better validation metric than the
// deployed model), "always" or "never". relml.train(task, 'auto') goes to the router instead (routing.hpp).
TrainOutcome train_task(SpiConnection &spi, const std::string &task_name, const std::string &method,
                        const nlohmann::json &options, const RunHooks &hooks,
                        const std::optional<int64_t> &route_id = std::nullopt);

// What a worker of a data-parallel training fits: the coordinator's task, method and options (its train_task
// call's), with the coordinator's relml.threads share and relml.device.
struct WorkerFit {
	std::string task;
	std::string method;
	nlohmann::json options;
	int threads = 1;
	std::string device_setting = "cpu";
};

// Fits as worker `rank` of a data-parallel training: the same options, task rows and graph as the coordinator,
// but nothing locked, stored or deployed (the coordinator holds the task's lock and stores rank 0's model).
FittedModel fit_as_worker(SpiConnection &spi, const WorkerFit &fit, const DataParallelRank &rank,
                          const RunHooks &hooks);

// Where a fitted model goes: its task and rows, its family, the shared options (the deploy policy) and the
// route that ran it.
struct FittedContext {
	const TaskInfo &task;
	const TaskRows &rows;
	const ModelFamily &family;
	const CommonOptions &common;
	std::optional<int64_t> route_id;
};

// train_task's second half, for a model fitted elsewhere too (the router's ensemble of two trials): scores every
// split, stores the model, records its trial and deploys it by the policy. `seconds` is its training time.
TrainOutcome keep_fitted(SpiConnection &spi, const FittedContext &context, FittedModel fitted, double seconds,
                         const RunHooks &hooks);

// Every metric of the task type on one split, its row count, and "undefined" with the reason when a metric is
// (a split with one class has no AUROC); null for an empty split.
nlohmann::json metrics_of_split(const TaskInfo &task, const std::vector<double> &labels,
                                const std::vector<double> &predictions);

// Deploys a stored model by the policy; returns whether it did.
bool deploy_by_policy(SpiConnection &spi, const TaskInfo &task, int64_t model_id, DeployPolicy policy,
                      const std::string &caller);

struct Predictions {
	SeedFrame seeds;
	PredictionValues values;

	// The prediction users see for row `row`: the value, the probability of 1, or the most likely class.
	double user_value(size_t row) const;
};

// Predictions of `model` for the seeds `seeds_sql` returns as (row_id, entity_key, seed_time). `user_seeds`
// names seeds that come from the user: errors reading them start with it, and unknown entities or times before
// any data are rejected.
Predictions predict_with(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                         const std::string &seeds_sql, const SqlParams &params, const RunHooks &hooks,
                         const std::optional<std::string> &user_seeds);

// Predictions of `model` for one entity at one time, without DDL (no seed relation). Errors reading the key or
// the time start with `what`.
Predictions predict_entity(SpiConnection &spi, const TaskInfo &task, const StoredModel &model,
                           const std::string &entity_key, const std::string &as_of, const RunHooks &hooks,
                           const std::string &what);

} // namespace relml::pg
