#include "common/error.hpp"
#include "dfs/dfs_planner.hpp"
#include "dfs/feature_spec.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;

FeatureSpec planned() {
	// drivers <- results -> races
	SchemaGraph graph = f1_graph({"drivers", "results", "races"});
	FeatureSpec spec = plan(graph, "drivers", {{"windows", {30, 91.5}}}, {{"results.statusId", {"1", "it's \"odd\""}}});
	// As after fitting: vocabularies on the categorical features.
	for (auto *path : {&spec.own, &spec.paths[0]}) {
		for (auto &f : path->features) {
			if (f.categorical) {
				f.vocab = {"GB", "it's", "\"quoted\"", ""};
			}
		}
	}
	return spec;
}

void expect_same_path(const FeaturePath &a, const FeaturePath &b) {
	EXPECT_EQ(a.name, b.name);
	EXPECT_EQ(a.aggregated, b.aggregated);
	ASSERT_EQ(a.hops.size(), b.hops.size());
	for (size_t h = 0; h < a.hops.size(); ++h) {
		EXPECT_EQ(a.hops[h].table, b.hops[h].table);
		EXPECT_EQ(a.hops[h].fk_table, b.hops[h].fk_table);
		EXPECT_EQ(a.hops[h].fk_column, b.hops[h].fk_column);
		EXPECT_EQ(a.hops[h].backward, b.hops[h].backward);
	}
	ASSERT_EQ(a.features.size(), b.features.size());
	for (size_t i = 0; i < a.features.size(); ++i) {
		const Feature &x = a.features[i];
		const Feature &y = b.features[i];
		EXPECT_EQ(x.name, y.name);
		EXPECT_EQ(x.aggregate, y.aggregate) << x.name;
		EXPECT_EQ(x.column, y.column) << x.name;
		EXPECT_EQ(x.share_value, y.share_value) << x.name;
		EXPECT_EQ(x.window, y.window) << x.name;
		EXPECT_EQ(x.categorical, y.categorical) << x.name;
		EXPECT_EQ(x.zero_if_missing, y.zero_if_missing) << x.name;
		EXPECT_EQ(x.vocab, y.vocab) << x.name;
	}
}

TEST(FeatureSpecTest, JsonRoundTripPreservesEverything) {
	FeatureSpec spec = planned();
	spec.seed_date_parts = false;
	nlohmann::json json = spec.to_json();
	FeatureSpec back = FeatureSpec::from_json(nlohmann::json::parse(json.dump()));
	EXPECT_EQ(back.to_json(), json);
	EXPECT_EQ(back.schema, "f1");
	EXPECT_EQ(back.entity_table, "drivers");
	EXPECT_EQ(back.entity_key, "driverId");
	EXPECT_EQ(back.window_days, (std::vector<double>{30, 91.5}));
	EXPECT_FALSE(back.seed_date_parts);
	expect_same_path(spec.own, back.own);
	ASSERT_EQ(back.paths.size(), spec.paths.size());
	for (size_t p = 0; p < spec.paths.size(); ++p) {
		expect_same_path(spec.paths[p], back.paths[p]);
	}
	EXPECT_EQ(back.feature_names(), spec.feature_names());
	EXPECT_EQ(back.feature_count(), spec.feature_count());
}

TEST(FeatureSpecTest, RoundTripKeepsShareValuesAndVocabularies) {
	FeatureSpec back = FeatureSpec::from_json(planned().to_json());
	size_t shares = 0;
	size_t vocabs = 0;
	for (auto *path : {&back.own, &back.paths[0]}) {
		for (auto &f : path->features) {
			if (f.aggregate == Aggregate::Share) {
				EXPECT_TRUE(f.share_value == "1" || f.share_value == "it's \"odd\"") << f.share_value;
				++shares;
			}
			if (f.categorical) {
				EXPECT_EQ(f.vocab, (std::vector<std::string>{"GB", "it's", "\"quoted\"", ""})) << f.name;
				++vocabs;
			}
		}
	}
	// two values x (all history + two windows)
	EXPECT_EQ(shares, 6u);
	// drivers.nationality, and results.mode(statusId) over all history
	EXPECT_EQ(vocabs, 2u);
}

TEST(FeatureSpecTest, FeatureNamesOrder) {
	FeatureSpec spec = planned();
	auto names = spec.feature_names();
	ASSERT_EQ(names.size(), spec.feature_count());
	size_t i = 0;
	for (auto &f : spec.own.features) {
		EXPECT_EQ(names[i++], f.name);
	}
	EXPECT_EQ(names[i++], "seed.month");
	EXPECT_EQ(names[i++], "seed.day_of_week");
	for (auto &path : spec.paths) {
		for (auto &f : path.features) {
			EXPECT_EQ(names[i++], f.name);
		}
	}
	EXPECT_EQ(i, names.size());
	spec.seed_date_parts = false;
	EXPECT_EQ(spec.feature_count(), names.size() - 2);
	EXPECT_EQ(spec.feature_names().size(), names.size() - 2);
}

// The observation lag comes after the date parts; models stored before it existed read back without it.
TEST(FeatureSpecTest, ObservationLag) {
	FeatureSpec spec = planned();
	const size_t before = spec.feature_count();
	spec.observation_lag = true;
	ASSERT_EQ(spec.feature_count(), before + 1);
	const std::vector<std::string> names = spec.feature_names();
	EXPECT_EQ(names[spec.own.features.size() + 2], "seed.observation_lag_days");
	EXPECT_TRUE(FeatureSpec::from_json(spec.to_json()).observation_lag);
	nlohmann::json stored_earlier = spec.to_json();
	stored_earlier.erase("observation_lag");
	EXPECT_FALSE(FeatureSpec::from_json(stored_earlier).observation_lag);
}

TEST(FeatureSpecTest, WindowLabels) {
	FeatureSpec spec;
	spec.window_days = {30, 91.5, 365};
	EXPECT_EQ(spec.window_label(-1), "all");
	EXPECT_EQ(spec.window_label(0), "last_30d");
	EXPECT_EQ(spec.window_label(1), "last_92d");
	EXPECT_EQ(spec.window_label(2), "last_365d");
	EXPECT_THROW(spec.window_label(3), std::out_of_range);
}

TEST(FeatureSpecTest, AggregateNames) {
	for (Aggregate a : {Aggregate::Value, Aggregate::Count, Aggregate::Sum, Aggregate::Mean, Aggregate::Min,
	                    Aggregate::Max, Aggregate::Stddev, Aggregate::CountDistinct, Aggregate::Mode, Aggregate::Share,
	                    Aggregate::DaysSinceLast, Aggregate::DaysSinceFirst, Aggregate::AgeDays}) {
		EXPECT_EQ(parse_aggregate(to_string(a)), a);
	}
	EXPECT_EQ(to_string(Aggregate::CountDistinct), "count_distinct");
	EXPECT_EQ(to_string(Aggregate::DaysSinceLast), "days_since_last");
	EXPECT_THROW(parse_aggregate("median"), InvalidInputError);
}

TEST(FeatureSpecTest, MalformedJsonThrows) {
	nlohmann::json json = planned().to_json();
	json["own"]["features"][0]["aggregate"] = "median";
	EXPECT_THROW(FeatureSpec::from_json(json), InvalidInputError);
	nlohmann::json missing = planned().to_json();
	missing.erase("paths");
	EXPECT_THROW(FeatureSpec::from_json(missing), nlohmann::json::exception);
}

} // namespace
} // namespace relml
