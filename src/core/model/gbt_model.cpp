#include "model/gbt_model.hpp"

#include "common/error.hpp"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

namespace relml {

namespace {

using DMatrixPtr = std::unique_ptr<void, int (*)(void *)>;

constexpr int kReportEvery = 50;
constexpr const char *kPredictConfig =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";
// The same for in-place prediction on a dense array, whose missing value is NaN (XGBoost's JSON reads NaN).
constexpr const char *kInplacePredictConfig = R"({"type": 0, "training": false, "iteration_begin": 0,
    "iteration_end": 0, "strict_shape": false, "cache_id": 0, "missing": NaN})";

// Booster attributes that carry relml's training summary inside the serialized model.
constexpr const char *kAttrTask = "relml_task";
constexpr const char *kAttrOutputs = "relml_outputs_per_row";
constexpr const char *kAttrBestIteration = "relml_best_iteration";
constexpr const char *kAttrBestValMetric = "relml_best_val_metric";
constexpr const char *kAttrRoundsTrained = "relml_rounds_trained";

// Turns a failed XGBoost call into InternalError with XGBoost's own explanation.
void check(int rc, const char *call) {
	if (rc != 0) {
		throw InternalError(std::string("XGBoost ") + call + " failed: " + XGBGetLastError());
	}
}

// Full precision, so a parameter reaches XGBoost exactly as the user gave it.
std::string number_text(double value) {
	std::ostringstream out;
	out.precision(17);
	out << value;
	return out.str();
}

std::string metric_text(double value) {
	char buffer[32];
	std::snprintf(buffer, sizeof(buffer), "%.4f", value);
	return buffer;
}

void set_param(BoosterHandle booster, const char *name, const std::string &value) {
	check(XGBoosterSetParam(booster, name, value.c_str()), "XGBoosterSetParam");
}

// Feature matrices come from relml's own pipeline, so a malformed buffer is a bug; infinities come from data
// (e.g. float8 'Infinity') and XGBoost rejects them, so they are the user's to fix.
void check_features(const char *split, MatrixRows x) {
	if (x.data == nullptr && x.size() > 0) {
		throw InternalError(std::string(split) + " matrix of " + std::to_string(x.rows) + " x " +
		                    std::to_string(x.cols) + " has no values");
	}
	for (size_t i = 0; i < x.size(); ++i) {
		if (std::isinf(x.data[i])) {
			throw InvalidInputError(std::string(split) + " feature " + std::to_string(i % x.cols) + " of row " +
			                        std::to_string(i / x.cols) + " is infinite");
		}
	}
}

void check_labels(const char *split, TaskType task, int num_class, const std::string &objective, size_t rows,
                  const std::vector<float> &labels) {
	if (rows == 0) {
		throw InvalidInputError(std::string("no ") + split + " rows");
	}
	if (labels.size() != rows) {
		throw InvalidInputError(std::string(split) + " rows: " + std::to_string(rows) + " feature rows but " +
		                        std::to_string(labels.size()) + " labels");
	}
	const bool non_negative = objective == "count:poisson" || objective == "reg:tweedie";
	bool seen[2] = {false, false};
	for (size_t i = 0; i < labels.size(); ++i) {
		const float y = labels[i];
		const std::string where = std::string(split) + " label of row " + std::to_string(i);
		if (!std::isfinite(y)) {
			throw InvalidInputError(where + " is missing or not finite");
		}
		if (task == TaskType::BinaryClassification) {
			if (y != 0 && y != 1) {
				throw InvalidInputError(where + " is " + number_text(y) + "; binary labels must be 0 or 1");
			}
			seen[static_cast<int>(y)] = true;
		} else if (task == TaskType::MulticlassClassification) {
			if (y < 0 || y >= static_cast<float>(num_class) || y != std::floor(y)) {
				throw InvalidInputError(where + " is " + number_text(y) + "; multiclass labels must be class " +
				                        "indices in [0, " + std::to_string(num_class) + ")");
			}
		} else if (non_negative && y < 0) {
			throw InvalidInputError(where + " is " + number_text(y) + "; objective " + objective +
			                        " needs labels >= 0");
		}
	}
	if (task == TaskType::BinaryClassification && !(seen[0] && seen[1])) {
		throw InvalidInputError(std::string(split) + " labels contain only class " + (seen[1] ? "1" : "0") +
		                        "; binary classification needs both classes");
	}
}

DMatrixPtr make_dmatrix(MatrixRows x, int nthread) {
	DMatrixHandle handle = nullptr;
	check(XGDMatrixCreateFromMat_omp(x.data, x.rows, x.cols, std::numeric_limits<float>::quiet_NaN(), &handle, nthread),
	      "XGDMatrixCreateFromMat_omp");
	return DMatrixPtr(handle, XGDMatrixFree);
}

// XGBoost's __array_interface__ of a row-major float matrix, for in-place prediction.
std::string array_interface(MatrixRows x) {
	return "{\"data\": [" + std::to_string(reinterpret_cast<uintptr_t>(x.data)) + ", true], \"shape\": [" +
	       std::to_string(x.rows) + ", " + std::to_string(x.cols) + "], \"typestr\": \"<f4\", \"version\": 3}";
}

// All trees' predictions for a DMatrix. On a DMatrix the booster has seen before, XGBoost's prediction cache
// only adds the newest trees, so evaluating every round stays linear in the number of rounds.
std::vector<double> predict_dmatrix(BoosterHandle booster, DMatrixHandle dmat, size_t rows, int outputs) {
	const bst_ulong *shape = nullptr;
	bst_ulong dim = 0;
	const float *result = nullptr;
	check(XGBoosterPredictFromDMatrix(booster, dmat, kPredictConfig, &shape, &dim, &result),
	      "XGBoosterPredictFromDMatrix");
	size_t size = 1;
	for (bst_ulong i = 0; i < dim; ++i) {
		size *= shape[i];
	}
	if (size != rows * static_cast<size_t>(outputs)) {
		throw InternalError("XGBoost returned " + std::to_string(size) + " predictions for " + std::to_string(rows) +
		                    " rows x " + std::to_string(outputs) + " outputs");
	}
	return std::vector<double>(result, result + size);
}

void set_attr(BoosterHandle booster, const char *key, const std::string &value) {
	check(XGBoosterSetAttr(booster, key, value.c_str()), "XGBoosterSetAttr");
}

std::string get_attr(BoosterHandle booster, const char *key) {
	const char *value = nullptr;
	int found = 0;
	check(XGBoosterGetAttr(booster, key, &value, &found), "XGBoosterGetAttr");
	if (!found) {
		throw InternalError(std::string("stored XGBoost model lacks attribute ") + key + "; not a relml model");
	}
	return value;
}

int parse_int_attr(BoosterHandle booster, const char *key) {
	const std::string text = get_attr(booster, key);
	try {
		return std::stoi(text);
	} catch (const std::exception &) {
		throw InternalError(std::string("stored XGBoost model attribute ") + key + " is not an integer: " + text);
	}
}

} // namespace

GbtModel::GbtModel(BoosterPtr booster, TaskType task, int outputs_per_row, int best_iteration,
                   double best_val_metric, int rounds_trained)
    : booster_(std::move(booster)), task_(task), outputs_per_row_(outputs_per_row), best_iteration_(best_iteration),
      best_val_metric_(best_val_metric), rounds_trained_(rounds_trained) {}

GbtModel GbtModel::train(TaskType task, int num_class, MatrixRows train_x, const std::vector<float> &train_y,
                         MatrixRows val_x, const std::vector<float> &val_y, const GbtParams &params,
                         const RunHooks &hooks, const std::vector<float> &train_weights) {
	params.validate_for(task);
	const bool multiclass = task == TaskType::MulticlassClassification;
	if (multiclass && num_class < 2) {
		throw InvalidInputError("multiclass classification needs at least 2 classes, got " +
		                        std::to_string(num_class));
	}
	const int outputs = multiclass ? num_class : 1;
	const std::string objective = params.objective_for(task);
	check_features("training", train_x);
	check_features("validation", val_x);
	if (train_x.cols == 0) {
		throw InvalidInputError("no feature columns to train on");
	}
	if (val_x.cols != train_x.cols) {
		throw InternalError("validation matrix has " + std::to_string(val_x.cols) + " columns, training matrix " +
		                    std::to_string(train_x.cols));
	}
	check_labels("training", task, num_class, objective, train_x.rows, train_y);
	check_labels("validation", task, num_class, objective, val_x.rows, val_y);

	DMatrixPtr dtrain = make_dmatrix(train_x, params.nthread);
	check(XGDMatrixSetFloatInfo(dtrain.get(), "label", train_y.data(), train_y.size()), "XGDMatrixSetFloatInfo");
	if (!train_weights.empty()) {
		if (train_weights.size() != train_x.rows) {
			throw InternalError("training weights: " + std::to_string(train_weights.size()) + " for " +
			                    std::to_string(train_x.rows) + " rows");
		}
		check(XGDMatrixSetFloatInfo(dtrain.get(), "weight", train_weights.data(), train_weights.size()),
		      "XGDMatrixSetFloatInfo");
	}
	DMatrixPtr dval = make_dmatrix(val_x, params.nthread);
	DMatrixHandle cached[] = {dtrain.get(), dval.get()};
	BoosterHandle raw_booster = nullptr;
	check(XGBoosterCreate(cached, 2, &raw_booster), "XGBoosterCreate");
	BoosterPtr booster(raw_booster, XGBoosterFree);

	set_param(booster.get(), "verbosity", "0");
	set_param(booster.get(), "nthread", std::to_string(params.nthread));
	set_param(booster.get(), "tree_method", "hist");
	// Every column of the histogram index stored dense: XGBoost 1.7's sparse columns cost far more memory (about
	// 0.9 GB more for 200 M values in bench runs, even at 1% density), for the same trees at the same speed.
	set_param(booster.get(), "sparse_threshold", "0");
	set_param(booster.get(), "objective", objective);
	if (multiclass) {
		set_param(booster.get(), "num_class", std::to_string(num_class));
	}
	if (task == TaskType::BinaryClassification) {
		set_param(booster.get(), "scale_pos_weight", number_text(params.scale_pos_weight));
	}
	set_param(booster.get(), "eta", number_text(params.learning_rate));
	set_param(booster.get(), "max_depth", std::to_string(params.max_depth));
	set_param(booster.get(), "min_child_weight", number_text(params.min_child_weight));
	set_param(booster.get(), "subsample", number_text(params.subsample));
	set_param(booster.get(), "colsample_bytree", number_text(params.colsample_bytree));
	set_param(booster.get(), "lambda", number_text(params.reg_lambda));
	set_param(booster.get(), "alpha", number_text(params.reg_alpha));
	set_param(booster.get(), "gamma", number_text(params.gamma));
	set_param(booster.get(), "max_bin", std::to_string(params.max_bin));
	set_param(booster.get(), "seed", std::to_string(params.seed));
	if (!params.base_score.empty()) {
		set_param(booster.get(), "base_score", params.base_score);
	}

	const MetricSpec metric = early_stopping_metric(task);
	const std::vector<double> val_labels(val_y.begin(), val_y.end());
	int best_iteration = 0;
	double best_value = 0;
	int rounds = 0;
	for (int round = 0; round < params.max_rounds; ++round) {
		hooks.poll();
		check(XGBoosterUpdateOneIter(booster.get(), round, dtrain.get()), "XGBoosterUpdateOneIter");
		rounds = round + 1;
		const std::vector<double> val_pred = predict_dmatrix(booster.get(), dval.get(), val_x.rows, outputs);
		const double value = compute_metric(metric.name, task, val_labels, val_pred, num_class);
		if (round == 0 || (metric.higher_is_better ? value > best_value : value < best_value)) {
			best_value = value;
			best_iteration = round;
		}
		if (rounds % kReportEvery == 0) {
			hooks.report("round " + std::to_string(rounds) + ": val " + metric.name + " " + metric_text(value) +
			             " (best " + metric_text(best_value) + " at round " + std::to_string(best_iteration + 1) +
			             ")");
		}
		// Done when max_rounds is reached or when early stopping's patience runs out, whichever comes first.
		double patience_used = double(round - best_iteration) / params.early_stopping_rounds;
		hooks.step("training", std::max(double(rounds) / params.max_rounds, patience_used), rounds);
		if (round - best_iteration >= params.early_stopping_rounds) {
			break;
		}
	}
	const bool stopped_early = rounds < params.max_rounds;
	hooks.report(std::string(stopped_early ? "early stopping" : "reached max_rounds") + " after round " +
	             std::to_string(rounds) + ": best val " + metric.name + " " + metric_text(best_value) +
	             " at round " + std::to_string(best_iteration + 1) + ", keeping " +
	             std::to_string(best_iteration + 1) + " rounds");

	if (best_iteration + 1 < rounds) {
		BoosterHandle sliced = nullptr;
		check(XGBoosterSlice(booster.get(), 0, best_iteration + 1, 1, &sliced), "XGBoosterSlice");
		booster = BoosterPtr(sliced, XGBoosterFree);
	}
	set_attr(booster.get(), kAttrTask, to_string(task));
	set_attr(booster.get(), kAttrOutputs, std::to_string(outputs));
	set_attr(booster.get(), kAttrBestIteration, std::to_string(best_iteration));
	set_attr(booster.get(), kAttrBestValMetric, number_text(best_value));
	set_attr(booster.get(), kAttrRoundsTrained, std::to_string(rounds));
	return GbtModel(std::move(booster), task, outputs, best_iteration, best_value, rounds);
}

GbtModel GbtModel::deserialize(const uint8_t *data, size_t size, int nthread) {
	if (nthread < 1) {
		throw InternalError("nthread must be at least 1, got " + std::to_string(nthread));
	}
	BoosterHandle raw_booster = nullptr;
	check(XGBoosterCreate(nullptr, 0, &raw_booster), "XGBoosterCreate");
	BoosterPtr booster(raw_booster, XGBoosterFree);
	check(XGBoosterLoadModelFromBuffer(booster.get(), data, size), "XGBoosterLoadModelFromBuffer");
	set_param(booster.get(), "verbosity", "0");
	set_param(booster.get(), "nthread", std::to_string(nthread));

	const TaskType task = parse_task_type(get_attr(booster.get(), kAttrTask));
	const int outputs = parse_int_attr(booster.get(), kAttrOutputs);
	const int best_iteration = parse_int_attr(booster.get(), kAttrBestIteration);
	const int rounds = parse_int_attr(booster.get(), kAttrRoundsTrained);
	const std::string best_text = get_attr(booster.get(), kAttrBestValMetric);
	double best_value = 0;
	try {
		best_value = std::stod(best_text);
	} catch (const std::exception &) {
		throw InternalError(std::string("stored XGBoost model attribute ") + kAttrBestValMetric +
		                    " is not a number: " + best_text);
	}
	return GbtModel(std::move(booster), task, outputs, best_iteration, best_value, rounds);
}

std::vector<double> GbtModel::predict(MatrixRows x) const {
	check_features("prediction", x);
	if (x.cols != num_features()) {
		throw InvalidInputError("the model expects " + std::to_string(num_features()) + " features, got " +
		                        std::to_string(x.cols));
	}
	if (x.rows == 0) {
		return {};
	}
	const bst_ulong *shape = nullptr;
	bst_ulong dim = 0;
	const float *result = nullptr;
	check(XGBoosterPredictFromDense(booster_.get(), array_interface(x).c_str(), kInplacePredictConfig, nullptr, &shape,
	                                &dim, &result),
	      "XGBoosterPredictFromDense");
	size_t size = 1;
	for (bst_ulong i = 0; i < dim; ++i) {
		size *= shape[i];
	}
	if (size != x.rows * static_cast<size_t>(outputs_per_row_)) {
		throw InternalError("XGBoost returned " + std::to_string(size) + " predictions for " + std::to_string(x.rows) +
		                    " rows x " + std::to_string(outputs_per_row_) + " outputs");
	}
	return std::vector<double>(result, result + size);
}

std::vector<uint8_t> GbtModel::serialize() const {
	bst_ulong length = 0;
	const char *bytes = nullptr;
	check(XGBoosterSaveModelToBuffer(booster_.get(), R"({"format": "ubj"})", &length, &bytes),
	      "XGBoosterSaveModelToBuffer");
	return std::vector<uint8_t>(reinterpret_cast<const uint8_t *>(bytes),
	                            reinterpret_cast<const uint8_t *>(bytes) + length);
}

std::vector<double> GbtModel::feature_importance(size_t num_features) const {
	bst_ulong count = 0;
	const char **names = nullptr;
	bst_ulong dim = 0;
	const bst_ulong *shape = nullptr;
	const float *scores = nullptr;
	check(XGBoosterFeatureScore(booster_.get(), R"({"importance_type": "total_gain"})", &count, &names, &dim, &shape,
	                            &scores),
	      "XGBoosterFeatureScore");
	if (count > 0 && (dim != 1 || shape[0] != count)) {
		throw InternalError("XGBoost returned feature scores of unexpected shape");
	}
	std::vector<double> importance(num_features, 0.0);
	for (bst_ulong i = 0; i < count; ++i) {
		// Without feature names XGBoost names feature k "fk".
		const std::string name = names[i];
		size_t index = 0;
		size_t parsed = 0;
		try {
			index = name.size() > 1 && name[0] == 'f' ? std::stoul(name.substr(1), &parsed) : 0;
		} catch (const std::exception &) {
			parsed = 0;
		}
		if (parsed == 0 || parsed != name.size() - 1 || index >= num_features) {
			throw InternalError("XGBoost feature score names feature \"" + name + "\", expected f0..f" +
			                    std::to_string(num_features == 0 ? 0 : num_features - 1));
		}
		importance[index] = scores[i];
	}
	return importance;
}

size_t GbtModel::num_features() const {
	bst_ulong count = 0;
	check(XGBoosterGetNumFeature(booster_.get(), &count), "XGBoosterGetNumFeature");
	return count;
}

// From the booster's configuration, which is small, rather than the model with its trees.
std::string GbtModel::base_score() const {
	bst_ulong length = 0;
	const char *text = nullptr;
	check(XGBoosterSaveJsonConfig(booster_.get(), &length, &text), "XGBoosterSaveJsonConfig");
	const nlohmann::json config = nlohmann::json::parse(text, text + length);
	return config.at("learner").at("learner_model_param").at("base_score").get<std::string>();
}

nlohmann::json GbtModel::to_json() const {
	bst_ulong length = 0;
	const char *text = nullptr;
	check(XGBoosterSaveModelToBuffer(booster_.get(), R"({"format": "json"})", &length, &text),
	      "XGBoosterSaveModelToBuffer");
	return nlohmann::json::parse(text, text + length);
}

GbtModel GbtModel::from_json(const nlohmann::json &model, int nthread) {
	const std::string text = model.dump();
	return deserialize(reinterpret_cast<const uint8_t *>(text.data()), text.size(), nthread);
}

} // namespace relml
