// The graph's DFS features against values worked out by hand from what the SQL feature queries define: joins
// with every table's time at or before the observation time, windows after (obs - length), NULLs skipped,
// counts 0 and other aggregates missing without rows, mode ties by the column's order, exact decimal sums.
#include "common/error.hpp"
#include "dfs/graph_feature_evaluator.hpp"
#include "graph/graph_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace relml {
namespace {

using R = ColumnRole;

constexpr int64_t kDay = 86400LL * 1000000LL;
constexpr EpochMicros kJan1 = 1704067200LL * 1000000LL; // 2024-01-01 00:00 (a Monday)

EpochMicros day(int d) {
	return kJan1 + d * kDay;
}

SchemaGraph shop(const std::string &time_type = "timestamp without time zone") {
	std::vector<Table> tables = {
	    {"customers",
	     "customer_id",
	     "signup_at",
	     {{"customer_id", "bigint", R::PrimaryKey},
	      {"signup_at", time_type, R::Time},
	      {"region", "text", R::Categorical},
	      {"age", "integer", R::Numerical},
	      {"last_seen", "timestamp without time zone", R::Timestamp}}},
	    {"orders",
	     "order_id",
	     "ordered_at",
	     {{"order_id", "bigint", R::PrimaryKey},
	      {"customer_id", "bigint", R::ForeignKey},
	      {"ordered_at", time_type, R::Time},
	      {"channel", "text", R::Categorical},
	      {"total", "numeric(12,2)", R::Numerical},
	      {"weight", "numeric", R::Categorical}}},
	    {"order_items",
	     "item_id",
	     "",
	     {{"item_id", "bigint", R::PrimaryKey},
	      {"order_id", "bigint", R::ForeignKey},
	      {"product_id", "bigint", R::ForeignKey},
	      {"quantity", "integer", R::Numerical}}},
	    {"products",
	     "product_id",
	     "",
	     {{"product_id", "bigint", R::PrimaryKey},
	      {"category", "text", R::Categorical},
	      {"price", "numeric(10,2)", R::Numerical}}},
	};
	return SchemaGraph("shop", tables,
	                   {{"orders", "customer_id", "customers"},
	                    {"order_items", "order_id", "orders"},
	                    {"order_items", "product_id", "products"}});
}

struct OrderRow {
	int64_t id;
	int64_t customer;
	int day; // < -1000: NULL time
	const char *channel;
	double total; // NaN: NULL
};

// Customers 1-3, orders of 1 (one after day 30, one of unknown time), 2 and 3, their items and two products.
RelGraph shop_graph(const SchemaGraph &schema) {
	GraphBuilder builder(schema, GraphBuildOptions{});
	auto &customers = builder.table("customers");
	// customer, signup day, region (empty: NULL), age (< 0: NULL), last seen day
	struct CustomerRow {
		int64_t id;
		int signup;
		const char *region;
		double age;
		int last_seen;
	};
	for (const CustomerRow &c : {CustomerRow{1, 0, "north", 30, 35}, CustomerRow{2, 5, "", -1, 3},
	                             CustomerRow{3, 50, "south", 41, 50}}) {
		customers.begin_row();
		customers.set_primary_key(c.id);
		customers.set_time(day(c.signup));
		if (*c.region) {
			customers.set_category(0, c.region);
		}
		if (c.age >= 0) {
			customers.set_number(1, c.age);
		}
		customers.set_number(2, double(day(c.last_seen)) / 1e6);
	}
	auto &orders = builder.table("orders");
	const double null = std::nan("");
	for (const OrderRow &o : {OrderRow{10, 1, 1, "web", 10.10}, OrderRow{11, 1, 20, "app", 20.20},
	                          OrderRow{12, 1, 28, "app", null}, OrderRow{13, 1, 40, "web", 5.00},
	                          OrderRow{14, 2, 10, "web", 7.50}, OrderRow{15, 1, -5000, "web", 100},
	                          OrderRow{17, 3, 20, "app", 1.00}}) {
		orders.begin_row();
		orders.set_primary_key(o.id);
		orders.set_foreign_key(0, o.customer);
		if (o.day > -1000) {
			orders.set_time(day(o.day));
		}
		orders.set_category(0, o.channel);
		if (!std::isnan(o.total)) {
			orders.set_number(1, o.total);
		}
	}
	auto &items = builder.table("order_items");
	for (const auto &[id, order, product, quantity] : std::vector<std::tuple<int64_t, int64_t, int64_t, double>>{
	         {100, 10, 1000, 2}, {101, 11, 1001, 1}, {102, 11, 1000, 3}, {103, 13, 1001, 5}}) {
		items.begin_row();
		items.set_primary_key(id);
		items.set_foreign_key(0, order);
		items.set_foreign_key(1, product);
		items.set_number(0, quantity);
	}
	auto &products = builder.table("products");
	for (const auto &[id, category, price] :
	     std::vector<std::tuple<int64_t, std::string, double>>{{1000, "toys", 3.50}, {1001, "home", 12.00}}) {
		products.begin_row();
		products.set_primary_key(id);
		products.set_category(0, category);
		products.set_number(1, price);
	}
	return builder.finish();
}

Feature feature(const std::string &name, Aggregate aggregate, const std::string &column = "", int window = -1,
                bool categorical = false) {
	Feature f;
	f.name = name;
	f.aggregate = aggregate;
	f.column = column;
	f.window = window;
	f.categorical = categorical;
	f.zero_if_missing = aggregate == Aggregate::Count;
	return f;
}

Hop backward(const std::string &table, const std::string &fk_column) {
	return {table, table, fk_column, true};
}

Hop forward(const std::string &table, const std::string &fk_table, const std::string &fk_column) {
	return {table, fk_table, fk_column, false};
}

// Customers as entities, windows of 7 and 21 days.
FeatureSpec customer_spec() {
	FeatureSpec spec;
	spec.schema = "shop";
	spec.entity_table = "customers";
	spec.entity_key = "customer_id";
	spec.window_days = {7, 21};
	spec.own.name = "customers";
	spec.own.features = {feature("region", Aggregate::Value, "region", -1, true),
	                     feature("age", Aggregate::Value, "age"),
	                     feature("age_days(signup_at)", Aggregate::AgeDays, "signup_at"),
	                     feature("age_days(last_seen)", Aggregate::AgeDays, "last_seen")};
	spec.own.features[0].vocab = {"south", "north"};
	FeaturePath orders{"orders", {backward("orders", "customer_id")}, true, {}};
	orders.features = {feature("days_since_last", Aggregate::DaysSinceLast),
	                   feature("days_since_first", Aggregate::DaysSinceFirst),
	                   feature("count.all", Aggregate::Count),
	                   feature("count.7d", Aggregate::Count, "", 0),
	                   feature("count.21d", Aggregate::Count, "", 1),
	                   feature("sum(total).all", Aggregate::Sum, "total"),
	                   feature("sum(total).7d", Aggregate::Sum, "total", 0),
	                   feature("mean(total).all", Aggregate::Mean, "total"),
	                   feature("min(total).all", Aggregate::Min, "total"),
	                   feature("max(total).all", Aggregate::Max, "total"),
	                   feature("stddev(total).all", Aggregate::Stddev, "total"),
	                   feature("mode(channel).all", Aggregate::Mode, "channel", -1, true),
	                   feature("count_distinct(channel).all", Aggregate::CountDistinct, "channel"),
	                   feature("share(channel=web).all", Aggregate::Share, "channel"),
	                   feature("share(channel=web).7d", Aggregate::Share, "channel", 0),
	                   feature("share(channel=phone).all", Aggregate::Share, "channel")};
	orders.features[11].vocab = {"web", "app"};
	orders.features[13].share_value = "web";
	orders.features[14].share_value = "web";
	orders.features[15].share_value = "phone";
	FeaturePath items{"orders.order_items",
	                  {backward("orders", "customer_id"), backward("order_items", "order_id")},
	                  true,
	                  {feature("count.all", Aggregate::Count), feature("count.7d", Aggregate::Count, "", 0),
	                   feature("count.21d", Aggregate::Count, "", 1),
	                   feature("sum(quantity).21d", Aggregate::Sum, "quantity", 1)}};
	FeaturePath products{"orders.order_items.products",
	                     {backward("orders", "customer_id"), backward("order_items", "order_id"),
	                      forward("products", "order_items", "product_id")},
	                     true,
	                     {feature("share(category=toys).all", Aggregate::Share, "category"),
	                      feature("mode(category).all", Aggregate::Mode, "category", -1, true),
	                      feature("count_distinct(category).all", Aggregate::CountDistinct, "category"),
	                      feature("mean(price).all", Aggregate::Mean, "price")}};
	products.features[0].share_value = "toys";
	products.features[1].vocab = {"home", "toys"};
	spec.paths = {orders, items, products};
	// Named as the planner names them: path, then feature.
	for (FeaturePath *path : {&spec.own, &spec.paths[0], &spec.paths[1], &spec.paths[2]}) {
		for (Feature &f : path->features) {
			f.name = path->name + "." + f.name;
		}
	}
	return spec;
}

// Codes of a column's dictionary ranked by the text order of their values (what SQL's ORDER BY gives for text).
std::vector<int32_t> text_order(const RelGraph &graph, const ComparedColumn &column, bool descending = false) {
	const std::vector<std::string> &dictionary = graph.tables[column.graph_table].columns[column.graph_column].dictionary;
	std::vector<int32_t> codes(dictionary.size());
	for (size_t i = 0; i < codes.size(); ++i) {
		codes[i] = int32_t(i);
	}
	std::sort(codes.begin(), codes.end(), [&](int32_t a, int32_t b) {
		return descending ? dictionary[a] > dictionary[b] : dictionary[a] < dictionary[b];
	});
	std::vector<int32_t> rank(codes.size());
	for (size_t position = 0; position < codes.size(); ++position) {
		rank[codes[position]] = int32_t(position);
	}
	return rank;
}

void order_values(GraphFeatureEvaluator &evaluator, const RelGraph &graph, bool descending = false) {
	for (size_t i = 0; i < evaluator.compared_columns().size(); ++i) {
		if (evaluator.compared_columns()[i].needs_order) {
			evaluator.set_value_order(i, text_order(graph, evaluator.compared_columns()[i], descending));
		}
	}
}

class GraphFeatureEvaluatorTest : public ::testing::Test {
protected:
	SchemaGraph schema = shop();
	RelGraph graph = shop_graph(schema);
	FeatureSpec spec = customer_spec();

	// The features of one customer observed at `obs` (seed time `seed`, default obs), named.
	std::map<std::string, float> features_of(int64_t customer, EpochMicros obs, EpochMicros seed = 0,
	                                         bool descending = false) {
		GraphFeatureEvaluator evaluator(spec, schema, graph, false);
		EXPECT_EQ(evaluator.unsupported_reason(), "");
		order_values(evaluator, graph, descending);
		GraphFeatureSeeds seeds;
		seeds.entity_rows = {int32_t(customer - 1)};
		seeds.obs_times = {obs};
		seeds.seed_times = {seed ? seed : obs};
		DenseMatrix matrix = evaluator.compute_all(seeds, 1, RunHooks{});
		EXPECT_EQ(matrix.cols, spec.feature_count());
		std::map<std::string, float> named;
		const std::vector<std::string> names = spec.feature_names();
		for (size_t c = 0; c < names.size(); ++c) {
			named[names[c]] = matrix.at(0, c);
		}
		return named;
	}
};

TEST_F(GraphFeatureEvaluatorTest, OwnColumnsAndDatePartsOfTheSeed) {
	auto f = features_of(1, day(30));
	EXPECT_EQ(f["customers.region"], 1.0f); // "north" is the vocabulary's second value
	EXPECT_EQ(f["customers.age"], 30.0f);
	EXPECT_EQ(f["customers.age_days(signup_at)"], 30.0f);
	EXPECT_TRUE(std::isnan(f["customers.age_days(last_seen)"])) << "seen on day 35, after the observation";
	// 2024-01-31 is a Wednesday.
	const std::vector<std::string> names = spec.feature_names();
	GraphFeatureEvaluator evaluator(spec, schema, graph, false);
	order_values(evaluator, graph);
	GraphFeatureSeeds seeds{{0, 1}, {day(30), -kDay / 2}, {day(30), day(30)}};
	DenseMatrix matrix = evaluator.compute_all(seeds, 1, RunHooks{});
	EXPECT_EQ(matrix.at(0, 4), 1.0f);  // month
	EXPECT_EQ(matrix.at(0, 5), 3.0f);  // ISO day of week
	EXPECT_EQ(matrix.at(1, 4), 12.0f); // 1969-12-31 12:00, a Wednesday
	EXPECT_EQ(matrix.at(1, 5), 3.0f);

	auto second = features_of(2, day(30));
	EXPECT_TRUE(std::isnan(second["customers.region"])) << "NULL region";
	EXPECT_TRUE(std::isnan(second["customers.age"]));
	EXPECT_EQ(second["customers.age_days(last_seen)"], 27.0f);
}

// The observation lag, as the own query computes it (seed time minus observation time, in days), comes after the
// date parts, whether or not the entity row is visible; paths end at the observation time.
TEST_F(GraphFeatureEvaluatorTest, ObservationLagInDays) {
	spec.observation_lag = true;
	auto late = features_of(1, day(30), day(30) + 10 * kDay + kDay / 4);
	EXPECT_EQ(late["seed.observation_lag_days"], 10.25f);
	EXPECT_EQ(late["customers.age"], 30.0f);
	EXPECT_EQ(late["orders.count.all"], features_of(1, day(30))["orders.count.all"]);
	EXPECT_EQ(features_of(1, day(30))["seed.observation_lag_days"], 0.0f);
	EXPECT_EQ(features_of(3, day(30), day(70))["seed.observation_lag_days"], 40.0f) << "entity row not visible";
}

TEST_F(GraphFeatureEvaluatorTest, AnEntityRowAfterTheObservationTimeIsNotSeen) {
	auto f = features_of(3, day(30));
	EXPECT_TRUE(std::isnan(f["customers.region"]));
	EXPECT_TRUE(std::isnan(f["customers.age"]));
	// Its order of day 20 is still joined: backward paths start from the seed's key, not the entity row.
	EXPECT_EQ(f["orders.count.all"], 1.0f);
}

TEST_F(GraphFeatureEvaluatorTest, AggregatesOverVisibleRowsAndWindows) {
	// Orders 10 (day 1, web, 10.10), 11 (day 20, app, 20.20), 12 (day 28, app, NULL) are visible at day 30;
	// 13 (day 40) and 15 (no time) are not.
	auto f = features_of(1, day(30));
	EXPECT_EQ(f["orders.days_since_last"], 2.0f);
	EXPECT_EQ(f["orders.days_since_first"], 29.0f);
	EXPECT_EQ(f["orders.count.all"], 3.0f);
	EXPECT_EQ(f["orders.count.7d"], 1.0f);
	EXPECT_EQ(f["orders.count.21d"], 2.0f);
	EXPECT_EQ(f["orders.sum(total).all"], 30.3f);
	EXPECT_TRUE(std::isnan(f["orders.sum(total).7d"])) << "the window's one order has no total";
	EXPECT_FLOAT_EQ(f["orders.mean(total).all"], 15.15f);
	EXPECT_EQ(f["orders.min(total).all"], 10.1f);
	EXPECT_EQ(f["orders.max(total).all"], 20.2f);
	EXPECT_NEAR(f["orders.stddev(total).all"], 5.05 * std::sqrt(2.0), 1e-5);
	EXPECT_EQ(f["orders.mode(channel).all"], 1.0f); // app, the vocabulary's second value
	EXPECT_EQ(f["orders.count_distinct(channel).all"], 2.0f);
	EXPECT_FLOAT_EQ(f["orders.share(channel=web).all"], 1.0f / 3.0f);
	EXPECT_EQ(f["orders.share(channel=web).7d"], 0.0f);
	EXPECT_EQ(f["orders.share(channel=phone).all"], 0.0f) << "a value no row holds";
}

TEST_F(GraphFeatureEvaluatorTest, PathsThroughStaticTablesUseTheLastTimedTablesTime) {
	// Items 100 (order 10, day 1, quantity 2), 101 and 102 (order 11, day 20, quantities 1 and 3); item 103
	// belongs to order 13 (day 40).
	auto f = features_of(1, day(30));
	EXPECT_EQ(f["orders.order_items.count.all"], 3.0f);
	EXPECT_EQ(f["orders.order_items.count.7d"], 0.0f);
	EXPECT_EQ(f["orders.order_items.count.21d"], 2.0f);
	EXPECT_EQ(f["orders.order_items.sum(quantity).21d"], 4.0f);
	// Their products: toys (3.50), home (12.00), toys.
	EXPECT_FLOAT_EQ(f["orders.order_items.products.share(category=toys).all"], 2.0f / 3.0f);
	EXPECT_EQ(f["orders.order_items.products.mode(category).all"], 1.0f);
	EXPECT_EQ(f["orders.order_items.products.count_distinct(category).all"], 2.0f);
	EXPECT_FLOAT_EQ(f["orders.order_items.products.mean(price).all"], 19.0f / 3.0f);
}

TEST_F(GraphFeatureEvaluatorTest, WithoutRowsCountsAreZeroAndTheRestMissing) {
	auto f = features_of(2, day(8)); // order 14 comes on day 10
	EXPECT_EQ(f["orders.count.all"], 0.0f);
	EXPECT_EQ(f["orders.count.7d"], 0.0f);
	EXPECT_TRUE(std::isnan(f["orders.days_since_last"]));
	EXPECT_TRUE(std::isnan(f["orders.count_distinct(channel).all"]));
	EXPECT_TRUE(std::isnan(f["orders.mode(channel).all"]));
	EXPECT_TRUE(std::isnan(f["orders.share(channel=web).all"]));
	EXPECT_EQ(f["orders.order_items.count.all"], 0.0f);
}

TEST_F(GraphFeatureEvaluatorTest, ModeTiesGoToTheValueSqlSortsFirst) {
	// At day 21: one web and one app order.
	EXPECT_EQ(features_of(1, day(21))["orders.mode(channel).all"], 1.0f) << "app sorts before web";
	EXPECT_EQ(features_of(1, day(21), 0, true)["orders.mode(channel).all"], 0.0f) << "web first in that order";
}

TEST_F(GraphFeatureEvaluatorTest, ForwardPathsReadTheParentRowWhenVisible) {
	FeatureSpec orders;
	orders.schema = "shop";
	orders.entity_table = "orders";
	orders.entity_key = "order_id";
	orders.seed_date_parts = false;
	orders.own.name = "orders";
	orders.own.features = {feature("age_days(ordered_at)", Aggregate::AgeDays, "ordered_at")};
	FeaturePath customer{"customers",
	                     {forward("customers", "orders", "customer_id")},
	                     false,
	                     {feature("customers.region", Aggregate::Value, "region", -1, true),
	                      feature("customers.age", Aggregate::Value, "age"),
	                      feature("customers.age_days(signup_at)", Aggregate::AgeDays, "signup_at")}};
	customer.features[0].vocab = {"north"};
	orders.paths = {customer};
	GraphFeatureEvaluator evaluator(orders, schema, graph, false);
	ASSERT_EQ(evaluator.unsupported_reason(), "");
	// Order 11 (customer 1) at day 30; order 13 (day 40) at day 30; order 17 (customer 3, who signs up on day
	// 50) at day 30, and at day 60.
	GraphFeatureSeeds seeds{{1, 3, 6, 6}, {day(30), day(30), day(30), day(60)}, {day(30), day(30), day(30), day(60)}};
	DenseMatrix m = evaluator.compute_all(seeds, 2, RunHooks{});
	EXPECT_EQ(m.at(0, 0), 10.0f);
	EXPECT_EQ(m.at(0, 1), 0.0f); // north
	EXPECT_EQ(m.at(0, 2), 30.0f);
	for (size_t c = 0; c < 4; ++c) {
		EXPECT_TRUE(std::isnan(m.at(1, c))) << "an order after the observation time, column " << c;
	}
	EXPECT_EQ(m.at(2, 0), 10.0f);
	EXPECT_TRUE(std::isnan(m.at(2, 1))) << "its customer is not visible yet";
	EXPECT_EQ(m.at(3, 1), 1.0f) << "south is not in the vocabulary: the unseen code";
	EXPECT_EQ(m.at(3, 2), 41.0f);
	EXPECT_EQ(m.at(0, 3), 30.0f) << "the parent's own time column, in days";
	EXPECT_EQ(m.at(3, 3), 10.0f);
}

TEST_F(GraphFeatureEvaluatorTest, ThreadsComputeTheSameMatrix) {
	GraphFeatureEvaluator evaluator(spec, schema, graph, false);
	order_values(evaluator, graph);
	GraphFeatureSeeds seeds;
	for (int i = 0; i < 9000; ++i) {
		seeds.entity_rows.push_back(i % 3);
		seeds.obs_times.push_back(day(i % 60));
		seeds.seed_times.push_back(day(i % 60));
	}
	DenseMatrix one = evaluator.compute_all(seeds, 1, RunHooks{});
	DenseMatrix three = evaluator.compute_all(seeds, 3, RunHooks{});
	ASSERT_EQ(one.values.size(), three.values.size());
	for (size_t i = 0; i < one.values.size(); ++i) {
		ASSERT_TRUE(one.values[i] == three.values[i] || (std::isnan(one.values[i]) && std::isnan(three.values[i])));
	}
	int polls = 0;
	RunHooks counting;
	counting.check_interrupt = [&] {
		if (++polls == 2) {
			throw CanceledError("canceling statement due to user request");
		}
	};
	EXPECT_THROW(evaluator.compute_all(seeds, 2, counting), CanceledError) << "polled between chunks";
}

TEST_F(GraphFeatureEvaluatorTest, RefusesWhatTheGraphCannotComputeAsSql) {
	FeatureSpec distinct_numbers = spec;
	distinct_numbers.paths[0].features.push_back(
	    feature("count_distinct(weight).all", Aggregate::CountDistinct, "weight"));
	GraphFeatureEvaluator numeric(distinct_numbers, schema, graph, false);
	EXPECT_NE(numeric.unsupported_reason().find("count_distinct(weight)"), std::string::npos)
	    << "numeric values equal as numbers may differ as text: " << numeric.unsupported_reason();

	SchemaGraph zoned = shop("timestamp with time zone");
	RelGraph zoned_graph = shop_graph(zoned);
	GraphFeatureEvaluator local(spec, zoned, zoned_graph, false);
	EXPECT_NE(local.unsupported_reason().find("customers.signup_at"), std::string::npos) << local.unsupported_reason();
	GraphFeatureEvaluator utc(spec, zoned, zoned_graph, true);
	EXPECT_EQ(utc.unsupported_reason(), "");

	GraphBuilder infinite(schema, GraphBuildOptions{});
	infinite.table("customers").begin_row();
	infinite.table("customers").set_primary_key(int64_t(1));
	infinite.table("customers").set_number(1, std::numeric_limits<double>::infinity());
	const RelGraph infinite_graph = infinite.finish();
	EXPECT_EQ(infinite_graph.tables[0].columns[1].non_finite, 1u);
	EXPECT_TRUE(std::isnan(infinite_graph.tables[0].columns[1].numbers[0])) << "held as missing";
	GraphFeatureEvaluator propagating(spec, schema, infinite_graph, false);
	EXPECT_NE(propagating.unsupported_reason().find("customers.age holds 1 NaN or infinite"), std::string::npos)
	    << propagating.unsupported_reason();

	FeatureSpec missing = spec;
	missing.paths[0].features[5].column = "discount";
	GraphFeatureEvaluator unknown(missing, schema, graph, false);
	EXPECT_NE(unknown.unsupported_reason().find("orders.discount"), std::string::npos) << unknown.unsupported_reason();
	EXPECT_THROW(unknown.compute_all(GraphFeatureSeeds{{0}, {day(1)}, {day(1)}}, 1, RunHooks{}), InternalError);
}

} // namespace
} // namespace relml
