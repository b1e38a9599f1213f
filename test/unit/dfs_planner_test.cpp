#include "common/error.hpp"
#include "dfs/dfs_planner.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;
using R = ColumnRole;

std::set<std::string> path_names(const FeatureSpec &spec) {
	std::set<std::string> names;
	for (auto &path : spec.paths) {
		names.insert(path.name);
	}
	return names;
}

const FeaturePath *find_path(const FeatureSpec &spec, const std::string &name) {
	for (auto &path : spec.paths) {
		if (path.name == name) {
			return &path;
		}
	}
	return nullptr;
}

bool has_feature(const FeatureSpec &spec, const std::string &name) {
	auto names = spec.feature_names();
	return std::find(names.begin(), names.end(), name) != names.end();
}

bool ends_with(const std::string &text, const std::string &suffix) {
	return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void expect_invalid_option(const nlohmann::json &json, const std::string &mentions) {
	try {
		DfsOptions::from_json(json, 30);
		ADD_FAILURE() << "expected InvalidInputError for " << json.dump();
	} catch (const InvalidInputError &e) {
		EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
	}
}

TEST(DfsOptionsTest, DefaultWindowsFollowTheHorizon) {
	// Twelve horizons of 30 days already cover about a year: no separate 365-day window.
	EXPECT_EQ(options_for(30).window_days, (std::vector<double>{30, 120, 360}));
	// Twelve weeks fall well short of a year, which is added for seasonality.
	EXPECT_EQ(options_for(7).window_days, (std::vector<double>{7, 28, 84, 365}));
	EXPECT_EQ(options_for(365).window_days, (std::vector<double>{365, 1460, 4380}));
	EXPECT_EQ(options_for(91.25).window_days, (std::vector<double>{91.25, 365, 1095}));
	DfsOptions defaults = options_for(30);
	EXPECT_EQ(defaults.path_depth, 2);
	EXPECT_EQ(defaults.share_top_k, 5);
	EXPECT_EQ(defaults.max_share_cardinality, 50);
}

TEST(DfsOptionsTest, ExplicitWindowsAreSortedAndDeduplicated) {
	DfsOptions o = options_for(30, {{"windows", {90, 7, 30, 30.2, 7}}});
	EXPECT_EQ(o.window_days, (std::vector<double>{7, 30, 90}));
	EXPECT_TRUE(options_for(30, {{"windows", nlohmann::json::array()}}).window_days.empty());
}

TEST(DfsOptionsTest, ReadsIntegersAndRoundTrips) {
	DfsOptions o = options_for(30, {{"path_depth", 1}, {"share_top_k", 0}, {"max_share_cardinality", 10}});
	EXPECT_EQ(o.path_depth, 1);
	EXPECT_EQ(o.share_top_k, 0);
	EXPECT_EQ(o.max_share_cardinality, 10);
	DfsOptions back = DfsOptions::from_json(o.to_json(), 999);
	EXPECT_EQ(back.window_days, o.window_days);
	EXPECT_EQ(back.path_depth, 1);
	EXPECT_EQ(back.share_top_k, 0);
	EXPECT_EQ(back.max_share_cardinality, 10);
}

TEST(DfsOptionsTest, RejectsInvalidOptions) {
	expect_invalid_option({{"window", {30}}}, "window");
	expect_invalid_option({{"depth", 2}}, "depth");
	expect_invalid_option({{"windows", 30}}, "windows");
	expect_invalid_option({{"windows", {30, 0}}}, "windows");
	expect_invalid_option({{"windows", {-7}}}, "windows");
	expect_invalid_option({{"windows", {"30 days"}}}, "windows");
	expect_invalid_option({{"path_depth", 0}}, "path_depth");
	expect_invalid_option({{"path_depth", 3}}, "path_depth");
	expect_invalid_option({{"path_depth", "2"}}, "path_depth");
	expect_invalid_option({{"path_depth", 1.5}}, "path_depth");
	expect_invalid_option({{"share_top_k", -1}}, "share_top_k");
	expect_invalid_option({{"share_top_k", 21}}, "share_top_k");
	expect_invalid_option({{"max_share_cardinality", 0}}, "max_share_cardinality");
	EXPECT_THROW(DfsOptions::from_json(nlohmann::json::array(), 30), InvalidInputError);
	EXPECT_THROW(DfsOptions::from_json(nlohmann::json(), 30), InvalidInputError);
}

TEST(DfsPlannerTest, F1PathsFromDrivers) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers", options_for(30), top.fn());
	EXPECT_EQ(spec.schema, "f1");
	EXPECT_EQ(spec.entity_table, "drivers");
	EXPECT_EQ(spec.entity_key, "driverId");
	EXPECT_EQ(path_names(spec), (std::set<std::string>{"results", "standings", "qualifying", "results.races",
	                                                   "results.constructors"}));
	// Never straight back along the foreign key a path came by.
	EXPECT_EQ(find_path(spec, "results.drivers"), nullptr);

	const FeaturePath *results = find_path(spec, "results");
	ASSERT_NE(results, nullptr);
	EXPECT_TRUE(results->aggregated);
	ASSERT_EQ(results->hops.size(), 1u);
	EXPECT_EQ(results->hops[0].table, "results");
	EXPECT_EQ(results->hops[0].fk_table, "results");
	EXPECT_EQ(results->hops[0].fk_column, "driverId");
	EXPECT_TRUE(results->hops[0].backward);

	const FeaturePath *races = find_path(spec, "results.races");
	ASSERT_NE(races, nullptr);
	EXPECT_TRUE(races->aggregated);
	ASSERT_EQ(races->hops.size(), 2u);
	EXPECT_EQ(races->hops[1].table, "races");
	EXPECT_EQ(races->hops[1].fk_table, "results");
	EXPECT_EQ(races->hops[1].fk_column, "raceId");
	EXPECT_FALSE(races->hops[1].backward);
}

TEST(DfsPlannerTest, F1FeatureNames) {
	FakeTopValues top;
	top.values["results.statusId"] = {"1", "11", "12"};
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers", options_for(30), top.fn());
	for (const char *name :
	     {"results.mean(positionOrder).last_30d", "results.count.all", "results.count.last_360d",
	      "results.share(statusId=1).last_120d", "results.share(statusId=12).all", "results.days_since_last",
	      "results.days_since_first", "results.races.mean(round).all", "results.races.count.last_30d",
	      "results.sum(positionOrder).all", "results.min(positionOrder).all", "results.max(positionOrder).all",
	      "results.stddev(positionOrder).all", "results.mode(statusId).all", "results.count_distinct(statusId).all",
	      "results.mean(fastest).last_30d", "standings.mean(points).last_30d", "qualifying.min(position).all",
	      "results.constructors.mode(nationality).all", "drivers.nationality", "drivers.age_days(dob)"}) {
		EXPECT_TRUE(has_feature(spec, name)) << name;
	}
	// Days since last/first event are not windowed; booleans get only a mean.
	EXPECT_FALSE(has_feature(spec, "results.days_since_last.all"));
	EXPECT_FALSE(has_feature(spec, "results.sum(fastest).all"));
	// Free text is never a feature.
	EXPECT_FALSE(has_feature(spec, "drivers.code"));
	// Names are unique.
	auto names = spec.feature_names();
	EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

// Activity paths (children, children of children) get every window; context paths (a child's parents) get
// all history and the shortest window; sorting aggregates (mode, count distinct) only all history.
TEST(DfsPlannerTest, WindowsPerPathKindAndAggregate) {
	FakeTopValues top;
	top.values["results.statusId"] = {"1", "11"};
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers", options_for(30), top.fn());
	ASSERT_EQ(spec.window_days, (std::vector<double>{30, 120, 360}));
	for (auto &path : spec.paths) {
		bool context = path.hops.size() > 1 && !path.hops.back().backward;
		std::map<std::string, std::set<int>> windows_of;
		for (auto &f : path.features) {
			windows_of[to_string(f.aggregate) + "(" + f.column + ")"].insert(f.window);
		}
		for (auto &entry : windows_of) {
			std::set<int> expected = context ? std::set<int>{-1, 0} : std::set<int>{-1, 0, 1, 2};
			if (entry.first.rfind("days_since", 0) == 0 || entry.first.rfind("mode", 0) == 0 ||
			    entry.first.rfind("count_distinct", 0) == 0) {
				expected = {-1};
			}
			EXPECT_EQ(entry.second, expected) << path.name << " " << entry.first;
		}
	}
}

TEST(DfsPlannerTest, MaxDepthOneKeepsOnlyDirectNeighbours) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers", options_for(30, {{"path_depth", 1}}), top.fn());
	EXPECT_EQ(path_names(spec), (std::set<std::string>{"results", "standings", "qualifying"}));
	for (auto &path : spec.paths) {
		EXPECT_EQ(path.hops.size(), 1u) << path.name;
	}
	FeatureSpec shop = plan_dfs(shop_graph(), "customers", options_for(7, {{"path_depth", 1}}), top.fn());
	EXPECT_EQ(path_names(shop), (std::set<std::string>{"orders", "reviews"}));
}

TEST(DfsPlannerTest, ForwardPathsFromResults) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(f1_graph(), "results", options_for(30), top.fn());
	// Forward then forward is kept; forward then backward (siblings through a shared parent: the driver's other
	// results, standings, qualifying) is left out, as is going back along the same key.
	EXPECT_EQ(path_names(spec), (std::set<std::string>{"races", "drivers", "constructors", "races.circuits"}));
	for (auto &path : spec.paths) {
		EXPECT_FALSE(path.aggregated) << path.name;
		for (auto &hop : path.hops) {
			EXPECT_FALSE(hop.backward) << path.name;
		}
		// One row per seed: row values, never windows.
		for (auto &f : path.features) {
			EXPECT_EQ(f.window, -1) << f.name;
			EXPECT_TRUE(f.aggregate == Aggregate::Value || f.aggregate == Aggregate::AgeDays) << f.name;
		}
	}
	EXPECT_TRUE(has_feature(spec, "races.round"));
	EXPECT_TRUE(has_feature(spec, "races.age_days(date)"));
	EXPECT_TRUE(has_feature(spec, "races.circuits.lat"));
	EXPECT_TRUE(has_feature(spec, "races.circuits.country"));
	EXPECT_TRUE(has_feature(spec, "drivers.age_days(dob)"));
	// The entity's own columns.
	EXPECT_TRUE(has_feature(spec, "results.positionOrder"));
	EXPECT_TRUE(has_feature(spec, "results.fastest"));
	const FeaturePath *circuits = find_path(spec, "races.circuits");
	ASSERT_NE(circuits, nullptr);
	ASSERT_EQ(circuits->hops.size(), 2u);
	EXPECT_EQ(circuits->hops[0].fk_table, "results");
	EXPECT_EQ(circuits->hops[0].fk_column, "raceId");
	EXPECT_EQ(circuits->hops[1].fk_table, "races");
	EXPECT_EQ(circuits->hops[1].fk_column, "circuitId");
}

TEST(DfsPlannerTest, MixedPathsFromRaces) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(f1_graph(), "races", options_for(30), top.fn());
	// circuits <- races (other races at the circuit) is a forward-then-backward sibling path: left out.
	EXPECT_EQ(path_names(spec),
	          (std::set<std::string>{"circuits", "results", "results.drivers", "results.constructors"}));
	EXPECT_FALSE(find_path(spec, "circuits")->aggregated);
	EXPECT_TRUE(find_path(spec, "results.drivers")->aggregated);
}

TEST(DfsPlannerTest, NoPathGoesStraightBackOrForwardThenBackward) {
	FakeTopValues top;
	for (auto graph : {f1_graph(), shop_graph()}) {
		for (auto &table : graph.tables()) {
			if (table.primary_key.empty()) {
				continue;
			}
			FeatureSpec spec = plan_dfs(graph, table.name, options_for(30), top.fn());
			for (auto &path : spec.paths) {
				ASSERT_FALSE(path.hops.empty());
				ASSERT_LE(path.hops.size(), 2u);
				bool any_backward = false;
				for (auto &hop : path.hops) {
					any_backward = any_backward || hop.backward;
				}
				EXPECT_EQ(path.aggregated, any_backward) << path.name;
				if (path.hops.size() == 2) {
					const Hop &a = path.hops[0];
					const Hop &b = path.hops[1];
					EXPECT_FALSE(!a.backward && b.backward) << table.name << ": " << path.name;
					EXPECT_FALSE(a.backward && !b.backward && a.fk_table == b.fk_table && a.fk_column == b.fk_column)
					    << table.name << ": " << path.name;
				}
			}
		}
	}
}

TEST(DfsPlannerTest, ShopPathsFromCustomers) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(shop_graph(), "customers", options_for(7), top.fn());
	EXPECT_EQ(path_names(spec), (std::set<std::string>{"orders", "reviews", "orders.order_items", "reviews.products"}));
	const FeaturePath *items = find_path(spec, "orders.order_items");
	ASSERT_NE(items, nullptr);
	EXPECT_TRUE(items->hops[0].backward);
	EXPECT_TRUE(items->hops[1].backward);
	EXPECT_EQ(items->hops[1].fk_column, "order_id");
	// order_items has no time, but the orders it hangs from do: windows apply.
	EXPECT_TRUE(has_feature(spec, "orders.order_items.sum(quantity).last_28d"));
	EXPECT_TRUE(has_feature(spec, "orders.order_items.days_since_last"));
	EXPECT_TRUE(has_feature(spec, "reviews.products.mean(price).last_7d"));
	EXPECT_TRUE(has_feature(spec, "orders.mean(total).last_365d"));
	// The entity's own time column is an age, never a value.
	EXPECT_TRUE(has_feature(spec, "customers.age_days(created_at)"));
	EXPECT_TRUE(has_feature(spec, "customers.country"));
	EXPECT_FALSE(has_feature(spec, "customers.created_at"));
}

TEST(DfsPlannerTest, PathsWithoutAnyTimeHaveNoWindows) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(shop_graph(), "products", options_for(7), top.fn());
	EXPECT_EQ(path_names(spec),
	          (std::set<std::string>{"order_items", "reviews", "order_items.orders", "reviews.customers"}));
	const FeaturePath *items = find_path(spec, "order_items");
	ASSERT_NE(items, nullptr);
	for (auto &f : items->features) {
		EXPECT_EQ(f.window, -1) << f.name;
		EXPECT_NE(f.aggregate, Aggregate::DaysSinceLast) << f.name;
		EXPECT_NE(f.aggregate, Aggregate::DaysSinceFirst) << f.name;
	}
	EXPECT_TRUE(has_feature(spec, "order_items.count.all"));
	EXPECT_FALSE(has_feature(spec, "order_items.count.last_7d"));
	EXPECT_TRUE(has_feature(spec, "order_items.orders.count.last_7d"));
	EXPECT_TRUE(has_feature(spec, "order_items.orders.days_since_last"));
}

TEST(DfsPlannerTest, SiblingPathsFromOrdersAreOmitted) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(shop_graph(), "orders", options_for(7), top.fn());
	// customers <- reviews (the customer's reviews) would be forward then backward: left out.
	EXPECT_EQ(path_names(spec), (std::set<std::string>{"customers", "order_items", "order_items.products"}));
}

TEST(DfsPlannerTest, KeysAndTimeColumnsAreNeverValueFeatures) {
	FakeTopValues top;
	top.values["results.statusId"] = {"1", "11"};
	for (auto graph : {f1_graph(), shop_graph()}) {
		std::set<std::pair<std::string, std::string>> keys;
		std::set<std::pair<std::string, std::string>> times;
		for (auto &t : graph.tables()) {
			if (!t.primary_key.empty()) {
				keys.insert({t.name, t.primary_key});
			}
			if (t.has_time()) {
				times.insert({t.name, t.time_column});
			}
		}
		for (auto &fk : graph.foreign_keys()) {
			keys.insert({fk.table, fk.column});
		}
		for (auto &table : graph.tables()) {
			if (table.primary_key.empty()) {
				continue;
			}
			FeatureSpec spec = plan_dfs(graph, table.name, options_for(30), top.fn());
			std::vector<const FeaturePath *> paths = {&spec.own};
			for (auto &path : spec.paths) {
				paths.push_back(&path);
			}
			for (auto *path : paths) {
				std::string target = path->hops.empty() ? spec.entity_table : path->hops.back().table;
				for (auto &f : path->features) {
					if (f.column.empty()) {
						continue;
					}
					EXPECT_FALSE(keys.count({target, f.column})) << f.name;
					if (times.count({target, f.column})) {
						// Only as an age at the observation time, on a single row.
						EXPECT_EQ(f.aggregate, Aggregate::AgeDays) << f.name;
						EXPECT_FALSE(path->aggregated) << f.name;
					}
				}
			}
		}
	}
}

TEST(DfsPlannerTest, ShareFeaturesOnlyForSmallCategoricals) {
	FakeTopValues top;
	top.values["results.statusId"] = {"1", "11", "12", "13"};
	top.values["constructors.nationality"] = {"IT", "GB", "DE", "FR", "US", "AT"};
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers",
	                            options_for(30, {{"share_top_k", 2}, {"max_share_cardinality", 5}}), top.fn());
	// statusId has 4 <= 5 values: its 2 most frequent become shares, in every window.
	EXPECT_TRUE(has_feature(spec, "results.share(statusId=1).all"));
	EXPECT_TRUE(has_feature(spec, "results.share(statusId=11).last_360d"));
	EXPECT_FALSE(has_feature(spec, "results.share(statusId=12).all"));
	// nationality has more than 5 values: modes but no shares.
	EXPECT_TRUE(has_feature(spec, "results.constructors.mode(nationality).all"));
	for (auto &name : spec.feature_names()) {
		EXPECT_EQ(name.find("share(nationality"), std::string::npos) << name;
	}
	// The planner asks for one value more than the cardinality limit, to tell "at the limit" from "over it".
	ASSERT_FALSE(top.calls.empty());
	for (auto &call : top.calls) {
		EXPECT_EQ(call.second, 6) << call.first;
	}
	// Only aggregated paths' categoricals are asked about; the entity's own columns are not.
	for (auto &call : top.calls) {
		EXPECT_NE(call.first, "drivers.nationality");
	}

	const FeaturePath *results = find_path(spec, "results");
	ASSERT_NE(results, nullptr);
	size_t shares = 0;
	for (auto &f : results->features) {
		if (f.aggregate == Aggregate::Share) {
			++shares;
			EXPECT_EQ(f.column, "statusId");
			EXPECT_FALSE(f.categorical);
			EXPECT_TRUE(f.share_value == "1" || f.share_value == "11") << f.share_value;
		}
	}
	EXPECT_EQ(shares, 2u * (1 + spec.window_days.size()));
}

TEST(DfsPlannerTest, ShareTopKZeroAsksForNothing) {
	FakeTopValues top;
	top.values["results.statusId"] = {"1"};
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers", options_for(30, {{"share_top_k", 0}}), top.fn());
	EXPECT_TRUE(top.calls.empty());
	for (auto &name : spec.feature_names()) {
		EXPECT_EQ(name.find("share("), std::string::npos) << name;
	}
}

TEST(DfsPlannerTest, FeatureFlags) {
	FakeTopValues top;
	top.values["results.statusId"] = {"1"};
	FeatureSpec spec = plan_dfs(f1_graph(), "drivers", options_for(30), top.fn());
	std::vector<const FeaturePath *> paths = {&spec.own};
	for (auto &path : spec.paths) {
		paths.push_back(&path);
	}
	for (auto *path : paths) {
		for (auto &f : path->features) {
			EXPECT_EQ(f.zero_if_missing, f.aggregate == Aggregate::Count) << f.name;
			bool categorical = f.aggregate == Aggregate::Mode ||
			                   (f.aggregate == Aggregate::Value && f.column == "nationality");
			EXPECT_EQ(f.categorical, categorical) << f.name;
			EXPECT_LT(f.window, static_cast<int>(spec.window_days.size())) << f.name;
			EXPECT_EQ(f.name.rfind(path->name + ".", 0), 0u) << f.name;
		}
	}
	EXPECT_TRUE(spec.seed_date_parts);
}

TEST(DfsPlannerTest, EntityTableErrors) {
	FakeTopValues top;
	try {
		plan_dfs(f1_graph(), "lap_log", options_for(30), top.fn());
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &e) {
		EXPECT_NE(std::string(e.what()).find("lap_log"), std::string::npos) << e.what();
	}
	EXPECT_THROW(plan_dfs(f1_graph(), "pit_stops", options_for(30), top.fn()), NotFoundError);
}

TEST(DfsPlannerTest, PathsWithoutFeaturesAreDropped) {
	std::vector<Table> tables = {
	    {"users", "id", "", {{"id", "integer", R::PrimaryKey}, {"age", "integer", R::Numerical}}},
	    {"tags", "tag_id", "", {{"tag_id", "integer", R::PrimaryKey}, {"label", "text", R::Text}}},
	    {"posts",
	     "post_id",
	     "",
	     {{"post_id", "integer", R::PrimaryKey},
	      {"user_id", "integer", R::ForeignKey},
	      {"tag_id", "integer", R::ForeignKey}}},
	};
	SchemaGraph g("s", tables, {{"posts", "user_id", "users"}, {"posts", "tag_id", "tags"}});
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(g, "posts", options_for(30), top.fn());
	// tags has nothing but its key and free text.
	EXPECT_EQ(path_names(spec), (std::set<std::string>{"users"}));
	// An aggregated path always has at least its count, even to a table without features of its own.
	FeatureSpec users = plan_dfs(g, "users", options_for(30), top.fn());
	EXPECT_EQ(path_names(users), (std::set<std::string>{"posts", "posts.tags"}));
	EXPECT_TRUE(has_feature(users, "posts.count.all"));
	EXPECT_TRUE(has_feature(users, "posts.tags.count.all"));
}

TEST(TopValuesSqlTest, TimedTableFiltersOnTheCutoffParameter) {
	SchemaGraph g = f1_graph();
	const Table &results = g.table("results");
	std::string sql = top_values_sql("f1", results, *results.find_column("statusId"), 51);
	EXPECT_EQ(sql.rfind("SELECT \"statusId\"::text AS value FROM \"f1\".\"results\" WHERE \"statusId\" IS NOT NULL "
	                    "AND \"date\" <= $1",
	                    0),
	          0u)
	    << sql;
	EXPECT_TRUE(ends_with(sql, " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 51")) << sql;
	EXPECT_EQ(sql.find("$2"), std::string::npos) << sql;
}

TEST(TopValuesSqlTest, StaticTableReadsAllRows) {
	SchemaGraph g = f1_graph();
	const Table &constructors = g.table("constructors");
	std::string sql = top_values_sql("f1", constructors, *constructors.find_column("nationality"), 6);
	EXPECT_EQ(sql, "SELECT \"nationality\"::text AS value FROM \"f1\".\"constructors\" WHERE \"nationality\" IS NOT "
	               "NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 6");
	EXPECT_EQ(sql.find('$'), std::string::npos);
}

TEST(TopValuesSqlTest, QuotesIdentifiers) {
	Table t{"we\"ird", "", "t\"s", {{"c\"ol", "text", R::Categorical}}};
	std::string sql = top_values_sql("s\"x", t, t.columns[0], 3);
	EXPECT_EQ(sql.rfind("SELECT \"c\"\"ol\"::text AS value FROM \"s\"\"x\".\"we\"\"ird\" WHERE \"c\"\"ol\" IS NOT NULL "
	                    "AND \"t\"\"s\" <= $1",
	                    0),
	          0u)
	    << sql;
	EXPECT_TRUE(ends_with(sql, " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3")) << sql;
}

} // namespace

namespace {

// A marketplace: users sell to users (two foreign keys from orders to users) and refer users (a foreign key
// from users to itself).
SchemaGraph marketplace_graph() {
	std::vector<Table> tables = {
	    {"users",
	     "user_id",
	     "joined_at",
	     {{"user_id", "bigint", R::PrimaryKey},
	      {"referred_by", "bigint", R::ForeignKey},
	      {"joined_at", "timestamp without time zone", R::Time},
	      {"rating", "real", R::Numerical}}},
	    {"orders",
	     "order_id",
	     "placed_at",
	     {{"order_id", "bigint", R::PrimaryKey},
	      {"buyer_id", "bigint", R::ForeignKey},
	      {"seller_id", "bigint", R::ForeignKey},
	      {"placed_at", "timestamp without time zone", R::Time},
	      {"amount", "numeric", R::Numerical}}}};
	std::vector<ForeignKey> fks = {
	    {"users", "referred_by", "users"}, {"orders", "buyer_id", "users"}, {"orders", "seller_id", "users"}};
	return SchemaGraph("market", tables, fks);
}

} // namespace

// Two foreign keys to the same table, or one to itself, give paths named by their column: feature names stay
// unique and say which relation they follow.
TEST(DfsPlannerTest, PathsThroughSeveralForeignKeysAreNamedByColumn) {
	FakeTopValues top;
	FeatureSpec spec = plan_dfs(marketplace_graph(), "users", options_for(30), top.fn());
	auto names = spec.feature_names();
	EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
	for (const char *name : {"orders(buyer_id).sum(amount).last_30d", "orders(seller_id).count.all",
	                         "users(referred_by).rating", "users(referred_by).count.all",
	                         "orders(buyer_id).users(seller_id).mean(rating).all"}) {
		EXPECT_TRUE(has_feature(spec, name)) << name;
	}
	// The entity's own columns keep the plain table name.
	EXPECT_TRUE(has_feature(spec, "users.rating"));
}

} // namespace relml
