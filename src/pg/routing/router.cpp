#include "pg/routing/router.hpp"

#include "pg/boundary/subtransaction.hpp"
#include "pg/catalog/model_store.hpp"
#include "pg/catalog/route_store.hpp"
#include "pg/catalog/signal_store.hpp"
#include "pg/catalog/task_rows.hpp"
#include "pg/catalog/trial_store.hpp"
#include "pg/families/ensemble/ensemble_family.hpp"
#include "pg/families/training.hpp"
#include "pg/routing/auto_options.hpp"
#include "pg/routing/route_bank.hpp"

#include "common/stopwatch.hpp"
#include "model/metrics.hpp"
#include "relatron/flatness.hpp"
#include "relatron/route_plan.hpp"
#include "relatron/search_space.hpp"
#include "relatron/task_similarity.hpp"

#include <algorithm>

namespace relml::pg {

namespace {

using nlohmann::json;

// Train and val rows of the task: the size the prior reads when the signals could not be computed.
int64_t train_val_rows(SpiConnection &spi, const TaskInfo &task) {
	auto count = spi.scalar("SELECT count(*) FROM relml.task_rows WHERE task_id = $1::int AND split <> 'test'",
	                        {std::to_string(task.task_id)});
	return count ? std::stoll(*count) : 0;
}

// The task's signals, or why there are none: routing then falls back to the size prior on the row count.
struct RouteSignals {
	json stored = json::object();
	SignalFeatures features;
	std::optional<std::string> error;
};

RouteSignals read_signals(SpiConnection &spi, const TaskInfo &task) {
	RouteSignals signals;
	signals.error = run_contained([&] {
		const TaskSignals computed = task_signals_for(spi, task, false);
		signals.stored = computed.to_json();
		signals.features = computed.features();
	});
	return signals;
}

// What the route compares a trial by: its late val where the task has one (its test rows are observed late, and
// a val observed on time cannot show what a family gains or loses on them), else its val.
std::optional<double> compared_metric(const Trial &trial) {
	return trial.late_val_metric ? trial.late_val_metric : trial.val_metric;
}

// The name of what the route compares, for its reasons: the trials of one task all have a late val or none.
std::string compared_name(const std::vector<Trial> &trials) {
	const bool late = std::any_of(trials.begin(), trials.end(), [](const Trial &t) { return t.late_val_metric; });
	return late ? "late val" : "val";
}

std::vector<TrialSummary> summaries_of(const std::vector<Trial> &trials) {
	std::vector<TrialSummary> summaries;
	for (const Trial &trial : trials) {
		summaries.push_back({trial.method, trial.finished, compared_metric(trial)});
	}
	return summaries;
}

bool has_finished(const std::vector<Trial> &trials, const std::string &family) {
	return std::any_of(trials.begin(), trials.end(), [&](const Trial &t) {
		return t.finished && route_family(t.method) == family;
	});
}

// The options of earlier trials of `method` on this task, as points of its search space, so a draw avoids them.
std::vector<json> tried_points(const std::vector<Trial> &trials, const std::string &method) {
	const ModelFamily &family = find_family(method);
	std::vector<json> points;
	for (const Trial &trial : trials) {
		if (trial.method != method) {
			continue;
		}
		const json options = trial.finished ? family.training_options(trial.options) : trial.options;
		json point = json::object();
		for (const SearchDimension &dimension : search_space(method)) {
			if (options.contains(dimension.key)) {
				point[dimension.key] = options.at(dimension.key);
			}
		}
		points.push_back(point);
	}
	return points;
}

// The best options of `method` on the bank's other tasks, the most similar task first.
std::vector<json> similar_winners(SpiConnection &spi, const TaskInfo &task, const Route &route,
                                  const std::string &method) {
	const std::vector<BankEntry> bank = bank_without(spi, task.task_id);
	std::vector<SignalFeatures> features;
	for (const BankEntry &entry : bank) {
		features.push_back(TaskSignals::from_json(entry.signals).features());
	}
	const SignalFeatures target =
	    route.signals.empty() ? SignalFeatures{} : TaskSignals::from_json(route.signals).features();
	std::vector<json> winners;
	for (size_t position : most_similar(target, features)) {
		const std::optional<json> &best =
		    method == "dfs" ? bank[position].best_dfs_options : bank[position].best_rdl_options;
		if (best) {
			winners.push_back(find_family(method).training_options(*best));
		}
	}
	return winners;
}

// Records a trial of the route that failed, with its error, after its subtransaction rolled back.
void record_failed_trial(SpiConnection &spi, const TaskInfo &task, const Route &route, const std::string &method,
                         const json &options, const std::string &error, double seconds) {
	Trial failed;
	failed.route_id = route.route_id;
	failed.method = method;
	failed.options = options;
	failed.signals = route.signals;
	failed.error = error;
	failed.seconds = seconds;
	record_trial(spi, task, failed, current_role(spi));
}

std::string trial_label(size_t index, int budget) {
	return "trial " + std::to_string(index + 1) + " of " + std::to_string(budget);
}

// Trains one trial of the route; a failure rolls back that trial alone and is recorded as a failed trial.
void run_trial(SpiConnection &spi, const TaskInfo &task, const Route &route, const AutoOptions &options,
               const RouteStep &step, const std::vector<Trial> &trials, const RunHooks &hooks) {
	json drawn = json::object();
	if (!step.defaults) {
		const uint64_t seed = static_cast<uint64_t>(options.common.seed.value_or(0)) * 1000003 + trials.size();
		drawn = draw_trial_options(step.method, similar_winners(spi, task, route, step.method),
		                           tried_points(trials, step.method), seed);
	}
	const json given = trial_options(options, step.method, drawn);
	hooks.report("route " + std::to_string(route.route_id) + ", " + trial_label(trials.size(), route.budget) + ": " +
	             step.method + (step.defaults ? " with its defaults" : " with " + drawn.dump()));
	Stopwatch watch;
	const std::optional<std::string> error =
	    run_contained([&] { train_task(spi, task.name, step.method, given, hooks, route.route_id); });
	if (!error) {
		return;
	}
	record_failed_trial(spi, task, route, step.method, given, *error, watch.seconds());
	hooks.report("route " + std::to_string(route.route_id) + ": " + step.method + " failed (" + *error +
	             "); the route goes on without it");
}

// The trial as its family fitted it, rebuilt from its stored model and recorded predictions.
FittedModel fitted_from_trial(SpiConnection &spi, Trial trial) {
	read_trial_predictions(spi, trial);
	const StoredModel model = load_model(spi, *trial.model_id);
	FittedModel fitted;
	fitted.options = model.options;
	fitted.options.erase("settings");
	fitted.feature_spec = model.feature_spec;
	fitted.bytes = load_model_bytes(spi, model.model_id);
	fitted.val_predictions = std::move(trial.val_predictions);
	fitted.test_predictions = std::move(trial.test_predictions);
	fitted.late_val_predictions = std::move(trial.late_val_predictions);
	fitted.metrics = load_model_metrics(spi, model.model_id);
	for (const char *split : {"train", "val", "test", "late_val"}) {
		fitted.metrics.erase(split);
	}
	fitted.timings = {{"training", trial.seconds}};
	fitted.reads_device = model.method != "dfs";
	return fitted;
}

// Whether the trial left a model with a metric to compare: what the finish can keep.
bool keepable(const Trial &trial) {
	return trial.finished && compared_metric(trial) && trial.model_id;
}

bool listed(const std::vector<int64_t> &ids, int64_t id) {
	return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The best finished trial of `method` by what the route compares, passing over the `passed` trials.
const Trial *best_trial(const std::vector<Trial> &trials, const std::string &method, bool higher_is_better,
                        const std::vector<int64_t> &passed) {
	const Trial *best = nullptr;
	for (const Trial &trial : trials) {
		if (keepable(trial) && trial.method == method && !listed(passed, trial.trial_id) &&
		    (!best || (higher_is_better ? *compared_metric(trial) > *compared_metric(*best)
		                                : *compared_metric(trial) < *compared_metric(*best)))) {
			best = &trial;
		}
	}
	return best;
}

// The flat choice in the searched family: its kFlatCandidates best trials by val that measured a loss landscape,
// scored by val and flatness (relatron/flatness.hpp). `record` says what was weighed, or why nothing was; the
// other trials of the family are `passed` when a choice was made.
struct FlatOutcome {
	json record = json::object();
	std::vector<int64_t> passed;
};

FlatOutcome weigh_flatness(SpiConnection &spi, const std::vector<Trial> &trials, const std::string &searched,
                           bool higher_is_better) {
	FlatOutcome outcome;
	const long single_trials = std::count_if(trials.begin(), trials.end(), [](const Trial &t) {
		return keepable(t) && t.method != "ensemble";
	});
	if (single_trials < kFlatMinTrials) {
		outcome.record["skipped"] = std::to_string(single_trials) + " trials finished; the flat choice needs " +
		                            std::to_string(kFlatMinTrials);
		return outcome;
	}
	std::vector<const Trial *> family;
	for (const Trial &trial : trials) {
		if (keepable(trial) && route_family(trial.method) == searched && trial.method != "ensemble") {
			family.push_back(&trial);
		}
	}
	std::stable_sort(family.begin(), family.end(), [&](const Trial *a, const Trial *b) {
		return higher_is_better ? *compared_metric(*a) > *compared_metric(*b)
		                        : *compared_metric(*a) < *compared_metric(*b);
	});
	std::vector<const Trial *> weighed;
	std::vector<FlatCandidate> candidates;
	for (const Trial *trial : family) {
		if (weighed.size() == kFlatCandidates) {
			break;
		}
		const json metrics = load_model_metrics(spi, *trial->model_id);
		if (metrics.contains("landscape")) {
			weighed.push_back(trial);
			candidates.push_back({*compared_metric(*trial), flatness_from_json(metrics.at("landscape"))});
		}
	}
	if (candidates.size() < 2) {
		outcome.record["skipped"] = "fewer than 2 " + searched + " trials measured a loss landscape";
		return outcome;
	}
	const FlatChoice choice = choose_flat(candidates, higher_is_better);
	const Trial &chosen = *weighed[choice.index];
	outcome.record = {{"family", searched}, {"chosen", chosen.trial_id}, {"val_best", family.front()->trial_id},
	                  {"compared", compared_name(trials)}, {"candidates", json::array()}};
	for (size_t k = 0; k < weighed.size(); ++k) {
		outcome.record["candidates"].push_back({{"trial_id", weighed[k]->trial_id},
		                                        {"method", weighed[k]->method},
		                                        {"val", candidates[k].val},
		                                        {"gradient", candidates[k].metrics.gradient},
		                                        {"sharpness", candidates[k].metrics.sharpness},
		                                        {"barrier", candidates[k].metrics.barrier},
		                                        {"score", choice.scores[k]}});
	}
	for (const Trial *trial : family) {
		if (trial != &chosen) {
			outcome.passed.push_back(trial->trial_id);
		}
	}
	return outcome;
}

// Blends the best dfs and rdl trials (the flat choice, where one was made) into an ensemble trial of the route,
// when both finished; a failure to blend is recorded like any failed trial.
void blend_best_trials(SpiConnection &spi, const TaskInfo &task, const Route &route, const AutoOptions &options,
                       const std::vector<Trial> &trials, const std::vector<int64_t> &passed, const RunHooks &hooks) {
	const bool higher = primary_metric(task.type).higher_is_better;
	const Trial *dfs = best_trial(trials, "dfs", higher, passed);
	const Trial *rdl = best_trial(trials, "rdl", higher, passed);
	if (!dfs || !rdl) {
		return;
	}
	hooks.report("route " + std::to_string(route.route_id) + ": blending the best dfs and rdl trials");
	Stopwatch watch;
	const std::optional<std::string> error = run_contained([&] {
		const TaskRows rows = read_task_rows(spi, task);
		FittedModel blended = blend_fitted(task, rows, fitted_from_trial(spi, *dfs), fitted_from_trial(spi, *rdl));
		CommonOptions common = options.common;
		common.deploy = DeployPolicy::Never;
		keep_fitted(spi, FittedContext{task, rows, find_family("ensemble"), common, route.route_id},
		            std::move(blended), dfs->seconds + rdl->seconds + watch.seconds(), hooks);
	});
	if (error) {
		record_failed_trial(spi, task, route, "ensemble", {{"dfs_trial", dfs->trial_id}, {"rdl_trial", rdl->trial_id}},
		                    *error, watch.seconds());
	}
}

json trial_json(const Trial &trial) {
	json row = {{"trial_id", trial.trial_id}, {"method", trial.method}, {"state", trial.finished ? "finished" : "failed"},
	            {"seconds", trial.seconds}};
	if (trial.val_metric) {
		row["val"] = *trial.val_metric;
	}
	if (trial.late_val_metric) {
		row["late_val"] = *trial.late_val_metric;
	}
	if (trial.error) {
		row["error"] = *trial.error;
	}
	return row;
}

// Keeps the best trial, deploys it by the policy and ends the route; the losing trials' models go.
RouteResult finish(SpiConnection &spi, const TaskInfo &task, const Route &route, const AutoOptions &options,
                   const RunHooks &hooks) {
	const bool higher = primary_metric(task.type).higher_is_better;
	const std::string searched = route.decision.value("searched", route.decision.at("favoured").get<std::string>());
	FlatOutcome flat;
	if (weighs_flatness(options)) {
		flat = weigh_flatness(spi, route_trials(spi, route.route_id), searched, higher);
		if (flat.record.contains("chosen")) {
			hooks.report("route " + std::to_string(route.route_id) + ": trial id " + flat.record["chosen"].dump() +
			             ", by val and flatness the best of the " + std::to_string(flat.record["candidates"].size()) +
			             " best " + searched + " trials by val, stands for " + searched);
		}
	}
	blend_best_trials(spi, task, route, options, route_trials(spi, route.route_id), flat.passed, hooks);
	const std::vector<Trial> trials = route_trials(spi, route.route_id);
	json outcome = {{"trials", json::array()}};
	if (weighs_flatness(options)) {
		outcome["flat"] = flat.record;
	}
	std::vector<Candidate> candidates;
	std::vector<const Trial *> candidate_trials;
	for (const Trial &trial : trials) {
		outcome["trials"].push_back(trial_json(trial));
		if (keepable(trial) && !listed(flat.passed, trial.trial_id)) {
			candidates.push_back({trial.method, *compared_metric(trial)});
			candidate_trials.push_back(&trial);
		}
	}
	if (candidates.empty()) {
		std::string errors;
		for (const Trial &trial : trials) {
			errors += (errors.empty() ? "" : "; ") + trial.method + ": " + trial.error.value_or("no val metric");
		}
		throw InvalidInputError("relml.train(\"" + task.name + "\", 'auto'): every trial failed (" + errors + ")");
	}
	const WinnerChoice winner = choose_winner(searched, candidates, higher, compared_name(trials));
	const Trial &kept = *candidate_trials[winner.index];
	const std::string caller = current_role(spi);
	const bool deployed = deploy_by_policy(spi, task, *kept.model_id, options.common.deploy, caller);
	outcome["winner"] = {{"trial_id", kept.trial_id}, {"method", kept.method}, {"model_id", *kept.model_id},
	                     {"reason", winner.reason}, {"deployed", deployed},
	                     {"deploy", to_string(options.common.deploy)}};
	std::vector<int64_t> losers;
	for (const Trial &trial : trials) {
		if (trial.model_id && &trial != &kept) {
			losers.push_back(*trial.model_id);
		}
	}
	delete_undeployed_models(spi, losers);
	add_model_metric(spi, *kept.model_id, "route",
	                 {{"route_id", route.route_id}, {"decision", route.decision}, {"signals", route.signals},
	                  {"winner", outcome["winner"]}});
	finish_route(spi, route.route_id, "finished", *kept.model_id, outcome);
	hooks.report("route " + std::to_string(route.route_id) + ": kept model " + std::to_string(*kept.model_id) + " (" +
	             kept.method + "): " + winner.reason + (deployed ? "; deployed" : "; not deployed"));
	return {true, *kept.model_id, deployed};
}

// The pinned options as each family reads them for this task, so a bad value fails now, not in every trial.
void require_pinned_options_fit(const AutoOptions &options, const TaskInfo &task) {
	for (const auto &item : options.pinned.items()) {
		const ModelFamily &family = find_family(item.key());
		try {
			family.parse_options(parse_training_options(item.value(), family), task);
		} catch (const InvalidInputError &e) {
			throw InvalidInputError("option \"" + item.key() + "\" of method auto: " + e.what());
		}
	}
}

} // namespace

void validate_route_options(const nlohmann::json &options) {
	parse_auto_options(options);
}

int64_t start_route(SpiConnection &spi, const std::string &task_name, const nlohmann::json &options,
                    const std::optional<int64_t> &job_id, const RunHooks &hooks) {
	const AutoOptions parsed = parse_auto_options(options);
	const TaskInfo task = load_task(spi, task_name);
	require_pinned_options_fit(parsed, task);
	lock_task_for_training(spi, task);
	hooks.report("routing task " + task.name + ": reading its signals");
	const RouteSignals signals = read_signals(spi, task);
	const int64_t rows = train_val_rows(spi, task);
	if (rows == 0) {
		throw_training_table_hidden(spi, task);
	}
	RouteDecision decision = decide_route(spi, task, signals.features, rows);
	Route route;
	route.job_id = job_id;
	route.options = parsed.given;
	route.budget = parsed.budget;
	route.signals = signals.stored;
	route.decision = decision.to_json();
	if (signals.error) {
		route.decision["signals_error"] = *signals.error;
	}
	const int64_t route_id = create_route(spi, task, route, current_role(spi));
	hooks.report("route " + std::to_string(route_id) + ": " + decision.rule + (decision.confident ? "; training " : "; piloting ") +
	             join_families(decision.families) + " within a budget of " + std::to_string(parsed.budget) + " trials");
	return route_id;
}

RouteResult run_route_step(SpiConnection &spi, int64_t route_id, const RunHooks &hooks) {
	Route route = load_route(spi, route_id);
	const TaskInfo task = load_task_by_id(spi, route.task_id);
	lock_task_for_training(spi, task);
	const AutoOptions options = parse_auto_options(route.options);
	const RouteDecision decision = RouteDecision::from_json(route.decision);
	const bool higher = primary_metric(task.type).higher_is_better;
	const std::vector<Trial> trials = route_trials(spi, route_id);
	const std::vector<TrialSummary> summaries = summaries_of(trials);
	std::optional<std::string> searched;
	if (route.decision.contains("searched")) {
		searched = route.decision.at("searched").get<std::string>();
	}
	const bool pilots_ran = std::all_of(decision.families.begin(), decision.families.end(), [&](const std::string &f) {
		return std::any_of(trials.begin(), trials.end(), [&](const Trial &t) { return route_family(t.method) == f; });
	});
	// Once the pilots ran, and again when the searched family only failed while the other finished.
	if (pilots_ran && (!searched || (!has_finished(trials, *searched) &&
	                                 has_finished(trials, other_family(*searched))))) {
		const FamilyChoice choice = choose_searched_family(decision, summaries, higher, compared_name(trials));
		route.decision["searched"] = choice.family;
		route.decision["search_reason"] = choice.reason;
		update_route_decision(spi, route_id, route.decision);
		searched = choice.family;
		hooks.report("route " + std::to_string(route_id) + ": " + choice.reason);
	}
	const RouteStep step = next_route_step(decision, searched, route.budget, summaries);
	if (step.kind == RouteStep::Kind::Train) {
		run_trial(spi, task, route, options, step, trials, hooks);
		return {};
	}
	return finish(spi, task, route, options, hooks);
}

RouteResult route_task(SpiConnection &spi, const std::string &task_name, const nlohmann::json &options,
                       const RunHooks &hooks) {
	const int64_t route_id = start_route(spi, task_name, options, std::nullopt, hooks);
	for (;;) {
		RouteResult result = run_route_step(spi, route_id, hooks);
		if (result.finished) {
			return result;
		}
	}
}

} // namespace relml::pg
