#include "pg/routing/route_explanation.hpp"

#include "pg/routing/route_bank.hpp"

#include "model/task_type.hpp"
#include "relatron/route_decision.hpp"
#include "relatron/task_signals.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace relml::pg {

namespace {

std::string number(double value, const char *format = "%.4g") {
	char text[64];
	std::snprintf(text, sizeof(text), format, value);
	return text;
}

std::string percent(double share) {
	return number(100 * share, "%.0f") + "%";
}

void explain_signals(const Route &route, std::vector<std::string> &lines) {
	if (route.decision.contains("signals_error")) {
		lines.push_back("The task signals could not be computed (" +
		                route.decision.at("signals_error").get<std::string>() +
		                "), so the route decided from the number of training rows alone.");
		return;
	}
	const TaskSignals signals = TaskSignals::from_json(route.signals);
	lines.push_back("Signals, read from the training and validation labels and the schema before any training (" +
	                number(signals.seconds, "%.1f") + " s):");
	for (const auto &feature : signals.features()) {
		lines.push_back("  " + feature.first + " = " +
		                (std::isfinite(feature.second) ? number(feature.second) : std::string("undefined")) + ": " +
		                signal_meaning(feature.first));
	}
}

void explain_trials(const Route &route, const std::vector<Trial> &trials, std::vector<std::string> &lines) {
	for (size_t i = 0; i < trials.size(); ++i) {
		const Trial &trial = trials[i];
		std::string line = "Trial " + std::to_string(i + 1) + ": " + trial.method;
		if (!trial.finished) {
			line += " failed: " + trial.error.value_or("unknown error") + ".";
		} else {
			line += ", val " + trial.metric + " " + (trial.val_metric ? number(*trial.val_metric) : "n/a") +
			        (trial.late_val_metric ? ", late val " + number(*trial.late_val_metric) : std::string()) +
			        (trial.test_metric ? ", test " + number(*trial.test_metric) : std::string()) + ", " +
			        number(trial.seconds, "%.1f") + " s" + (trial.model_id ? " (model " + std::to_string(*trial.model_id) + ")" : "") +
			        ".";
		}
		lines.push_back(line);
	}
	if (std::any_of(trials.begin(), trials.end(), [](const Trial &t) { return t.late_val_metric; })) {
		lines.push_back("The task's test rows lie past its input cutoff, so they are scored on data that ends before "
		                "their time. The route compared trials on their late val: the validation rows scored as "
		                "late, on data frozen one period before them.");
	}
	if (route.state == "running") {
		lines.push_back("The route is still running: " + std::to_string(trials.size()) + " of " +
		                std::to_string(route.budget) + " trials done.");
	}
}

// The trial number of `trial_id` as explain_trials counts them.
std::string trial_number(const std::vector<Trial> &trials, int64_t trial_id) {
	for (size_t i = 0; i < trials.size(); ++i) {
		if (trials[i].trial_id == trial_id) {
			return std::to_string(i + 1);
		}
	}
	return "id " + std::to_string(trial_id);
}

void explain_flatness(const nlohmann::json &flat, const std::vector<Trial> &trials, std::vector<std::string> &lines) {
	if (flat.contains("skipped")) {
		lines.push_back("Flat optima: not weighed (" + flat.at("skipped").get<std::string>() + ").");
		return;
	}
	std::string weighed;
	for (const nlohmann::json &candidate : flat.at("candidates")) {
		auto metric = [&](const char *key) {
			return candidate.at(key).is_number() ? number(candidate.at(key).get<double>()) : std::string("undefined");
		};
		weighed += std::string(weighed.empty() ? "" : "; ") + "trial " +
		           trial_number(trials, candidate.at("trial_id").get<int64_t>()) + " gradient " + metric("gradient") +
		           ", sharpness " + metric("sharpness") + ", barrier " + metric("barrier") + ", score " +
		           number(candidate.at("score").get<double>(), "%.2f");
	}
	// Routes recorded before the late val compared val.
	const std::string compared = flat.value("compared", "val");
	lines.push_back("Flat optima: the " + std::to_string(flat.at("candidates").size()) + " best " +
	                flat.at("family").get<std::string>() + " trials by " + compared + " were scored 0.4 " + compared +
	                " + 0.2 each for a small gradient, sharpness and barrier of their loss landscape on val (" +
	                weighed + ").");
	const int64_t chosen = flat.at("chosen").get<int64_t>();
	lines.push_back(chosen == flat.at("val_best").get<int64_t>()
	                    ? "The best trial by " + compared + ", trial " + trial_number(trials, chosen) +
	                          ", also scored best."
	                    : "Trial " + trial_number(trials, chosen) +
	                          " scored best and stands for its family instead of trial " +
	                          trial_number(trials, flat.at("val_best").get<int64_t>()) + ", the best by " + compared +
	                          ": its optimum is flatter.");
}

} // namespace

std::vector<std::string> explain_route(const TaskInfo &task, const Route &route, const std::vector<Trial> &trials) {
	std::vector<std::string> lines;
	lines.push_back("Route " + std::to_string(route.route_id) + " of task " + task.name + " (" + to_string(task.type) +
	                "), started " + route.started_at + " with a budget of " + std::to_string(route.budget) +
	                " trials.");
	explain_signals(route, lines);
	const RouteDecision decision = RouteDecision::from_json(route.decision);
	lines.push_back("Decision (" + decision.selector + "): " + decision.rule + ".");
	lines.push_back(decision.confident
	                    ? "It favours " + decision.favoured + " with confidence " + percent(decision.confidence) +
	                          ", at least the " + percent(kRoutingThreshold) + " needed to train " +
	                          decision.favoured + " only."
	                    : "It favours " + decision.favoured + " with confidence " + percent(decision.confidence) +
	                          ", below the " + percent(kRoutingThreshold) + " needed to skip a family, so a pilot of " +
	                          join_families(decision.families) + " (their default options) came first.");
	if (route.decision.contains("search_reason")) {
		lines.push_back("Search: " + route.decision.at("search_reason").get<std::string>() + ".");
	}
	explain_trials(route, trials, lines);
	if (route.outcome.is_object() && route.outcome.contains("flat")) {
		explain_flatness(route.outcome.at("flat"), trials, lines);
	}
	if (route.outcome.is_object() && route.outcome.contains("winner")) {
		const nlohmann::json &winner = route.outcome.at("winner");
		lines.push_back("Kept model " + std::to_string(winner.at("model_id").get<int64_t>()) + " (" +
		                winner.at("method").get<std::string>() + "): " + winner.at("reason").get<std::string>() +
		                ". " +
		                (winner.at("deployed").get<bool>()
		                     ? "It was deployed (deploy: " + winner.at("deploy").get<std::string>() + ")."
		                     : "It was not deployed (deploy: " + winner.at("deploy").get<std::string>() +
		                           "): the deployed model stays."));
	}
	return lines;
}

} // namespace relml::pg
