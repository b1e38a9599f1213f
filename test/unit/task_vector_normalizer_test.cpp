#include "common/error.hpp"
#include "fixtures.hpp"
#include "tve/task_vector_normalizer.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;
using S = TaskVectorStatistic;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Two paths: p0 with rows, a numeric and a mode component; p1 with rows only.
std::vector<TaskVectorPath> two_paths() {
	TaskVectorPath a;
	a.name = "p0";
	TaskVectorPath b;
	b.name = "p1";
	return {a, b};
}

std::vector<TaskVectorComponent> components() {
	return {{0, "", S::Rows}, {0, "x", S::Mean}, {0, "k", S::Mode}, {1, "", S::Rows}};
}

RawTaskVectors::Column numbers(std::vector<double> values) {
	RawTaskVectors::Column column;
	column.numbers = std::move(values);
	return column;
}

RawTaskVectors::Column modes(std::vector<std::optional<std::string>> values) {
	RawTaskVectors::Column column;
	column.modes = std::move(values);
	return column;
}

RawTaskVectors raw(std::vector<double> rows0, std::vector<double> x, std::vector<std::optional<std::string>> k,
                   std::vector<double> rows1) {
	RawTaskVectors raw;
	raw.rows = rows0.size();
	raw.columns = {numbers(std::move(rows0)), numbers(std::move(x)), modes(std::move(k)), numbers(std::move(rows1))};
	return raw;
}

// Column `c` of the row-major output.
std::vector<float> column(const std::vector<float> &out, size_t width, size_t c) {
	std::vector<float> values;
	for (size_t at = c; at < out.size(); at += width) {
		values.push_back(out[at]);
	}
	return values;
}

std::string invalid_input(const std::function<void()> &call) {
	try {
		call();
	} catch (const InvalidInputError &e) {
		return e.what();
	}
	ADD_FAILURE() << "expected InvalidInputError";
	return "";
}

TEST(TaskVectorNormalizerTest, EventRowsHaveRowsOnSomePath) {
	// A missing count (a path the row did not reach) counts as 0.
	RawTaskVectors r = raw({2, 0, kNaN, kNaN, 0}, {1, 1, 1, 1, 1}, {"a", "a", "a", "a", "a"}, {0, 3, kNaN, 0, 0});
	EXPECT_EQ(r.event_rows(components()), (std::vector<bool>{true, true, false, false, false}));
}

TEST(TaskVectorNormalizerTest, NumbersAreScaledToTheFitRowsRangeAndClipped) {
	std::vector<TaskVectorComponent> comps = components();
	RawTaskVectors fit_raw = raw({1, 1, 1, 1, 1}, {2, 4, 6, kNaN, 100}, {"a", "a", "a", "a", "a"}, {0, 0, 0, 0, 0});
	// The last row is no fit row: its 100 does not widen the range.
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, fit_raw, {true, true, true, true, false});
	ASSERT_EQ(n.width(), 5u); // rows, x, k=a, rows, no_event

	RawTaskVectors r = raw({1, 4, 2, 1, 1, 1}, {2, 5, 6, kNaN, 100, -3}, {"a", "a", "a", "a", "a", "a"},
	                       {0, 0, 0, 0, 0, 0});
	std::vector<float> out = n.transform(comps, r);
	ASSERT_EQ(out.size(), 6u * 5u);
	EXPECT_EQ(column(out, 5, 1), (std::vector<float>{0.0f, 0.75f, 1.0f, 0.0f, 1.0f, 0.0f}));
	// The rows count was 1 on every fit row: a constant range gives 1 for any value at least 1.
	EXPECT_EQ(column(out, 5, 0), (std::vector<float>{1, 1, 1, 1, 1, 1}));
}

TEST(TaskVectorNormalizerTest, ConstantUnseenAndMissingComponents) {
	std::vector<TaskVectorComponent> comps = components();
	// x is never present on a fit row (the value 7 is on a row that is not fit): unseen, always 0.
	RawTaskVectors fit_raw = raw({1, 3, 0}, {kNaN, kNaN, 7}, {std::nullopt, std::nullopt, std::nullopt}, {5, 5, 5});
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, fit_raw, {true, true, false});
	ASSERT_EQ(n.width(), 4u); // a mode without any value has no slots

	RawTaskVectors r = raw({2, kNaN, 0, kNaN}, {1, 7, kNaN, kNaN}, {"a", std::nullopt, "b", std::nullopt},
	                       {5, 9, kNaN, 0});
	std::vector<float> out = n.transform(comps, r);
	EXPECT_EQ(column(out, 4, 0), (std::vector<float>{0.5f, 0.0f, 0.0f, 0.0f}));
	EXPECT_EQ(column(out, 4, 1), (std::vector<float>{0, 0, 0, 0}));
	// constant 5: 1 for 5 and 9, 0 when missing, and 0 for a count of 0 (below anything events had)
	EXPECT_EQ(column(out, 4, 2), (std::vector<float>{1, 1, 0, 0}));
	EXPECT_EQ(column(out, 4, 3), (std::vector<float>{0, 0, 1, 1})); // row 1 has path p1's rows, rows 2 and 3 none
}

TEST(TaskVectorNormalizerTest, InfiniteValuesAreMissing) {
	const double inf = std::numeric_limits<double>::infinity();
	std::vector<TaskVectorComponent> comps = components();
	RawTaskVectors fit_raw = raw({1, 1, 1}, {0, inf, 10}, {"a", "a", "a"}, {0, 0, 0});
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, fit_raw, {true, true, true});
	std::vector<float> out = n.transform(comps, raw({1, 1}, {5, -inf}, {"a", "a"}, {0, 0}));
	EXPECT_EQ(column(out, n.width(), 1), (std::vector<float>{0.5f, 0.0f}));
}

TEST(TaskVectorNormalizerTest, ModesAreOneHotOverTheMostFrequentFitValues) {
	std::vector<TaskVectorComponent> comps = components();
	// Counts on fit rows: c 3, 9 2, 10 2, b 1, a 1; "z" only on a row that is not fit. "10" sorts before "9".
	std::vector<std::optional<std::string>> k = {"c", "9", "10", "c", "b", "10", "9", "c", "a", std::nullopt, "z"};
	size_t rows = k.size();
	std::vector<double> ones(rows, 1);
	std::vector<bool> fit(rows, true);
	fit.back() = false;
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, raw(ones, ones, k, ones), fit, 3);
	ASSERT_EQ(n.width(), 7u);
	EXPECT_EQ(n.names(comps, two_paths()),
	          (std::vector<std::string>{"p0.rows", "p0.x.mean", "p0.k.mode=c", "p0.k.mode=10", "p0.k.mode=9", "p1.rows",
	                                    "no_event"}));

	std::vector<float> out = n.transform(comps, raw({1, 1, 1, 1}, {1, 1, 1, 1}, {"9", "a", std::nullopt, "c"},
	                                                {1, 1, 1, 1}));
	std::vector<float> slots;
	for (size_t r = 0; r < 4; ++r) {
		slots.insert(slots.end(), out.begin() + r * 7 + 2, out.begin() + r * 7 + 5);
	}
	EXPECT_EQ(slots, (std::vector<float>{0, 0, 1, /* a: no slot */ 0, 0, 0, /* missing */ 0, 0, 0, 1, 0, 0}));

	// Fewer distinct values than slots: as many slots as values.
	TaskVectorNormalizer wide = TaskVectorNormalizer::fit(comps, raw(ones, ones, k, ones), fit, 10);
	EXPECT_EQ(wide.width(), 4u + 5u);
}

TEST(TaskVectorNormalizerTest, NoEventComponentIsLastAndOneOnlyWithoutEvents) {
	std::vector<TaskVectorComponent> comps = components();
	RawTaskVectors r = raw({3, 0, kNaN, 0}, {1, kNaN, kNaN, kNaN}, {"a", std::nullopt, std::nullopt, std::nullopt},
	                       {0, 0, kNaN, 2});
	std::vector<bool> events = r.event_rows(comps);
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, r, events);
	std::vector<float> out = n.transform(comps, r);
	EXPECT_EQ(column(out, n.width(), n.width() - 1), (std::vector<float>{0, 1, 1, 0}));
	// Fitted on rows 0 and 3 only: rows counts 3 and 0 for p0, 0 and 2 for p1.
	EXPECT_EQ(column(out, n.width(), 0), (std::vector<float>{1, 0, 0, 0}));
	EXPECT_EQ(column(out, n.width(), 3), (std::vector<float>{0, 0, 0, 1}));
	EXPECT_EQ(n.names(comps, two_paths()).back(), "no_event");
}

TEST(TaskVectorNormalizerTest, JsonRoundTripIsExact) {
	std::vector<TaskVectorComponent> comps = components();
	RawTaskVectors r = raw({1, 2, 0}, {0.1 + 0.2, 1.0 / 3.0, 5e-300}, {"x\"y", "é", std::nullopt}, {kNaN, 1, 0});
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, r, {true, true, false});
	nlohmann::json state = n.to_json();
	TaskVectorNormalizer back = TaskVectorNormalizer::from_json(nlohmann::json::parse(state.dump()));
	EXPECT_EQ(back.to_json(), state) << state.dump();
	EXPECT_EQ(back.width(), n.width());
	EXPECT_EQ(back.names(comps, two_paths()), n.names(comps, two_paths()));
	RawTaskVectors probe = raw({1, 2, 3}, {0.30000000000000004, 0.3, 0.31}, {"é", "x\"y", "q"}, {1, 0, kNaN});
	EXPECT_EQ(back.transform(comps, probe), n.transform(comps, probe));
	EXPECT_EQ(state.at("components").at(1).at("low").get<double>(), 0.1 + 0.2);
	EXPECT_EQ(state.at("components").at(1).at("high").get<double>(), 1.0 / 3.0);
}

TEST(TaskVectorNormalizerTest, NamesFollowARealPlan) {
	TaskVectorOptions options;
	options.paths = {"results.constructorId->constructors"};
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", options);
	ASSERT_EQ(plan.components().size(), 4u);
	RawTaskVectors r;
	r.rows = 3;
	r.columns = {numbers({2, 4, 0}), modes({"GB", "GB", std::nullopt}), numbers({2, 4, 0}), numbers({1, 2, 0})};
	TaskVectorNormalizer n = TaskVectorNormalizer::fit(plan.components(), r, {true, true, false});
	EXPECT_EQ(n.names(plan.components(), plan.paths()),
	          (std::vector<std::string>{"results.constructorId->constructors.rows",
	                                    "results.constructorId->constructors.nationality.mode=GB",
	                                    "results.constructorId->constructors.nationality.count",
	                                    "results.constructorId->constructors.nationality.count_distinct", "no_event"}));
	EXPECT_EQ(n.transform(plan.components(), r),
	          (std::vector<float>{0, 1, 0, 0, 0,    // the range's low end, GB
	                              1, 1, 1, 1, 0,    // its high end, GB
	                              0, 0, 0, 0, 1})); // below the range, no mode, no event
}

TEST(TaskVectorNormalizerTest, MismatchedInputsAreRejected) {
	std::vector<TaskVectorComponent> comps = components();
	RawTaskVectors good = raw({1, 0}, {1, 2}, {"a", "b"}, {0, 0});

	RawTaskVectors missing_column = good;
	missing_column.columns.pop_back();
	std::string message = invalid_input([&] { TaskVectorNormalizer::fit(comps, missing_column, {true, true}); });
	EXPECT_TRUE(contains(message, "3 columns, but the plan has 4 components")) << message;
	EXPECT_THROW(missing_column.event_rows(comps), InvalidInputError);

	RawTaskVectors short_column = good;
	short_column.columns[1].numbers.pop_back();
	message = invalid_input([&] { TaskVectorNormalizer::fit(comps, short_column, {true, true}); });
	EXPECT_TRUE(contains(message, "component 1 (x mean) has 1 values for 2 rows")) << message;

	// A mode's values are texts: numbers in its place do not count.
	RawTaskVectors numeric_mode = good;
	numeric_mode.columns[2] = numbers({1, 2});
	message = invalid_input([&] { TaskVectorNormalizer::fit(comps, numeric_mode, {true, true}); });
	EXPECT_TRUE(contains(message, "component 2 (k mode) has 0 values for 2 rows")) << message;

	message = invalid_input([&] { TaskVectorNormalizer::fit(comps, good, {true}); });
	EXPECT_TRUE(contains(message, "1 flags for 2 rows")) << message;
	message = invalid_input([&] { TaskVectorNormalizer::fit(comps, good, {false, false}); });
	EXPECT_TRUE(contains(message, "no training row has an event")) << message;
	message = invalid_input([&] { TaskVectorNormalizer::fit(comps, good, {true, true}, 0); });
	EXPECT_TRUE(contains(message, "at least 1")) << message;

	TaskVectorNormalizer n = TaskVectorNormalizer::fit(comps, good, {true, false});
	EXPECT_THROW(n.transform(comps, short_column), InvalidInputError);
	std::vector<TaskVectorComponent> fewer(comps.begin(), comps.end() - 1);
	message = invalid_input([&] { n.names(fewer, two_paths()); });
	EXPECT_TRUE(contains(message, "fitted on 4 components, but 3 were given")) << message;
	std::vector<TaskVectorComponent> swapped = comps;
	swapped[2].statistic = S::Count;
	message = invalid_input([&] { n.transform(swapped, numeric_mode); });
	EXPECT_TRUE(contains(message, "component 2 (k count) does not match the normaliser, which fitted it as a mode"))
	    << message;
}

} // namespace
} // namespace relml
