#include "model/metrics.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace relml {

namespace {

constexpr double kProbabilityEpsilon = 1e-15;

// Rejects empty input, a size mismatch (width predictions per label) and non-finite values, which would
// otherwise yield NaN metrics or break sorting.
void check_inputs(const char *metric, const std::vector<double> &labels, const std::vector<double> &predictions,
                  size_t width) {
	if (labels.empty()) {
		throw InvalidInputError(std::string(metric) + ": no rows to evaluate");
	}
	if (predictions.size() != labels.size() * width) {
		throw InvalidInputError(std::string(metric) + ": " + std::to_string(labels.size()) + " labels but " +
		                        std::to_string(predictions.size()) + " predictions (expected " +
		                        std::to_string(labels.size() * width) + ")");
	}
	for (size_t i = 0; i < labels.size(); ++i) {
		if (!std::isfinite(labels[i])) {
			throw InvalidInputError(std::string(metric) + ": label of row " + std::to_string(i) +
			                        " is missing or not finite");
		}
	}
	for (size_t i = 0; i < predictions.size(); ++i) {
		if (!std::isfinite(predictions[i])) {
			throw InvalidInputError(std::string(metric) + ": prediction " + std::to_string(i) +
			                        " is not finite");
		}
	}
}

void check_binary_labels(const char *metric, const std::vector<double> &labels) {
	for (size_t i = 0; i < labels.size(); ++i) {
		if (labels[i] != 0.0 && labels[i] != 1.0) {
			throw InvalidInputError(std::string(metric) + ": label of row " + std::to_string(i) +
			                        " is not 0 or 1");
		}
	}
}

// Checks a multiclass evaluation's inputs: a real class count, then sizes and finiteness, then class indices.
void check_class_inputs(const char *metric, const std::vector<double> &labels,
                        const std::vector<double> &probabilities, int num_class) {
	if (num_class < 2) {
		throw InvalidInputError(std::string(metric) + ": num_class must be at least 2, got " +
		                        std::to_string(num_class));
	}
	check_inputs(metric, labels, probabilities, static_cast<size_t>(num_class));
	for (size_t i = 0; i < labels.size(); ++i) {
		if (labels[i] < 0 || labels[i] >= num_class || labels[i] != std::floor(labels[i])) {
			throw InvalidInputError(std::string(metric) + ": label of row " + std::to_string(i) +
			                        " is not a class index in [0, " + std::to_string(num_class) + ")");
		}
	}
}

double clip_probability(double p) {
	return std::min(std::max(p, kProbabilityEpsilon), 1.0 - kProbabilityEpsilon);
}

// The class with the highest probability in one row; the first one on ties.
size_t argmax_class(const std::vector<double> &probabilities, size_t row, int num_class) {
	const double *begin = probabilities.data() + row * static_cast<size_t>(num_class);
	return static_cast<size_t>(std::max_element(begin, begin + num_class) - begin);
}

double positive_rate(const std::vector<double> &labels01) {
	return std::accumulate(labels01.begin(), labels01.end(), 0.0) / static_cast<double>(labels01.size());
}

} // namespace

double auroc(const std::vector<double> &labels01, const std::vector<double> &scores) {
	check_inputs("auroc", labels01, scores, 1);
	check_binary_labels("auroc", labels01);
	const size_t n = labels01.size();
	const double positives = std::accumulate(labels01.begin(), labels01.end(), 0.0);
	const double negatives = static_cast<double>(n) - positives;
	if (positives == 0 || negatives == 0) {
		throw InvalidInputError("auroc: the labels contain only one class; AUROC needs both positives and "
		                        "negatives");
	}
	std::vector<size_t> order(n);
	std::iota(order.begin(), order.end(), 0);
	std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
	// Mann-Whitney U: sum the 1-based ranks of the positives, giving every run of tied scores its average rank.
	double positive_rank_sum = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		double run_positives = 0;
		while (j < n && scores[order[j]] == scores[order[i]]) {
			run_positives += labels01[order[j]];
			++j;
		}
		const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
		positive_rank_sum += run_positives * average_rank;
		i = j;
	}
	return (positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

double mae(const std::vector<double> &labels, const std::vector<double> &predictions) {
	check_inputs("mae", labels, predictions, 1);
	double sum = 0;
	for (size_t i = 0; i < labels.size(); ++i) {
		sum += std::abs(labels[i] - predictions[i]);
	}
	return sum / static_cast<double>(labels.size());
}

double rmse(const std::vector<double> &labels, const std::vector<double> &predictions) {
	check_inputs("rmse", labels, predictions, 1);
	double sum = 0;
	for (size_t i = 0; i < labels.size(); ++i) {
		const double d = labels[i] - predictions[i];
		sum += d * d;
	}
	return std::sqrt(sum / static_cast<double>(labels.size()));
}

double r2(const std::vector<double> &labels, const std::vector<double> &predictions) {
	check_inputs("r2", labels, predictions, 1);
	const double mean = std::accumulate(labels.begin(), labels.end(), 0.0) / static_cast<double>(labels.size());
	double residual = 0;
	double total = 0;
	for (size_t i = 0; i < labels.size(); ++i) {
		residual += (labels[i] - predictions[i]) * (labels[i] - predictions[i]);
		total += (labels[i] - mean) * (labels[i] - mean);
	}
	if (total == 0) {
		return residual == 0 ? 1.0 : 0.0;
	}
	return 1.0 - residual / total;
}

double accuracy(const std::vector<double> &labels01, const std::vector<double> &probabilities, double threshold) {
	check_inputs("accuracy", labels01, probabilities, 1);
	check_binary_labels("accuracy", labels01);
	size_t correct = 0;
	for (size_t i = 0; i < labels01.size(); ++i) {
		correct += (probabilities[i] >= threshold) == (labels01[i] == 1.0);
	}
	return static_cast<double>(correct) / static_cast<double>(labels01.size());
}

double multiclass_accuracy(const std::vector<double> &labels, const std::vector<double> &probabilities,
                           int num_class) {
	check_class_inputs("accuracy", labels, probabilities, num_class);
	size_t correct = 0;
	for (size_t i = 0; i < labels.size(); ++i) {
		correct += argmax_class(probabilities, i, num_class) == static_cast<size_t>(labels[i]);
	}
	return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double log_loss(const std::vector<double> &labels01, const std::vector<double> &probabilities) {
	check_inputs("log_loss", labels01, probabilities, 1);
	check_binary_labels("log_loss", labels01);
	double sum = 0;
	for (size_t i = 0; i < labels01.size(); ++i) {
		const double p = clip_probability(probabilities[i]);
		sum -= labels01[i] == 1.0 ? std::log(p) : std::log(1.0 - p);
	}
	return sum / static_cast<double>(labels01.size());
}

double multiclass_log_loss(const std::vector<double> &labels, const std::vector<double> &probabilities,
                           int num_class) {
	check_class_inputs("log_loss", labels, probabilities, num_class);
	double sum = 0;
	for (size_t i = 0; i < labels.size(); ++i) {
		const size_t cell = i * static_cast<size_t>(num_class) + static_cast<size_t>(labels[i]);
		sum -= std::log(clip_probability(probabilities[cell]));
	}
	return sum / static_cast<double>(labels.size());
}

MetricSpec primary_metric(TaskType task) {
	switch (task) {
	case TaskType::BinaryClassification:
		return {"auroc", true};
	case TaskType::Regression:
		return {"mae", false};
	case TaskType::MulticlassClassification:
		return {"accuracy", true};
	}
	throw InternalError("invalid TaskType value");
}

MetricSpec early_stopping_metric(TaskType task) {
	if (task == TaskType::MulticlassClassification) {
		return {"log_loss", false};
	}
	return primary_metric(task);
}

double compute_metric(const std::string &name, TaskType task, const std::vector<double> &labels,
                      const std::vector<double> &predictions, int num_class) {
	switch (task) {
	case TaskType::BinaryClassification:
		if (name == "auroc") {
			return auroc(labels, predictions);
		}
		if (name == "log_loss") {
			return log_loss(labels, predictions);
		}
		if (name == "accuracy") {
			return accuracy(labels, predictions);
		}
		if (name == "positive_rate") {
			check_inputs("positive_rate", labels, predictions, 1);
			check_binary_labels("positive_rate", labels);
			return positive_rate(labels);
		}
		break;
	case TaskType::Regression:
		if (name == "mae") {
			return mae(labels, predictions);
		}
		if (name == "rmse") {
			return rmse(labels, predictions);
		}
		if (name == "r2") {
			return r2(labels, predictions);
		}
		break;
	case TaskType::MulticlassClassification:
		if (name == "accuracy") {
			return multiclass_accuracy(labels, predictions, num_class);
		}
		if (name == "log_loss") {
			return multiclass_log_loss(labels, predictions, num_class);
		}
		break;
	}
	throw InternalError("metric \"" + name + "\" is not defined for task type " + to_string(task));
}

double evaluate_metric(TaskType task, const std::vector<double> &labels, const std::vector<double> &predictions,
                       int num_class) {
	return compute_metric(primary_metric(task).name, task, labels, predictions, num_class);
}

std::map<std::string, double> all_metrics(TaskType task, const std::vector<double> &labels,
                                          const std::vector<double> &predictions, int num_class) {
	std::vector<std::string> names;
	switch (task) {
	case TaskType::BinaryClassification:
		names = {"auroc", "log_loss", "accuracy", "positive_rate"};
		break;
	case TaskType::Regression:
		names = {"mae", "rmse", "r2"};
		break;
	case TaskType::MulticlassClassification:
		names = {"accuracy", "log_loss"};
		break;
	}
	std::map<std::string, double> result;
	for (const std::string &name : names) {
		result[name] = compute_metric(name, task, labels, predictions, num_class);
	}
	return result;
}

} // namespace relml
