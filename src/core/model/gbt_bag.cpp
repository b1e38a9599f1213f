#include "model/gbt_bag.hpp"

#include "common/error.hpp"
#include "model/gbt_leaves.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace relml {

namespace {

// Divides a tree's leaf values by `count`.
void scale_leaves(nlohmann::json &tree, double count) {
	nlohmann::json &conditions = tree.at("split_conditions");
	for (size_t node = 0; node < conditions.size(); ++node) {
		if (is_leaf(tree, node)) {
			conditions[node] = conditions[node].get<double>() / count;
			tree["base_weights"][node] = conditions[node];
		}
	}
}

// Member k's hooks: its progress is the share (k + done) / count of the bag's, its steps count on from the
// rounds the members before it trained.
RunHooks member_hooks(const RunHooks &hooks, int member, int count, const long &rounds_before) {
	RunHooks result = hooks;
	if (hooks.advance) {
		result.advance = [&hooks, member, count, &rounds_before](const std::string &phase, double fraction,
		                                                         long step) {
			hooks.advance(phase, (member + fraction) / count, rounds_before + step);
		};
	}
	return result;
}

// A later member's gbtree part (its trees and their classes), which must start from the same base score.
nlohmann::json member_trees(const GbtModel &member, const std::string &base_score) {
	nlohmann::json document = member.to_json();
	if (document.at("learner").at("learner_model_param").at("base_score") != base_score) {
		throw InternalError("average_gbt_models: members have different base scores (train them with the first "
		                    "member's, as train_gbt_bag does)");
	}
	return std::move(gbtree_model(document));
}

} // namespace

int default_bag_size(size_t training_rows) {
	const double boosters = kBagRows / double(std::max<size_t>(training_rows, 1));
	return int(std::clamp<double>(std::round(boosters), 1, kMaxDefaultBag));
}

GbtModel average_gbt_models(const std::vector<GbtModel> &members, int nthread) {
	if (members.empty()) {
		throw InternalError("average_gbt_models: no members");
	}
	// The first member's document becomes the average: its trees are replaced by every member's, scaled.
	nlohmann::json merged = members.front().to_json();
	if (members.size() == 1) {
		return GbtModel::from_json(merged, nthread);
	}
	const double count = double(members.size());
	nlohmann::json &model = gbtree_model(merged);
	const std::string base_score = merged.at("learner").at("learner_model_param").at("base_score");
	const bool has_indptr = model.contains("iteration_indptr"); // XGBoost 2's per-round tree offsets
	nlohmann::json trees = nlohmann::json::array();
	nlohmann::json tree_info = nlohmann::json::array();
	nlohmann::json indptr = nlohmann::json::array({0});
	int rounds = 0;
	int rounds_trained = 0;
	double val_metric_sum = 0;
	for (size_t k = 0; k < members.size(); ++k) {
		const GbtModel &member = members[k];
		nlohmann::json document = k == 0 ? model : member_trees(member, base_score);
		for (size_t t = 0; t < document.at("trees").size(); ++t) {
			nlohmann::json &tree = document["trees"][t];
			scale_leaves(tree, count);
			tree["id"] = trees.size();
			trees.push_back(std::move(tree));
			tree_info.push_back(document.at("tree_info").at(t));
		}
		const int member_rounds = member.best_iteration() + 1;
		for (int r = 1; r <= member_rounds; ++r) {
			indptr.push_back(indptr.back().get<long>() + member.outputs_per_row());
		}
		rounds += member_rounds;
		rounds_trained += member.rounds_trained();
		val_metric_sum += member.best_val_metric();
	}
	model["gbtree_model_param"]["num_trees"] = std::to_string(trees.size());
	model["trees"] = std::move(trees);
	model["tree_info"] = std::move(tree_info);
	if (has_indptr) {
		model["iteration_indptr"] = std::move(indptr);
	}
	// Read back as one model of `rounds` rounds; the best val metric is the members' mean.
	nlohmann::json &attributes = merged["learner"]["attributes"];
	attributes["relml_best_iteration"] = std::to_string(rounds - 1);
	attributes["relml_rounds_trained"] = std::to_string(rounds_trained);
	attributes["relml_best_val_metric"] = std::to_string(val_metric_sum / count);
	return GbtModel::from_json(merged, nthread);
}

GbtBag train_gbt_bag(TaskType task, int num_class, MatrixRows train_x, const std::vector<float> &train_y,
                     MatrixRows val_x, const std::vector<float> &val_y, const GbtParams &params,
                     const RunHooks &hooks, const std::vector<std::vector<float>> &member_weights) {
	if (params.bag < 1) {
		throw InternalError("train_gbt_bag: the bag size is unresolved (" + std::to_string(params.bag) + ")");
	}
	if (!member_weights.empty() && int(member_weights.size()) != params.bag) {
		throw InternalError("train_gbt_bag: " + std::to_string(member_weights.size()) +
		                    " members' weights for a bag of " + std::to_string(params.bag));
	}
	const bool members_differ = params.subsample < 1 || params.colsample_bytree < 1 || !member_weights.empty();
	const int count = members_differ ? params.bag : 1;
	const std::vector<float> unweighted;
	std::vector<GbtModel> members;
	std::vector<int> member_rounds;
	long rounds_before = 0;
	// The first member's base score, which XGBoost may have estimated from its weighted labels, for the others:
	// the average is only a model when every member starts from the same margin.
	std::string base_score = params.base_score;
	for (int k = 0; k < count; ++k) {
		GbtParams member = params;
		member.seed = int((static_cast<long long>(params.seed) + k) % std::numeric_limits<int>::max());
		member.base_score = base_score;
		if (count > 1) {
			hooks.report("bag member " + std::to_string(k + 1) + " of " + std::to_string(count) + " (seed " +
			             std::to_string(member.seed) + ")");
		}
		members.push_back(GbtModel::train(task, num_class, train_x, train_y, val_x, val_y, member,
		                                  member_hooks(hooks, k, count, rounds_before),
		                                  member_weights.empty() ? unweighted : member_weights[k]));
		if (k == 0) {
			base_score = members.front().base_score();
		}
		rounds_before += members.back().rounds_trained();
		member_rounds.push_back(members.back().best_iteration() + 1);
	}
	if (count == 1) {
		return {std::move(members.front()), member_rounds};
	}
	return {average_gbt_models(members, params.nthread), member_rounds};
}

} // namespace relml
