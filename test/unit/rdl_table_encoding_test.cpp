#include "common/error.hpp"
#include "rdl/table_encoding.hpp"

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace relml {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr EpochMicros kCutoff = 1000;

GraphColumn numbers(const std::string &name, GraphColumnKind kind, std::vector<double> values) {
	GraphColumn column;
	column.name = name;
	column.kind = kind;
	column.numbers = std::move(values);
	return column;
}

// Categorical values as GraphBuilder stores them: a dictionary in first-seen order, codes per row.
GraphColumn categories(const std::string &name, const std::vector<std::string> &values) {
	GraphColumn column;
	column.name = name;
	column.kind = GraphColumnKind::Categorical;
	for (const std::string &value : values) {
		if (value.empty()) {
			column.codes.push_back(-1);
			continue;
		}
		auto it = std::find(column.dictionary.begin(), column.dictionary.end(), value);
		column.codes.push_back(int32_t(it - column.dictionary.begin()));
		if (it == column.dictionary.end()) {
			column.dictionary.push_back(value);
		}
	}
	return column;
}

// Token hashes per row as GraphBuilder stores them; `missing` rows have no value at all.
GraphColumn text(const std::string &name, const std::vector<std::vector<uint32_t>> &tokens,
                 const std::vector<size_t> &missing = {}) {
	GraphColumn column;
	column.name = name;
	column.kind = GraphColumnKind::Text;
	column.token_offsets.push_back(0);
	for (const auto &row : tokens) {
		column.token_hashes.insert(column.token_hashes.end(), row.begin(), row.end());
		column.token_offsets.push_back(uint32_t(column.token_hashes.size()));
		column.text_present.push_back(1);
	}
	for (size_t row : missing) {
		column.text_present[row] = 0;
	}
	return column;
}

GraphTable table(const std::string &name, std::vector<EpochMicros> times, std::vector<GraphColumn> columns) {
	GraphTable out;
	out.name = name;
	const GraphColumn &first = columns[0];
	out.rows = std::max({first.numbers.size(), first.codes.size(),
	                     first.token_offsets.empty() ? 0 : first.token_offsets.size() - 1});
	out.times = std::move(times);
	out.columns = std::move(columns);
	return out;
}

torch::Tensor longs(std::vector<int64_t> values) {
	return torch::tensor(values, torch::kInt64);
}

float at(const torch::Tensor &tensor, int64_t row, int64_t column) {
	return tensor[row][column].item<float>();
}

TEST(RdlTableEncodingTest, StatisticsIgnoreRowsAfterTheCutoff) {
	// A huge value after the cutoff and one with an unknown time must not move the mean.
	const GraphTable orders = table("orders", {10, 20, 30, kCutoff + 1, kUnknownTime},
	                                {numbers("amount", GraphColumnKind::Numerical, {1, 2, 3, 1e9, -1e9})});
	const TableEncoding encoding = TableEncoding::fit(orders, kCutoff, false);
	const nlohmann::json state = encoding.to_json();
	EXPECT_DOUBLE_EQ(state["columns"][0]["mean"].get<double>(), 2);
	EXPECT_NEAR(state["columns"][0]["std"].get<double>(), std::sqrt(2.0 / 3), 1e-12);
	const TableInputs inputs = encoding.inputs(orders);
	EXPECT_NEAR(at(inputs.numeric, 0, 0), -1 / std::sqrt(2.0 / 3), 1e-5);
	// Values beyond the fitted rows' range encode as its ends, 3 and 1.
	EXPECT_NEAR(at(inputs.numeric, 3, 0), 1 / std::sqrt(2.0 / 3), 1e-5);
	EXPECT_NEAR(at(inputs.numeric, 4, 0), -1 / std::sqrt(2.0 / 3), 1e-5);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 1), 0); // not missing
}

// Models stored before the range was fitted clipped at ±10 only: they must read the same.
TEST(RdlTableEncodingTest, StoredEncodingsWithoutARangeClipAtTen) {
	const GraphTable orders = table("orders", {10, 20, 30, kCutoff + 1},
	                                {numbers("amount", GraphColumnKind::Numerical, {1, 2, 3, 1e9})});
	nlohmann::json stored = TableEncoding::fit(orders, kCutoff, false).to_json();
	stored["columns"][0].erase("low");
	stored["columns"][0].erase("high");
	const TableInputs inputs = TableEncoding::from_json(stored).inputs(orders);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 2, 0), float(1 / std::sqrt(2.0 / 3)));
	EXPECT_FLOAT_EQ(at(inputs.numeric, 3, 0), 10);
}

TEST(RdlTableEncodingTest, StaticTablesUseAllRowsAndMissingValuesGetAFlag) {
	const GraphTable customers = table("customers", {},
	                                   {numbers("age", GraphColumnKind::Numerical, {20, 40, kNaN}),
	                                    numbers("vip", GraphColumnKind::Boolean, {1, kNaN, 0})});
	const TableEncoding encoding = TableEncoding::fit(customers, 0, false);
	EXPECT_DOUBLE_EQ(encoding.to_json()["columns"][0]["mean"].get<double>(), 30);
	EXPECT_FALSE(encoding.timed());
	EXPECT_EQ(encoding.numeric_width(), 4);
	const TableInputs inputs = encoding.inputs(customers);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 0, 0), -1);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 2, 0), 0);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 2, 1), 1);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 0, 2), 1);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 2), 0);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 3), 1);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 2, 3), 0);
}

TEST(RdlTableEncodingTest, ConstantColumnsDoNotDivideByZero) {
	const GraphTable constant = table("t", {}, {numbers("x", GraphColumnKind::Numerical, {5, 5, 5})});
	const TableInputs inputs = TableEncoding::fit(constant, 0, false).inputs(constant);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 0), 0);
}

TEST(RdlTableEncodingTest, TimestampsBecomeCyclicalPartsAndAStandardisedYear) {
	// 2021-03-15 (a Monday) 18:00 UTC, and a missing value.
	const double monday = 1615831200;
	const GraphTable events = table("events", {}, {numbers("at", GraphColumnKind::Timestamp, {monday, kNaN})});
	const TableEncoding encoding = TableEncoding::fit(events, 0, true);
	EXPECT_EQ(encoding.numeric_width(), 8);
	EXPECT_EQ(encoding.timestamp_columns(), 1u);
	const TableInputs inputs = encoding.inputs(events);
	const double pi = std::acos(-1.0);
	EXPECT_NEAR(at(inputs.numeric, 0, 0), std::sin(2 * pi * 2 / 12), 1e-5); // March
	EXPECT_NEAR(at(inputs.numeric, 0, 1), std::cos(2 * pi * 2 / 12), 1e-5);
	EXPECT_NEAR(at(inputs.numeric, 0, 2), std::sin(2 * pi * 1 / 7), 1e-5); // Monday, counting from Sunday
	EXPECT_NEAR(at(inputs.numeric, 0, 4), std::sin(2 * pi * 18 / 24), 1e-5);
	EXPECT_NEAR(at(inputs.numeric, 0, 6), 0, 1e-5); // the only year seen is the mean
	EXPECT_FLOAT_EQ(at(inputs.numeric, 0, 7), 0);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 7), 1);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 0), 0);
	ASSERT_EQ(inputs.timestamps.size(), 1u);
	EXPECT_EQ((*inputs.timestamps[0])[0], monday);
}

// Without absolute_year (the default) a timestamp is its calendar parts and the missing flag: nothing that
// grows with the calendar, so a seed later than every training row sees values of the trained range.
TEST(RdlTableEncodingTest, TimestampsWithoutAbsoluteYearKeepOnlyCalendarParts) {
	const double monday = 1615831200; // 2021-03-15 18:00 UTC
	const double decade_later = monday + 3652.0 * 86400;
	const GraphTable events =
	    table("events", {}, {numbers("at", GraphColumnKind::Timestamp, {monday, decade_later, kNaN})});
	const TableEncoding encoding = TableEncoding::fit(events, 0, false);
	EXPECT_FALSE(encoding.absolute_year());
	EXPECT_EQ(encoding.numeric_width(), 7);
	const TableInputs inputs = encoding.inputs(events);
	const double pi = std::acos(-1.0);
	EXPECT_NEAR(at(inputs.numeric, 0, 0), std::sin(2 * pi * 2 / 12), 1e-5); // March
	EXPECT_FLOAT_EQ(at(inputs.numeric, 0, 6), 0);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 2, 6), 1); // missing
	EXPECT_FALSE(encoding.to_json().at("columns")[0].contains("mean"));
	ASSERT_EQ(inputs.timestamps.size(), 1u); // the age at the seed time still comes from the raw values
}

// Models stored before absolute_year existed have no such field and encoded the year: they must read the same.
TEST(RdlTableEncodingTest, StoredEncodingsWithoutTheFieldEncodeTheYear) {
	const GraphTable events = table("events", {}, {numbers("at", GraphColumnKind::Timestamp, {1e9, 1.2e9})});
	nlohmann::json stored = TableEncoding::fit(events, 0, true).to_json();
	stored.erase("absolute_year");
	const TableEncoding restored = TableEncoding::from_json(stored);
	EXPECT_TRUE(restored.absolute_year());
	EXPECT_EQ(restored.numeric_width(), 8);
	EXPECT_TRUE(torch::equal(restored.inputs(events).numeric, TableEncoding::fit(events, 0, true).inputs(events).numeric));
}

TEST(RdlTableEncodingTest, VocabularyComesFromVisibleRowsMostFrequentFirst) {
	std::vector<EpochMicros> times;
	std::vector<std::string> channels;
	auto add = [&](const std::string &value, int rows, EpochMicros from) {
		for (int i = 0; i < rows; ++i) {
			times.push_back(from + i);
			channels.push_back(value);
		}
	};
	add("web", 5, 1);
	add("shop", 6, 10);
	add("", 1, 20);
	add("phone", 6, kCutoff + 1); // frequent, but only after the cutoff
	const GraphTable orders = table("orders", times, {categories("channel", channels)});
	const TableEncoding encoding = TableEncoding::fit(orders, kCutoff, false);
	EXPECT_EQ(encoding.to_json()["columns"][0]["vocabulary"], (nlohmann::json{"shop", "web"}));
	EXPECT_TRUE(encoding.distinct_missing());
	EXPECT_EQ(encoding.vocabulary_sizes(), (std::vector<int64_t>{4}));
	const torch::Tensor codes = encoding.inputs(orders).categorical.squeeze(1);
	EXPECT_EQ(codes[0].item<int64_t>(), 3);  // web
	EXPECT_EQ(codes[5].item<int64_t>(), 2);  // shop
	EXPECT_EQ(codes[11].item<int64_t>(), 1); // missing
	EXPECT_EQ(codes[12].item<int64_t>(), 0); // phone: unknown
}

TEST(RdlTableEncodingTest, ValuesOfFewRowsAreUnknown) {
	// A value seen in a handful of rows names them (a surname, a code): learning it would memorise their labels.
	std::vector<std::string> surnames(5, "hill");
	surnames.insert(surnames.end(), 4, "senna");
	surnames.push_back("prost");
	const GraphTable drivers = table("drivers", {}, {categories("surname", surnames)});
	const TableEncoding encoding = TableEncoding::fit(drivers, 0, false);
	EXPECT_EQ(encoding.to_json()["columns"][0]["vocabulary"], (nlohmann::json{"hill"}));
	EXPECT_TRUE(torch::equal(encoding.inputs(drivers).categorical.squeeze(1), longs({2, 2, 2, 2, 2, 0, 0, 0, 0, 0})));
}

TEST(RdlTableEncodingTest, CategoriesMapByStringWhenTheDictionaryOrderChanges) {
	std::vector<std::string> colors(7, "green");
	colors.insert(colors.end(), 6, "red");
	colors.insert(colors.end(), 5, "blue");
	const GraphTable trained = table("t", {}, {categories("color", colors)});
	const TableEncoding encoding = TableEncoding::from_json(TableEncoding::fit(trained, 0, false).to_json());
	// A rebuilt graph loads the rows in another order, so its dictionary is ordered differently, and it has a
	// value the model never saw.
	const GraphTable rebuilt = table("t", {}, {categories("color", {"purple", "blue", "green", "red", "", "green"})});
	ASSERT_NE(rebuilt.columns[0].dictionary, trained.columns[0].dictionary);
	const torch::Tensor before = encoding.inputs(trained).categorical.squeeze(1);
	const torch::Tensor after = encoding.inputs(rebuilt).categorical.squeeze(1);
	const int64_t green = before[0].item<int64_t>();
	const int64_t red = before[7].item<int64_t>();
	const int64_t blue = before[13].item<int64_t>();
	EXPECT_EQ(green, 2); // the most frequent
	EXPECT_TRUE(torch::equal(after, longs({0, blue, green, red, 1, green}))) << after;
}

TEST(RdlTableEncodingTest, VocabularyIsCapped) {
	std::vector<std::string> values;
	for (int i = 0; i < 10050; ++i) {
		values.insert(values.end(), 5, "v" + std::to_string(i));
	}
	values.push_back("v7");
	const TableEncoding encoding = TableEncoding::fit(table("t", {}, {categories("c", values)}), 0, false);
	EXPECT_EQ(encoding.vocabulary_sizes(), (std::vector<int64_t>{10002}));
	EXPECT_EQ(encoding.to_json()["columns"][0]["vocabulary"][0], "v7");
}

TEST(RdlTableEncodingTest, TextKeepsTokensOfSeveralRows) {
	// Tokens 1 and 2 are in five rows each; 3 and 70000 in one. Row 1 is an empty text, row 7 none.
	const GraphTable notes =
	    table("notes", {}, {text("body", {{1, 2, 3}, {}, {70000, 2}, {1, 2}, {1, 2}, {1, 2}, {1, 1}, {}}, {7})});
	const TableEncoding encoding = TableEncoding::fit(notes, 0, false);
	ASSERT_EQ(encoding.text_buckets().size(), 1u);
	EXPECT_EQ(encoding.text_buckets()[0], 3); // tokens 1 and 2, after the unused row 0
	const TableInputs inputs = encoding.inputs(notes);
	ASSERT_EQ(inputs.text.size(), 1u);
	EXPECT_EQ(inputs.text[0].offsets, (std::vector<int64_t>{0, 2, 2, 3, 5, 7, 9, 11, 11}));
	EXPECT_EQ(inputs.text[0].buckets, (std::vector<int64_t>{1, 2, 2, 1, 2, 1, 2, 1, 2, 1, 1}));
	// The missing flag tells the empty text from the missing one, which have the same (empty) bag.
	EXPECT_EQ(encoding.numeric_width(), 1);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 1, 0), 0);
	EXPECT_FLOAT_EQ(at(inputs.numeric, 7, 0), 1);
}

// Models stored before distinct_missing existed read a missing category as unknown and a missing text as
// empty, with no flag column: their layout and inputs must stay as they were trained.
TEST(RdlTableEncodingTest, StoredEncodingsWithoutDistinctMissingKeepTheirLayout) {
	std::vector<std::string> colors(5, "red");
	colors.push_back("");
	const GraphTable items = table("items", {}, {categories("color", colors), text("note", {{1}, {1}, {1}, {1}, {1}, {}}, {5})});
	nlohmann::json stored = TableEncoding::fit(items, 0, false).to_json();
	stored.erase("distinct_missing");
	const TableEncoding restored = TableEncoding::from_json(stored);
	EXPECT_FALSE(restored.distinct_missing());
	EXPECT_EQ(restored.vocabulary_sizes(), (std::vector<int64_t>{2}));
	EXPECT_EQ(restored.numeric_width(), 0);
	const TableInputs inputs = restored.inputs(items);
	EXPECT_TRUE(torch::equal(inputs.categorical.squeeze(1), longs({1, 1, 1, 1, 1, 0})));
	EXPECT_EQ(inputs.numeric.size(1), 0);
}

TEST(RdlTableEncodingTest, StateRoundTripsThroughJson) {
	const GraphTable mixed =
	    table("mixed", {5, 6, 7},
	          {numbers("x", GraphColumnKind::Numerical, {1, 2, kNaN}), categories("c", {"a", "b", "a"}),
	           numbers("at", GraphColumnKind::Timestamp, {1e9, 1.1e9, 1.2e9}), text("t", {{1}, {2, 1}, {3, 4, 2}})});
	const TableEncoding fitted = TableEncoding::fit(mixed, kCutoff, true);
	const TableEncoding restored = TableEncoding::from_json(nlohmann::json::parse(fitted.to_json().dump()));
	EXPECT_EQ(restored.to_json(), fitted.to_json());
	EXPECT_TRUE(restored.timed());
	EXPECT_TRUE(torch::equal(restored.inputs(mixed).numeric, fitted.inputs(mixed).numeric));
	EXPECT_TRUE(torch::equal(restored.inputs(mixed).categorical, fitted.inputs(mixed).categorical));
}

TEST(RdlTableEncodingTest, MissingOrChangedColumnsAreNamed) {
	const GraphTable trained = table("orders", {}, {numbers("amount", GraphColumnKind::Numerical, {1, 2})});
	const TableEncoding encoding = TableEncoding::fit(trained, 0, false);
	const GraphTable renamed = table("orders", {}, {numbers("total", GraphColumnKind::Numerical, {1, 2})});
	try {
		encoding.inputs(renamed);
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &error) {
		EXPECT_NE(std::string(error.what()).find("\"orders.amount\""), std::string::npos) << error.what();
	}
	const GraphTable retyped = table("orders", {}, {numbers("amount", GraphColumnKind::Boolean, {1, 0})});
	EXPECT_THROW(encoding.inputs(retyped), InvalidInputError);
}

} // namespace
} // namespace relml
