#include "common/error.hpp"
#include "graph/graph_builder.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace relml {
namespace {

using R = ColumnRole;

SchemaGraph shop_schema() {
	return SchemaGraph("shop", testing::orders_with_every_role(),
	                   {{"orders", "user_id", "users"}, {"orders", "sku", "items"}});
}

// Feature column positions in the orders layout (schema order of the feature roles).
enum OrderColumn : size_t { kAmount, kNote, kChannel, kGift, kShipped };
enum OrderSlot : size_t { kUserSlot, kSkuSlot };

struct Order {
	int64_t id;
	int64_t user; // < 0: NULL
	std::string sku;
	EpochMicros time;
};

void add_users(GraphBuilder &builder, const std::vector<int64_t> &ids) {
	auto &users = builder.table("users");
	for (int64_t id : ids) {
		users.begin_row();
		users.set_primary_key(id);
		users.set_category(0, id % 2 == 0 ? "fr" : "de");
	}
}

void add_items(GraphBuilder &builder, const std::vector<std::string> &skus) {
	auto &items = builder.table("items");
	for (auto &sku : skus) {
		items.begin_row();
		items.set_primary_key(sku);
		items.set_number(0, 9.5);
	}
}

void add_orders(GraphBuilder &builder, const std::vector<Order> &orders) {
	auto &table = builder.table("orders");
	for (auto &order : orders) {
		table.begin_row();
		table.set_primary_key(order.id);
		if (order.user >= 0) {
			table.set_foreign_key(kUserSlot, order.user);
		}
		if (!order.sku.empty()) {
			table.set_foreign_key(kSkuSlot, order.sku);
		}
		if (order.time != kUnknownTime) {
			table.set_time(order.time);
		}
	}
}

const Adjacency &adjacency(const RelGraph &graph, const std::string &name) {
	for (auto &a : graph.adjacencies) {
		if (a.name == name) {
			return a;
		}
	}
	throw NotFoundError("no adjacency " + name);
}

std::vector<int32_t> neighbors(const Adjacency &a, int32_t row) {
	return std::vector<int32_t>(a.neighbors.begin() + a.offsets[row], a.neighbors.begin() + a.offsets[row + 1]);
}

bool contains(const std::string &text, const std::string &part) {
	return text.find(part) != std::string::npos;
}

TEST(GraphBuilderTest, LayoutsFollowTheSchemaRoles) {
	GraphBuilder builder(shop_schema(), {});
	const auto &layouts = builder.layouts();
	ASSERT_EQ(layouts.size(), 3u);
	const TableLayout &orders = layouts[2];
	EXPECT_EQ(orders.table, "orders");
	EXPECT_EQ(orders.primary_key, "order_id");
	EXPECT_EQ(orders.time_column, "ordered_at");
	EXPECT_EQ(orders.foreign_keys, (std::vector<std::string>{"user_id", "sku"}));
	std::vector<std::string> features;
	for (auto &c : orders.feature_columns) {
		features.push_back(c.name);
	}
	EXPECT_EQ(features, (std::vector<std::string>{"amount", "note", "channel", "gift", "shipped"}));
	EXPECT_TRUE(layouts[0].time_column.empty());
	EXPECT_TRUE(layouts[0].foreign_keys.empty());

	RelGraph graph = builder.finish();
	const GraphTable &table = graph.tables[graph.table_index("orders")];
	ASSERT_EQ(table.columns.size(), 5u);
	EXPECT_EQ(table.columns[kAmount].kind, GraphColumnKind::Numerical);
	EXPECT_EQ(table.columns[kNote].kind, GraphColumnKind::Text);
	EXPECT_EQ(table.columns[kChannel].kind, GraphColumnKind::Categorical);
	EXPECT_EQ(table.columns[kGift].kind, GraphColumnKind::Boolean);
	EXPECT_EQ(table.columns[kShipped].kind, GraphColumnKind::Timestamp);
	EXPECT_EQ(table.find_column("internal_code"), nullptr);
	EXPECT_EQ(table.find_column("user_id"), nullptr);
}

TEST(GraphBuilderTest, ForeignKeysResolveIntegerAndTextKeysBothWays) {
	GraphBuilder builder(shop_schema(), {});
	// Orders first: keys resolve at finish(), whatever order the tables came in.
	add_orders(builder, {{100, 2, "b", 10}, {101, 1, "a", 20}, {102, 2, "a", 30}});
	add_users(builder, {1, 2});
	add_items(builder, {"a", "b"});
	RelGraph graph = builder.finish();

	ASSERT_EQ(graph.adjacencies.size(), 4u);
	const Adjacency &to_user = graph.adjacencies[0];
	const Adjacency &user_orders = graph.adjacencies[1];
	EXPECT_EQ(to_user.name, "orders.user_id");
	EXPECT_EQ(user_orders.name, "orders.user_id (reverse)");
	EXPECT_EQ(graph.adjacencies[2].name, "orders.sku");
	EXPECT_EQ(graph.adjacencies[3].name, "orders.sku (reverse)");
	EXPECT_FALSE(to_user.reverse);
	EXPECT_TRUE(user_orders.reverse);
	EXPECT_EQ(to_user.from_table, graph.table_index("orders"));
	EXPECT_EQ(to_user.to_table, graph.table_index("users"));
	EXPECT_EQ(user_orders.from_table, graph.table_index("users"));
	EXPECT_EQ(user_orders.to_table, graph.table_index("orders"));
	EXPECT_EQ(user_orders.fk_table, "orders");
	EXPECT_EQ(user_orders.fk_column, "user_id");

	// users: row 0 is id 1, row 1 is id 2.
	EXPECT_EQ(neighbors(to_user, 0), std::vector<int32_t>{1});
	EXPECT_EQ(neighbors(to_user, 1), std::vector<int32_t>{0});
	EXPECT_EQ(neighbors(user_orders, 0), std::vector<int32_t>{1});
	EXPECT_EQ(neighbors(user_orders, 1), (std::vector<int32_t>{0, 2}));
	const Adjacency &to_item = adjacency(graph, "orders.sku");
	const Adjacency &item_orders = adjacency(graph, "orders.sku (reverse)");
	EXPECT_EQ(neighbors(to_item, 0), std::vector<int32_t>{1});
	EXPECT_EQ(neighbors(to_item, 1), std::vector<int32_t>{0});
	EXPECT_EQ(neighbors(item_orders, 0), (std::vector<int32_t>{1, 2}));
	EXPECT_EQ(neighbors(item_orders, 1), std::vector<int32_t>{0});
	// Static parents are always in the past.
	EXPECT_EQ(to_user.neighbor_times[0], std::numeric_limits<EpochMicros>::min());
	EXPECT_EQ(user_orders.neighbor_times, (std::vector<EpochMicros>{20, 10, 30}));

	EXPECT_EQ(graph.node_count(), 7u);
	EXPECT_EQ(graph.edge_count(), 12u);
	EXPECT_EQ(graph.adjacencies_from(graph.table_index("orders")), (std::vector<int>{0, 2}));
	EXPECT_EQ(graph.adjacencies_from(graph.table_index("users")), std::vector<int>{1});
	EXPECT_GT(graph.memory_bytes(), 0u);
}

TEST(GraphBuilderTest, DanglingAndNullForeignKeysGiveNoEdge) {
	GraphBuilder builder(shop_schema(), {});
	add_users(builder, {1});
	add_items(builder, {"a"});
	add_orders(builder, {{100, 7, "zz", 10}, {101, -1, "", 20}, {102, 1, "a", 30}});
	RelGraph graph = builder.finish();
	const Adjacency &to_user = adjacency(graph, "orders.user_id");
	EXPECT_EQ(to_user.degree(0), 0);
	EXPECT_EQ(to_user.degree(1), 0);
	EXPECT_EQ(to_user.degree(2), 1);
	EXPECT_EQ(neighbors(adjacency(graph, "orders.user_id (reverse)"), 0), std::vector<int32_t>{2});
	EXPECT_EQ(adjacency(graph, "orders.sku").neighbors, std::vector<int32_t>{0});
	EXPECT_EQ(adjacency(graph, "orders.sku (reverse)").neighbors, std::vector<int32_t>{2});
}

// A graph extended with rows is the graph one load of all the rows would build: same rows, columns, edges and
// neighbour order, with categories coded in first-seen order.
void expect_same_graph(const RelGraph &a, const RelGraph &b) {
	ASSERT_EQ(a.tables.size(), b.tables.size());
	for (size_t t = 0; t < a.tables.size(); ++t) {
		EXPECT_EQ(a.tables[t].rows, b.tables[t].rows) << a.tables[t].name;
		EXPECT_EQ(a.tables[t].times, b.tables[t].times) << a.tables[t].name;
		ASSERT_EQ(a.tables[t].columns.size(), b.tables[t].columns.size());
		for (size_t c = 0; c < a.tables[t].columns.size(); ++c) {
			const GraphColumn &x = a.tables[t].columns[c];
			const GraphColumn &y = b.tables[t].columns[c];
			EXPECT_EQ(x.codes, y.codes) << x.name;
			EXPECT_EQ(x.dictionary, y.dictionary) << x.name;
			EXPECT_EQ(x.numbers.size(), y.numbers.size()) << x.name;
			EXPECT_EQ(x.non_finite, y.non_finite) << x.name;
		}
	}
	ASSERT_EQ(a.adjacencies.size(), b.adjacencies.size());
	for (size_t i = 0; i < a.adjacencies.size(); ++i) {
		EXPECT_EQ(a.adjacencies[i].offsets, b.adjacencies[i].offsets) << a.adjacencies[i].name;
		EXPECT_EQ(a.adjacencies[i].neighbors, b.adjacencies[i].neighbors) << a.adjacencies[i].name;
		EXPECT_EQ(a.adjacencies[i].neighbor_times, b.adjacencies[i].neighbor_times) << a.adjacencies[i].name;
		EXPECT_EQ(a.adjacencies[i].unresolved, b.adjacencies[i].unresolved) << a.adjacencies[i].name;
	}
}

// The shop graph of these rows, built in one load; `keys` receives its keys when given.
RelGraph shop_graph(const std::vector<int64_t> &users, const std::vector<std::string> &items,
                    const std::vector<Order> &orders, std::vector<TableKeys> *keys = nullptr) {
	GraphBuilder builder(shop_schema(), {});
	add_users(builder, users);
	add_items(builder, items);
	add_orders(builder, orders);
	return builder.finish(keys);
}

TEST(GraphBuilderTest, AnExtendedGraphIsTheGraphOfAllItsRows) {
	const std::vector<Order> first = {{100, 1, "a", 30}, {101, 2, "b", 10}, {102, -1, "", 20}};
	const std::vector<Order> appended = {{103, 2, "a", 5}, {104, 1, "c", 40}};
	std::vector<Order> all = first;
	all.insert(all.end(), appended.begin(), appended.end());
	const RelGraph expected = shop_graph({1, 2, 3}, {"a", "b", "c"}, all);
	std::vector<TableKeys> keys;
	RelGraph graph = shop_graph({1, 2}, {"a", "b"}, first, &keys);
	ASSERT_EQ(keys.size(), 3u);
	EXPECT_EQ(keys[graph.table_index("users")].integers.find(2), 1);
	for (const char *table : {"users", "items", "orders"}) {
		EXPECT_TRUE(GraphBuilder::can_append(graph, graph.table_index(table))) << table;
	}
	GraphBuilder extending(shop_schema(), {}, std::move(graph), std::move(keys));
	EXPECT_TRUE(extending.table("users").has_key(int64_t(2)));
	EXPECT_FALSE(extending.table("users").has_key(int64_t(3)));
	add_users(extending, {3});
	add_items(extending, {"c"});
	add_orders(extending, appended);
	expect_same_graph(extending.finish(), expected);
}

// A primary key held twice is bad input that names the table, the column and the value, integer or text.
TEST(GraphBuilderTest, DuplicateKeysAreRefusedByName) {
	GraphBuilder integers(shop_schema(), {});
	try {
		add_users(integers, {1, 2, 1});
		FAIL() << "a duplicate integer key was accepted";
	} catch (const InvalidInputError &error) {
		EXPECT_EQ(std::string(error.what()), "primary key column \"id\" of table \"users\" holds the value 1 twice; "
		                                     "relml links rows through unique keys");
	}
	GraphBuilder texts(shop_schema(), {});
	try {
		add_items(texts, {"a", "b", "b"});
		FAIL() << "a duplicate text key was accepted";
	} catch (const InvalidInputError &error) {
		EXPECT_EQ(std::string(error.what()), "primary key column \"sku\" of table \"items\" holds the value \"b\" "
		                                     "twice; relml links rows through unique keys");
	}
}

// Reserving is a hint: the graph is the same with a close, a short or an absurd estimate, and an estimate past
// the memory budget reserves no more than the budget allows.
TEST(GraphBuilderTest, ReservedRowsChangeNothingButCapacity) {
	const std::vector<Order> orders = {{100, 1, "a", 30}, {101, 2, "b", 10}, {102, -1, "", 20}};
	const RelGraph expected = shop_graph({1, 2}, {"a", "b"}, orders);
	for (size_t estimate : {size_t(0), size_t(2), size_t(1000), size_t(1) << 40}) {
		GraphBuilder builder(shop_schema(), {1 << 20, "relml.max_graph_memory"});
		for (const char *table : {"users", "items", "orders"}) {
			builder.table(table).reserve(estimate);
		}
		add_users(builder, {1, 2});
		add_items(builder, {"a", "b"});
		add_orders(builder, orders);
		expect_same_graph(builder.finish(), expected);
	}
}

// Foreign keys whose child table gained no rows keep their adjacencies; new parents start with no children.
TEST(GraphBuilderTest, AppendingParentsOnlyKeepsTheChildrensEdges) {
	const std::vector<Order> orders = {{100, 1, "a", 30}, {101, 2, "b", 10}};
	const RelGraph expected = shop_graph({1, 2, 3, 4}, {"a", "b"}, orders);
	std::vector<TableKeys> keys;
	RelGraph graph = shop_graph({1, 2}, {"a", "b"}, orders, &keys);
	GraphBuilder extending(shop_schema(), {}, std::move(graph), std::move(keys));
	add_users(extending, {3, 4});
	const RelGraph extended = extending.finish();
	expect_same_graph(extended, expected);
	EXPECT_EQ(adjacency(extended, "orders.user_id (reverse)").degree(3), 0);
}

// A child whose key matched no row might name a row appended later: its table refuses appends, others do not.
TEST(GraphBuilderTest, DanglingKeysForbidAppendingTheirParents) {
	std::vector<TableKeys> keys;
	RelGraph graph = shop_graph({1}, {"a"}, {{100, 7, "a", 10}, {101, -1, "", 20}}, &keys);
	EXPECT_EQ(adjacency(graph, "orders.user_id").unresolved, 1u);
	EXPECT_EQ(adjacency(graph, "orders.sku").unresolved, 0u);
	EXPECT_FALSE(GraphBuilder::can_append(graph, graph.table_index("users")));
	EXPECT_TRUE(GraphBuilder::can_append(graph, graph.table_index("items")));
	EXPECT_TRUE(GraphBuilder::can_append(graph, graph.table_index("orders")));
	// Extended with more orders, the dangling child still counts.
	GraphBuilder extending(shop_schema(), {}, std::move(graph), std::move(keys));
	add_orders(extending, {{102, 1, "a", 30}});
	RelGraph extended = extending.finish();
	EXPECT_EQ(adjacency(extended, "orders.user_id").unresolved, 1u);
	EXPECT_EQ(neighbors(adjacency(extended, "orders.user_id (reverse)"), 0), std::vector<int32_t>{2});
}

TEST(GraphBuilderTest, KeysOfAnotherTypeDoNotMatch) {
	GraphBuilder builder(shop_schema(), {});
	add_users(builder, {1});
	auto &orders = builder.table("orders");
	orders.begin_row();
	orders.set_foreign_key(kUserSlot, "1");
	RelGraph graph = builder.finish();
	EXPECT_EQ(adjacency(graph, "orders.user_id").neighbors.size(), 0u);
}

TEST(GraphBuilderTest, ChildrenAreSortedByTimeThenRowAndUnknownTimesComeLast) {
	GraphBuilder builder(shop_schema(), {});
	add_users(builder, {1});
	add_orders(builder, {{1, 1, "", 50},
	                     {2, 1, "", kUnknownTime},
	                     {3, 1, "", 10},
	                     {4, 1, "", 50},
	                     {5, 1, "", 30},
	                     {6, 1, "", 10}});
	RelGraph graph = builder.finish();
	const Adjacency &user_orders = adjacency(graph, "orders.user_id (reverse)");
	EXPECT_EQ(neighbors(user_orders, 0), (std::vector<int32_t>{2, 5, 4, 0, 3, 1}));
	EXPECT_EQ(user_orders.neighbor_times, (std::vector<EpochMicros>{10, 10, 30, 50, 50, kUnknownTime}));
	EXPECT_EQ(user_orders.eligible_count(0, 9), 0);
	EXPECT_EQ(user_orders.eligible_count(0, 10), 2);
	EXPECT_EQ(user_orders.eligible_count(0, 49), 3);
	EXPECT_EQ(user_orders.eligible_count(0, 50), 5);
	// No limit at all still leaves out the row of unknown time.
	EXPECT_EQ(user_orders.eligible_count(0, kUnknownTime), 5);
	const GraphTable &orders = graph.tables[graph.table_index("orders")];
	EXPECT_TRUE(orders.has_time());
	EXPECT_EQ(orders.time_of(1), kUnknownTime);
	EXPECT_EQ(orders.time_of(2), 10);
	EXPECT_EQ(graph.tables[graph.table_index("users")].time_of(0), std::numeric_limits<EpochMicros>::min());
}

TEST(GraphBuilderTest, ForwardEdgeToARowOfUnknownTimeIsNeverEligible) {
	std::vector<Table> tables = {
	    {"races", "id", "date", {{"id", "bigint", R::PrimaryKey}, {"date", "date", R::Time}}},
	    {"results",
	     "id",
	     "date",
	     {{"id", "bigint", R::PrimaryKey}, {"race", "bigint", R::ForeignKey}, {"date", "date", R::Time}}}};
	GraphBuilder builder(SchemaGraph("f1", tables, {{"results", "race", "races"}}), {});
	auto &races = builder.table("races");
	races.begin_row();
	races.set_primary_key(int64_t{1});
	auto &results = builder.table("results");
	results.begin_row();
	results.set_primary_key(int64_t{1});
	results.set_foreign_key(0, int64_t{1});
	results.set_time(5);
	RelGraph graph = builder.finish();
	const Adjacency &to_race = adjacency(graph, "results.race");
	EXPECT_EQ(to_race.degree(0), 1);
	EXPECT_EQ(to_race.neighbor_times[0], kUnknownTime);
	EXPECT_EQ(to_race.eligible_count(0, std::numeric_limits<EpochMicros>::max()), 0);
}

TEST(GraphBuilderTest, ColumnsHoldValuesAndMissingCells) {
	GraphBuilder builder(shop_schema(), {});
	auto &orders = builder.table("orders");
	orders.begin_row();
	orders.set_number(kAmount, 12.5);
	orders.set_text(kNote, "Hello, WORLD!");
	orders.set_category(kChannel, "web");
	orders.set_number(kGift, 1);
	orders.set_number(kShipped, 1.7e9);
	orders.begin_row();
	orders.set_category(kChannel, "store");
	orders.begin_row();
	orders.set_category(kChannel, "web");
	orders.set_text(kNote, "first draft");
	orders.set_text(kNote, "hello");
	EXPECT_EQ(orders.rows(), 3u);
	RelGraph graph = builder.finish();
	const GraphTable &table = graph.tables[graph.table_index("orders")];
	EXPECT_EQ(table.rows, 3u);
	const GraphColumn &amount = table.columns[kAmount];
	ASSERT_EQ(amount.numbers.size(), 3u);
	EXPECT_EQ(amount.numbers[0], 12.5);
	EXPECT_TRUE(std::isnan(amount.numbers[1]));
	EXPECT_TRUE(amount.codes.empty());
	EXPECT_EQ(table.columns[kGift].numbers[0], 1.0);
	EXPECT_EQ(table.columns[kShipped].numbers[0], 1.7e9);
	const GraphColumn &channel = table.columns[kChannel];
	EXPECT_EQ(channel.dictionary, (std::vector<std::string>{"web", "store"}));
	EXPECT_EQ(channel.codes, (std::vector<int32_t>{0, 1, 0}));
	const GraphColumn &note = table.columns[kNote];
	EXPECT_EQ(note.token_offsets, (std::vector<uint32_t>{0, 2, 2, 3}));
	EXPECT_EQ(note.token_hashes, (std::vector<uint32_t>{0x4f9f2cab, 0x37a3e893, 0x4f9f2cab}));
	EXPECT_EQ(note.text_present, (std::vector<uint8_t>{1, 0, 1}));
	// Rows whose time is never set are of unknown time.
	EXPECT_EQ(table.times, (std::vector<EpochMicros>{kUnknownTime, kUnknownTime, kUnknownTime}));
	EXPECT_GT(note.memory_bytes(), 0u);
}

TEST(GraphBuilderTest, HashTokensSplitsOnNonAlphanumericsAndIgnoresCase) {
	EXPECT_EQ(hash_tokens("Hello, world"), (std::vector<uint32_t>{0x4f9f2cab, 0x37a3e893}));
	EXPECT_EQ(hash_tokens("  HELLO--"), std::vector<uint32_t>{0x4f9f2cab});
	EXPECT_EQ(hash_tokens("f1 a"), (std::vector<uint32_t>{0x14226d78, 0xe40c292c}));
	EXPECT_EQ(hash_tokens("caf\xc3\xa9"), hash_tokens("caf"));
	EXPECT_TRUE(hash_tokens("").empty());
	EXPECT_TRUE(hash_tokens(" ,.;").empty());
}

TEST(GraphBuilderTest, MemoryBudgetNamesTheTableAndTheSetting) {
	GraphBuildOptions options;
	options.memory_budget_bytes = 64 * 1024;
	GraphBuilder builder(shop_schema(), options);
	add_users(builder, {1, 2, 3});
	auto &orders = builder.table("orders");
	try {
		for (int64_t id = 0; id < 100000; ++id) {
			orders.begin_row();
			orders.set_primary_key(id);
		}
		FAIL() << "expected ResourceError";
	} catch (const ResourceError &e) {
		std::string message = e.what();
		EXPECT_TRUE(contains(message, "relml.max_graph_memory (64 kB)")) << message;
		EXPECT_TRUE(contains(message, "while loading table \"orders\"")) << message;
		EXPECT_TRUE(contains(message, "raise the setting")) << message;
	}
	EXPECT_GT(builder.memory_bytes(), options.memory_budget_bytes);
	EXPECT_LT(orders.rows(), 10000u);
}

TEST(GraphBuilderTest, MemoryBudgetCountsTheAdjacencies) {
	auto load = [](GraphBuilder &builder) {
		add_users(builder, {1, 2, 3});
		add_items(builder, {"a"});
		std::vector<Order> orders;
		for (int64_t id = 0; id < 1000; ++id) {
			orders.push_back({id, 1 + id % 3, "a", id});
		}
		add_orders(builder, orders);
	};
	GraphBuilder unbounded(shop_schema(), {});
	load(unbounded);
	size_t loaded_bytes = unbounded.memory_bytes();
	EXPECT_GT(loaded_bytes, 1000u * 3 * sizeof(int64_t));
	RelGraph graph = unbounded.finish();
	EXPECT_GT(unbounded.memory_bytes(), loaded_bytes);

	GraphBuildOptions options;
	options.memory_budget_bytes = loaded_bytes + 1;
	options.budget_setting = "test.budget";
	GraphBuilder bounded(shop_schema(), options);
	load(bounded);
	try {
		bounded.finish();
		FAIL() << "expected ResourceError";
	} catch (const ResourceError &e) {
		std::string message = e.what();
		EXPECT_TRUE(contains(message, "exceeds test.budget (" + std::to_string(loaded_bytes + 1) + " bytes)"))
		    << message;
		EXPECT_TRUE(contains(message, "while linking foreign key orders.user_id")) << message;
	}
}

TEST(GraphBuilderTest, MisuseIsReported) {
	GraphBuilder builder(shop_schema(), {});
	EXPECT_THROW(builder.table("payments"), NotFoundError);
	auto &users = builder.table("users");
	EXPECT_THROW(users.set_primary_key(int64_t{1}), InternalError);
	users.begin_row();
	users.set_primary_key(int64_t{1});
	EXPECT_THROW(users.set_time(5), InternalError);
	EXPECT_THROW(users.set_number(0, 1.0), InternalError);
	EXPECT_THROW(users.set_category(3, "x"), InternalError);
	EXPECT_THROW(users.set_foreign_key(0, int64_t{1}), InternalError);
	users.begin_row();
	try {
		users.set_primary_key(int64_t{1});
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &e) {
		EXPECT_TRUE(contains(e.what(), "\"id\" of table \"users\"")) << e.what();
	}
	builder.finish();
	EXPECT_THROW(builder.finish(), InternalError);
	EXPECT_THROW(builder.table("users"), InternalError);
}

TEST(RelGraphTest, TableLookup) {
	GraphBuilder builder(shop_schema(), {});
	RelGraph graph = builder.finish();
	EXPECT_EQ(graph.table_index("items"), 1);
	EXPECT_EQ(graph.find_table("items"), 1);
	EXPECT_EQ(graph.find_table("payments"), -1);
	try {
		graph.table_index("payments");
		FAIL() << "expected NotFoundError";
	} catch (const NotFoundError &e) {
		EXPECT_TRUE(contains(e.what(), "\"payments\"")) << e.what();
	}
}

} // namespace
} // namespace relml
