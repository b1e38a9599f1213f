#include "pg/families/ensemble/ensemble_family.hpp"

#include "pg/families/ensemble/member_bytes.hpp"
#include "pg/families/training.hpp"

#include "common/error.hpp"
#include "model/blend.hpp"
#include "model/metrics.hpp"

#include <string>

namespace relml::pg {

namespace {

// The member `name` ("dfs" or "rdl") of a stored ensemble as a model of its own: its method, options and
// feature specification under the ensemble's id, with the ensemble's row version marked "/<name>" so that the
// RDL network cache key (id @ row version) names neither the other member nor any stored model.
StoredModel member_model(const StoredModel &ensemble, const std::string &name) {
	const nlohmann::json &part = ensemble.feature_spec.at(name);
	StoredModel member = ensemble;
	member.method = name;
	member.options = part.at("options");
	member.feature_spec = part.at("feature_spec");
	member.row_version = ensemble.row_version + "/" + name;
	return member;
}

// The members, in the order the blend weighs them: w * dfs + (1 - w) * rdl.
const char *const kMembers[] = {"dfs", "rdl"};

// Each member's parsed options, and the shared keys it trains with.
struct EnsembleOptions : FamilyOptions {
	CommonOptions common[2];
	std::unique_ptr<FamilyOptions> member[2];
};

// The shared keys a member trains with: the ensemble's, except those its own object gives.
CommonOptions member_common(const CommonOptions &ensemble, const TrainingOptions &member, const nlohmann::json &given) {
	CommonOptions common = ensemble;
	if (given.contains("seed")) {
		common.seed = member.common.seed;
	}
	if (given.contains("device")) {
		common.device = member.common.device;
	}
	if (given.contains("encoder")) {
		common.encoder = member.common.encoder;
	}
	return common;
}


// A member's own metrics with its metrics of every split it predicted.
nlohmann::json member_metrics(const TaskInfo &task, const TaskRows &rows, const FittedModel &member) {
	nlohmann::json metrics = member.metrics;
	metrics["val"] = metrics_of_split(task, rows.labels_at(rows.val), member.val_predictions);
	metrics["test"] = metrics_of_split(task, rows.labels_at(rows.test), member.test_predictions);
	if (!member.late_val_predictions.empty()) {
		metrics["late_val"] = metrics_of_split(task, rows.labels_at(rows.val), member.late_val_predictions);
	}
	if (member.train_predictions) {
		metrics["train"] = metrics_of_split(task, rows.labels_at(rows.train), *member.train_predictions);
	}
	return metrics;
}

// The primary metric of a split's metrics, null when undefined.
nlohmann::json primary_of(const nlohmann::json &split, const std::string &metric) {
	return split.is_object() && split.contains(metric) ? split[metric] : nlohmann::json();
}

class EnsembleFamily : public ModelFamily {
public:
	// The shared keys go to both members (dfs reads the seed only).
	EnsembleFamily()
	    : ModelFamily("ensemble",
	                  "a dfs model and an rdl model of the task, their predictions blended with a weight chosen on "
	                  "the validation rows",
	                  {"seed", "device", "encoder"}) {
	}
	std::vector<std::string> own_keys() const override;
	std::unique_ptr<FamilyOptions> parse_options(const TrainingOptions &options, const TaskInfo &task) const override;
	FittedModel train(const TrainingRun &run, const FamilyOptions &options) const override;
	PredictionValues predict(const PredictionRun &run) const override;
	nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const override;
	nlohmann::json training_options(const nlohmann::json &stored) const override;
};

} // namespace

// ensemble: dfs and rdl, blended.
std::unique_ptr<ModelFamily> make_ensemble_family() {
	return std::make_unique<EnsembleFamily>();
}

// A weighted blend of the two; each member's parts stay whole, so it predicts as it did alone. The weight is
// chosen on the late val where the task has one: the test rows are observed late, and a member's share should
// be what serves late observations.
FittedModel blend_fitted(const TaskInfo &task, const TaskRows &rows, FittedModel dfs, FittedModel rdl) {
	const std::vector<double> val_labels = rows.labels_at(rows.val);
	const bool late = !dfs.late_val_predictions.empty() && !rdl.late_val_predictions.empty();
	const BlendChoice choice =
	    late ? choose_blend_weight(task.type, val_labels, dfs.late_val_predictions, rdl.late_val_predictions,
	                               task.num_classes)
	         : choose_blend_weight(task.type, val_labels, dfs.val_predictions, rdl.val_predictions, task.num_classes);
	const std::string metric = primary_metric(task.type).name;
	FittedModel fitted;
	fitted.val_predictions = blend_predictions(dfs.val_predictions, rdl.val_predictions, choice.weight);
	fitted.test_predictions = blend_predictions(dfs.test_predictions, rdl.test_predictions, choice.weight);
	if (late) {
		fitted.late_val_predictions =
		    blend_predictions(dfs.late_val_predictions, rdl.late_val_predictions, choice.weight);
	}
	if (dfs.train_predictions && rdl.train_predictions) {
		fitted.train_predictions = blend_predictions(*dfs.train_predictions, *rdl.train_predictions, choice.weight);
	}
	fitted.bytes = MemberBytes{std::move(dfs.bytes), std::move(rdl.bytes)}.pack();
	fitted.reads_device = dfs.reads_device || rdl.reads_device;
	fitted.metrics["weight"] = choice.weight;
	const std::string chosen_on = late ? "late_val" : "val";
	fitted.metrics["blend"] = {{"metric", metric},
	                           {"chosen_on", chosen_on},
	                           {chosen_on, choice.metric ? nlohmann::json(*choice.metric) : nlohmann::json()}};
	fitted.feature_spec = {{"weight", choice.weight}, {"graph", dfs.feature_spec.at("graph")}};
	FittedModel *members[] = {&dfs, &rdl};
	for (int i = 0; i < 2; ++i) {
		const std::string name = kMembers[i];
		FittedModel &member = *members[i];
		fitted.metrics[name] = member_metrics(task, rows, member);
		fitted.metrics["blend"][name + "_" + chosen_on] = primary_of(fitted.metrics[name][chosen_on], metric);
		for (const auto &phase : member.timings.items()) {
			fitted.timings[name + "_" + phase.key()] = phase.value();
		}
		fitted.options[name] = std::move(member.options);
		fitted.feature_spec[name] = {{"options", fitted.options[name]},
		                             {"feature_spec", std::move(member.feature_spec)}};
	}
	return fitted;
}

// One key per member, each an object of that member's own options.
std::vector<std::string> EnsembleFamily::own_keys() const {
	return {kMembers[0], kMembers[1]};
}

// Each member's object through the member's own options path, so its errors name the key and the member.
std::unique_ptr<FamilyOptions> EnsembleFamily::parse_options(const TrainingOptions &options,
                                                             const TaskInfo &task) const {
	auto parsed = std::make_unique<EnsembleOptions>();
	for (int i = 0; i < 2; ++i) {
		const std::string name = kMembers[i];
		const nlohmann::json given = options.own.value(name, nlohmann::json::object());
		try {
			if (!given.is_object()) {
				throw InvalidInputError("must be an object of method " + name + "'s options, got " + given.dump());
			}
			if (given.contains("deploy")) {
				throw InvalidInputError("option \"deploy\" applies to the ensemble as a whole: give it at the top");
			}
			const ModelFamily &family = find_family(name);
			TrainingOptions member = parse_training_options(given, family);
			member.common = member_common(options.common, member, given);
			parsed->common[i] = member.common;
			parsed->member[i] = family.parse_options(member, task);
		} catch (const InvalidInputError &e) {
			throw InvalidInputError("ensemble option \"" + name + "\": " + e.what());
		}
	}
	return parsed;
}

// Fits the dfs member, then the rdl member, on the same rows, and blends them.
FittedModel EnsembleFamily::train(const TrainingRun &run, const FamilyOptions &family_options) const {
	const auto &options = static_cast<const EnsembleOptions &>(family_options);
	FittedModel fitted[2];
	for (int i = 0; i < 2; ++i) {
		run.hooks.report(std::string("ensemble: training member ") + kMembers[i]);
		const TrainingRun member{run.spi, run.task, run.rows, options.common[i], run.hooks, run.fit_cutoff};
		fitted[i] = find_family(kMembers[i]).train(member, *options.member[i]);
	}
	FittedModel blended = blend_fitted(run.task, run.rows, std::move(fitted[0]), std::move(fitted[1]));
	const nlohmann::json &blend = blended.metrics["blend"];
	const std::string chosen_on = blend["chosen_on"];
	run.hooks.report("ensemble: weight " + std::to_string(blended.metrics["weight"].get<double>()) + " on dfs; " +
	                 (chosen_on == "late_val" ? "late val " : "val ") + blend["metric"].get<std::string>() + " dfs " +
	                 blend["dfs_" + chosen_on].dump() + ", rdl " + blend["rdl_" + chosen_on].dump() + ", blend " +
	                 blend[chosen_on].dump());
	return blended;
}

// Both members' predictions, each by its own family from its stored parts, blended with the stored weight.
PredictionValues EnsembleFamily::predict(const PredictionRun &run) const {
	const MemberBytes bytes = MemberBytes::unpack(run.model_bytes());
	auto predict_member = [&](const std::string &name, const std::vector<uint8_t> &member_bytes) {
		const StoredModel member = member_model(run.model, name);
		return find_family(name).predict(PredictionRun{run.spi, run.task, member, run.model_graph, run.seeds,
		                                               run.threads, run.hooks, &member_bytes});
	};
	const PredictionValues dfs = predict_member("dfs", bytes.dfs);
	const PredictionValues rdl = predict_member("rdl", bytes.rdl);
	const double weight = run.model.feature_spec.at("weight").get<double>();
	return {blend_predictions(dfs.values, rdl.values, weight), dfs.outputs_per_row};
}

// The weight, and each member as its own family describes it.
nlohmann::json EnsembleFamily::describe(const StoredModel &model, const nlohmann::json &metrics) const {
	nlohmann::json description = {{"weight", model.feature_spec.at("weight")}};
	for (const char *name : kMembers) {
		description[name] =
		    find_family(name).describe(member_model(model, name), metrics.value(name, nlohmann::json::object()));
	}
	return description;
}

// Each member's options as its own family reads them back, under its key.
nlohmann::json EnsembleFamily::training_options(const nlohmann::json &stored) const {
	nlohmann::json options = nlohmann::json::object();
	for (const char *name : kMembers) {
		options[name] = find_family(name).training_options(stored.value(name, nlohmann::json::object()));
	}
	return options;
}

} // namespace relml::pg
