// Flat optima (RELATRON.md, "Flat optima"): the loss landscape of a fitted model on val rows along two random
// filter-normalised directions, the three metrics read off it, and the choice among a route's top trials that
// weighs val against flatness. Validation score alone is a noisy guide ("more tuning, worse test"); a minimum
// whose loss stays low around it is the one more likely to hold on rows the search never saw.
//
// Families measure the grid their own way (network weights for RDL, leaf values for trees); everything else
// here is shared.
#pragma once

#include "common/no_postgres.hpp"
#include "model/task_type.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace relml {

// The grid is kLandscapeSide x kLandscapeSide points over [-1, 1]^2.
constexpr int kLandscapeSide = 5;
// Val rows a landscape is measured on, at most: a fixed, evenly spaced subset (the paper's "few val batches").
constexpr size_t kLandscapeRows = 2048;
// The flat choice needs this many trials in a route, and weighs this many of the best by val.
constexpr int kFlatMinTrials = 10;
constexpr size_t kFlatCandidates = 3;

// The coordinate of grid index i (0 .. kLandscapeSide - 1) along either direction: -1, -0.5, 0, 0.5, 1.
double landscape_step(int i);

// Val loss at every grid point, row-major in the first direction: losses[i * side + j] = L(step(i), step(j)).
struct LossLandscape {
	std::vector<double> losses;

	double at(int i, int j) const;
	// Measures the grid: `loss_at(a, b)` is the val loss with the parameters moved by a d1 + b d2.
	static LossLandscape measure(const std::function<double(double a, double b)> &loss_at);
};

struct FlatnessMetrics {
	double gradient = 0;  // the largest gradient norm over the grid (central differences, one-sided at the edge)
	double sharpness = 0; // the largest eigenvalue of the finite-difference Hessian at the centre
	double barrier = 0;   // over the 8 half-rays from the centre, the largest rise of the loss above L(0, 0)
};

FlatnessMetrics flatness_metrics(const LossLandscape &landscape);

// The landscape with its metrics and the loss it measured, as stored in a model's metrics ("landscape").
nlohmann::json landscape_json(const LossLandscape &landscape, const std::string &loss, size_t rows);
// The metrics stored by landscape_json; throws InvalidInputError when `stored` has none.
FlatnessMetrics flatness_from_json(const nlohmann::json &stored);

// The val loss a landscape measures: log loss for classification, absolute error for regression (the loss of
// the metric regression is judged by). Multiclass predictions are class-major per row, num_class per row.
double landscape_loss(TaskType task, const std::vector<double> &labels, const std::vector<double> &predictions,
                      int num_class);
// Its name, as landscape_json stores it.
const char *landscape_loss_name(TaskType task);

// The positions of at most kLandscapeRows rows out of `rows`, evenly spaced, in order.
std::vector<size_t> landscape_rows(size_t rows);

// Two random directions over groups of parameters (a tensor, a tree's leaves): per group, N(0, I) scaled to the
// group's Euclidean norm, the second orthogonalised to the first within the group. A group of norm 0 (or of one
// value, for the second) gets a zero direction. Deterministic in `seed`.
struct Directions {
	std::vector<std::vector<double>> first;
	std::vector<std::vector<double>> second;
};
Directions filter_normalised_directions(const std::vector<std::vector<double>> &groups, uint64_t seed);

struct FlatCandidate {
	double val = 0;
	FlatnessMetrics metrics;
};

struct FlatChoice {
	size_t index = 0;
	std::vector<double> scores; // per candidate
};

// Score = 0.4 val + 0.2 (-gradient) + 0.2 (-|sharpness|) + 0.2 (-barrier), each term min-max normalised over
// the candidates so that higher is better (all equal: 0.5; a non-finite metric: the worst, 0). The best score
// wins; a tie goes to the better val. Candidates must not be empty.
FlatChoice choose_flat(const std::vector<FlatCandidate> &candidates, bool higher_is_better);

} // namespace relml
