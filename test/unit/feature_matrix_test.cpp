#include "common/error.hpp"
#include "dfs/feature_matrix.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace relml {
namespace {

Feature numeric(const std::string &name) {
	Feature f;
	f.name = name;
	f.aggregate = Aggregate::Mean;
	f.column = "x";
	return f;
}

Feature count(const std::string &name) {
	Feature f;
	f.name = name;
	f.aggregate = Aggregate::Count;
	f.zero_if_missing = true;
	return f;
}

Feature categorical(const std::string &name) {
	Feature f;
	f.name = name;
	f.aggregate = Aggregate::Mode;
	f.column = "c";
	f.categorical = true;
	return f;
}

// Columns: 0 e.x, 1 e.c (categorical), 2 seed.month, 3 seed.day_of_week, 4 p.count.all, 5 p.mean(x).all,
// 6 q.mode(c).all (categorical), 7 q.count.all.
FeatureSpec small_spec() {
	FeatureSpec spec;
	spec.schema = "s";
	spec.entity_table = "e";
	spec.entity_key = "id";
	spec.own.name = "e";
	Feature own_value = numeric("e.x");
	own_value.aggregate = Aggregate::Value;
	Feature own_category = categorical("e.c");
	own_category.aggregate = Aggregate::Value;
	spec.own.features = {own_value, own_category};
	FeaturePath p;
	p.name = "p";
	p.aggregated = true;
	p.hops = {{"p", "p", "e_id", true}};
	p.features = {count("p.count.all"), numeric("p.mean(x).all")};
	FeaturePath q;
	q.name = "q";
	q.aggregated = true;
	q.hops = {{"q", "q", "e_id", true}};
	q.features = {categorical("q.mode(c).all"), count("q.count.all")};
	spec.paths = {p, q};
	return spec;
}

const std::vector<int64_t> kRows = {10, 20, 30, 40};

TEST(FeatureMatrixTest, QueryOffsetsFollowFeatureNames) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, kRows);
	auto names = spec.feature_names();
	ASSERT_EQ(names.size(), 8u);
	ASSERT_EQ(names.size(), spec.feature_count());
	EXPECT_EQ(names[2], "seed.month");
	EXPECT_EQ(names[3], "seed.day_of_week");
	EXPECT_EQ(builder.query_offset(0), 0u);
	EXPECT_EQ(builder.query_offset(1), 4u);
	EXPECT_EQ(builder.query_offset(2), 6u);
	for (size_t j = 0; j < spec.own.features.size(); ++j) {
		EXPECT_EQ(names[builder.query_offset(0) + j], spec.own.features[j].name);
	}
	for (size_t p = 0; p < spec.paths.size(); ++p) {
		for (size_t j = 0; j < spec.paths[p].features.size(); ++j) {
			EXPECT_EQ(names[builder.query_offset(p + 1) + j], spec.paths[p].features[j].name);
		}
	}
	EXPECT_THROW(builder.query_offset(3), std::out_of_range);
}

TEST(FeatureMatrixTest, QueryOffsetsWithoutSeedDateParts) {
	FeatureSpec spec = small_spec();
	spec.seed_date_parts = false;
	FeatureMatrixBuilder builder(spec, kRows);
	EXPECT_EQ(builder.query_offset(1), 2u);
	EXPECT_EQ(builder.query_offset(2), 4u);
	EXPECT_EQ(std::move(builder).build().cols, 6u);
	EXPECT_EQ(spec.feature_count(), 6u);
}

TEST(FeatureMatrixTest, IsCategorical) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, kRows);
	std::vector<bool> expected = {false, true, false, false, false, false, true, false};
	for (size_t c = 0; c < expected.size(); ++c) {
		EXPECT_EQ(builder.is_categorical(c), expected[c]) << c;
	}
}

TEST(FeatureMatrixTest, CountsDefaultToZeroOthersToMissing) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, kRows);
	DenseMatrix m = std::move(builder).build();
	ASSERT_EQ(m.rows, 4u);
	ASSERT_EQ(m.cols, 8u);
	ASSERT_TRUE(m.consistent());
	for (size_t r = 0; r < m.rows; ++r) {
		for (size_t c = 0; c < m.cols; ++c) {
			if (c == 4 || c == 7) {
				EXPECT_EQ(m.at(r, c), 0.0f) << r << "," << c;
			} else {
				EXPECT_TRUE(std::isnan(m.at(r, c))) << r << "," << c;
			}
		}
	}
}

TEST(FeatureMatrixTest, NumericValuesLandInTheirSeedRows) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, kRows);
	// Results may come in any order and leave seeds out (no related rows).
	builder.set_numeric(4, {30, 10}, {3, 1});
	builder.set_numeric(5, {30, 10}, {2.5, std::nan("")});
	builder.set_numeric(2, {10, 20, 30, 40}, {1, 2, 3, 12});
	// A NULL count (NaN) still means no rows.
	builder.set_numeric(7, {20}, {std::nan("")});
	DenseMatrix m = std::move(builder).build();
	EXPECT_EQ(m.at(0, 4), 1.0f);
	EXPECT_EQ(m.at(1, 4), 0.0f);
	EXPECT_EQ(m.at(2, 4), 3.0f);
	EXPECT_EQ(m.at(3, 4), 0.0f);
	EXPECT_TRUE(std::isnan(m.at(0, 5)));
	EXPECT_TRUE(std::isnan(m.at(1, 5)));
	EXPECT_EQ(m.at(2, 5), 2.5f);
	EXPECT_TRUE(std::isnan(m.at(3, 5)));
	EXPECT_EQ(m.at(3, 2), 12.0f);
	EXPECT_EQ(m.at(1, 7), 0.0f);
}

TEST(FeatureMatrixTest, UnknownRowIdIsInternalError) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, kRows);
	EXPECT_THROW(builder.set_numeric(5, {10, 99}, {1, 2}), InternalError);
	EXPECT_THROW(builder.set_categorical(6, {99}, {std::string("a")}), InternalError);
}

TEST(FeatureMatrixTest, DuplicateSeedRowIdIsInternalError) {
	FeatureSpec spec = small_spec();
	EXPECT_THROW(FeatureMatrixBuilder(spec, {1, 2, 1}), InternalError);
}

TEST(FeatureMatrixTest, VocabularyIsFittedOnFitRowsOnly) {
	FeatureSpec spec = small_spec();
	const std::vector<int64_t> rows = {1, 2, 3, 4, 5, 6};
	FeatureMatrixBuilder builder(spec, rows);
	using V = std::optional<std::string>;
	// "b" twice and "a" once in fit rows; "z" only in a row that is not fitted on; row 6 is NULL, row 5 absent.
	builder.set_categorical(6, {1, 2, 3, 4, 6}, {V("b"), V("a"), V("b"), V("z"), std::nullopt});
	builder.fit_vocabularies({true, true, true, false, true, false});
	EXPECT_EQ(spec.paths[1].features[0].vocab, (std::vector<std::string>{"b", "a"}));
	DenseMatrix m = std::move(builder).build();
	EXPECT_EQ(m.at(0, 6), 0.0f);
	EXPECT_EQ(m.at(1, 6), 1.0f);
	EXPECT_EQ(m.at(2, 6), 0.0f);
	EXPECT_EQ(m.at(3, 6), 2.0f); // unseen: the vocabulary's size
	EXPECT_TRUE(std::isnan(m.at(4, 6)));
	EXPECT_TRUE(std::isnan(m.at(5, 6)));
	// Features never set keep their (empty) vocabulary and stay missing.
	EXPECT_TRUE(spec.own.features[1].vocab.empty());
	EXPECT_TRUE(std::isnan(m.at(0, 1)));
}

TEST(FeatureMatrixTest, VocabularyTiesAndLimit) {
	FeatureSpec spec = small_spec();
	const std::vector<int64_t> rows = {1, 2, 3, 4, 5};
	FeatureMatrixBuilder builder(spec, rows);
	using V = std::optional<std::string>;
	builder.set_categorical(1, {1, 2, 3, 4, 5}, {V("y"), V("x"), V("w"), V("x"), V("y")});
	builder.fit_vocabularies({true, true, true, true, true}, 2);
	// Most frequent first, ties by value; at most two.
	EXPECT_EQ(spec.own.features[1].vocab, (std::vector<std::string>{"x", "y"}));
	DenseMatrix m = std::move(builder).build();
	EXPECT_EQ(m.at(0, 1), 1.0f);
	EXPECT_EQ(m.at(1, 1), 0.0f);
	EXPECT_EQ(m.at(2, 1), 2.0f); // cut from the vocabulary: unseen
}

TEST(FeatureMatrixTest, PredictionUsesTheSavedVocabulary) {
	FeatureSpec spec = small_spec();
	spec.paths[1].features[0].vocab = {"red", "green"};
	FeatureMatrixBuilder builder(spec, {7, 8, 9});
	using V = std::optional<std::string>;
	builder.set_categorical(6, {9, 8, 7}, {V("green"), V("blue"), std::nullopt});
	DenseMatrix m = std::move(builder).build();
	EXPECT_TRUE(std::isnan(m.at(0, 6)));
	EXPECT_EQ(m.at(1, 6), 2.0f);
	EXPECT_EQ(m.at(2, 6), 1.0f);
}

// A feature query's rows arrive in batches: a later batch leaves the rows of an earlier one as they were.
TEST(FeatureMatrixTest, RowsSetInBatchesAccumulate) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, {1, 2, 3, 4});
	using V = std::optional<std::string>;
	builder.set_categorical(6, {1, 2}, {V("a"), V("b")});
	builder.set_categorical(6, {4}, {V("a")});
	builder.set_numeric(5, {3}, {2.5});
	builder.set_numeric(5, {1}, {-1.0});
	builder.fit_vocabularies({true, true, true, true});
	EXPECT_EQ(spec.paths[1].features[0].vocab, (std::vector<std::string>{"a", "b"}));
	DenseMatrix m = std::move(builder).build();
	EXPECT_EQ(m.at(0, 6), 0.0f);
	EXPECT_EQ(m.at(1, 6), 1.0f);
	EXPECT_TRUE(std::isnan(m.at(2, 6)));
	EXPECT_EQ(m.at(3, 6), 0.0f);
	EXPECT_EQ(m.at(0, 5), -1.0f);
	EXPECT_TRUE(std::isnan(m.at(1, 5)));
	EXPECT_EQ(m.at(2, 5), 2.5f);
}

TEST(FeatureMatrixTest, BuildHandsOverEncodedValues) {
	FeatureSpec spec = small_spec();
	FeatureMatrixBuilder builder(spec, kRows);
	using V = std::optional<std::string>;
	builder.set_categorical(1, {10, 20}, {V("a"), V("b")});
	builder.set_numeric(0, {40}, {-1.5});
	builder.fit_vocabularies({true, true, true, true});
	DenseMatrix a = std::move(builder).build();
	ASSERT_TRUE(a.consistent());
	EXPECT_EQ(a.at(3, 0), -1.5f);
	EXPECT_EQ(a.at(0, 1), 0.0f);
	EXPECT_EQ(a.at(1, 1), 1.0f);
}

} // namespace
} // namespace relml
