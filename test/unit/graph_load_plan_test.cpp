#include "graph/graph_builder.hpp"
#include "graph/graph_load_plan.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relml {
namespace {

using R = ColumnRole;

// orders_with_every_role, orders with a smallint flag besides; stores has integer keys but visits points at
// them with text, so both compare as text; notes has neither key nor feature.
SchemaGraph load_schema() {
	std::vector<Table> tables = testing::orders_with_every_role();
	tables[2].columns.push_back({"flag", "smallint", R::Boolean});
	tables.push_back({"stores", "code", "", {{"code", "integer", R::PrimaryKey}}});
	tables.push_back({"visits", "", "", {{"store", "text", R::ForeignKey}}});
	tables.push_back({"notes", "", "", {{"body", "text", R::Ignored}}});
	return SchemaGraph("shop", tables,
	                   {{"orders", "user_id", "users"}, {"orders", "sku", "items"}, {"visits", "store", "stores"}});
}

std::vector<TableLoadPlan> plans_of(const SchemaGraph &schema) {
	return plan_graph_load(schema, GraphBuilder(schema, {}).layouts());
}

TEST(GraphLoadPlanTest, OnePlanPerTableInSchemaOrder) {
	SchemaGraph schema = load_schema();
	std::vector<TableLoadPlan> plans = plans_of(schema);
	ASSERT_EQ(plans.size(), schema.tables().size());
	for (size_t t = 0; t < plans.size(); ++t) {
		const std::string from = " FROM \"shop\".\"" + schema.tables()[t].name + "\"";
		EXPECT_EQ(plans[t].sql.substr(plans[t].sql.size() - from.size()), from) << plans[t].sql;
	}
}

// Keys, then foreign keys in slot order, the time, and the features in column order; ignored columns never.
TEST(GraphLoadPlanTest, SelectListFollowsTheLayout) {
	const TableLoadPlan orders = plans_of(load_schema())[2];
	EXPECT_EQ(orders.sql, "SELECT (\"order_id\")::int8, (\"user_id\")::int8, (\"sku\")::text, "
	                      "(\"ordered_at\")::timestamp, (\"amount\")::float8, (\"note\")::text, (\"channel\")::text, "
	                      "(\"gift\")::int::float8, extract(epoch FROM (\"shipped\")::timestamp)::float8, "
	                      "(\"flag\")::float8 FROM \"shop\".\"orders\"");
	const std::vector<LoadSlot> slots = {LoadSlot::PrimaryKey, LoadSlot::ForeignKey, LoadSlot::ForeignKey,
	                                     LoadSlot::Time,       LoadSlot::Number,     LoadSlot::Text,
	                                     LoadSlot::Category,   LoadSlot::Number,     LoadSlot::Number,
	                                     LoadSlot::Number};
	const std::vector<size_t> indices = {0, 0, 1, 0, 0, 1, 2, 3, 4, 5};
	ASSERT_EQ(orders.columns.size(), slots.size());
	for (size_t c = 0; c < slots.size(); ++c) {
		EXPECT_EQ(orders.columns[c].slot, slots[c]) << c;
		EXPECT_EQ(orders.columns[c].index, indices[c]) << c;
	}
}

// A key compares as an integer only when the primary key and every foreign key to it are integers; a
// foreign key takes the representation of the table it points at.
TEST(GraphLoadPlanTest, IntegerAndTextKeys) {
	std::vector<TableLoadPlan> plans = plans_of(load_schema());
	EXPECT_TRUE(plans[0].integer_keys);
	EXPECT_EQ(plans[0].sql, "SELECT (\"id\")::int8, (\"country\")::text FROM \"shop\".\"users\"");
	EXPECT_FALSE(plans[1].integer_keys);
	EXPECT_EQ(plans[1].sql, "SELECT (\"sku\")::text, (\"price\") FROM \"shop\".\"items\"");
	EXPECT_TRUE(plans[2].columns[1].integer);  // user_id -> users
	EXPECT_FALSE(plans[2].columns[2].integer); // sku -> items
	EXPECT_FALSE(plans[3].integer_keys);
	EXPECT_EQ(plans[3].sql, "SELECT (\"code\")::text FROM \"shop\".\"stores\"");
	EXPECT_EQ(plans[4].sql, "SELECT (\"store\")::text FROM \"shop\".\"visits\"");
	EXPECT_FALSE(plans[4].integer_keys);
}

TEST(GraphLoadPlanTest, ATableWithNothingToLoadStillCountsItsRows) {
	const TableLoadPlan notes = plans_of(load_schema())[5];
	EXPECT_EQ(notes.sql, "SELECT 1 FROM \"shop\".\"notes\"");
	EXPECT_TRUE(notes.columns.empty());
}

TEST(GraphLoadPlanTest, TextArrivesForTextKeysCategoriesAndText) {
	EXPECT_FALSE((LoadColumn{LoadSlot::PrimaryKey, 0, true}.arrives_as_text()));
	EXPECT_TRUE((LoadColumn{LoadSlot::PrimaryKey, 0, false}.arrives_as_text()));
	EXPECT_FALSE((LoadColumn{LoadSlot::ForeignKey, 1, true}.arrives_as_text()));
	EXPECT_TRUE((LoadColumn{LoadSlot::ForeignKey, 1, false}.arrives_as_text()));
	EXPECT_FALSE((LoadColumn{LoadSlot::Time}.arrives_as_text()));
	EXPECT_FALSE((LoadColumn{LoadSlot::Number, 2}.arrives_as_text()));
	EXPECT_TRUE((LoadColumn{LoadSlot::Category, 3}.arrives_as_text()));
	EXPECT_TRUE((LoadColumn{LoadSlot::Text, 4}.arrives_as_text()));
}

// numeric and numeric(p, s) columns arrive as they are stored, for the loader to convert; other numbers as float8.
TEST(GraphLoadPlanTest, NumericColumnsArriveUncast) {
	std::vector<Table> tables = {{"lines",
	                              "",
	                              "",
	                              {{"price", "numeric(10,2)", R::Numerical},
	                               {"weight", "numeric", R::Numerical},
	                               {"count", "integer", R::Numerical},
	                               {"ratio", "double precision", R::Numerical}}}};
	const TableLoadPlan lines = plans_of(SchemaGraph("shop", tables, {}))[0];
	EXPECT_EQ(lines.sql, "SELECT (\"price\"), (\"weight\"), (\"count\")::float8, (\"ratio\")::float8 "
	                     "FROM \"shop\".\"lines\"");
	const std::vector<bool> numeric = {true, true, false, false};
	ASSERT_EQ(lines.columns.size(), numeric.size());
	for (size_t c = 0; c < numeric.size(); ++c) {
		EXPECT_EQ(lines.columns[c].slot, LoadSlot::Number) << c;
		EXPECT_EQ(lines.columns[c].numeric, numeric[c]) << c;
	}
}

TEST(GraphLoadPlanTest, IdentifiersAreQuoted) {
	std::vector<Table> tables = {{"my \"table\"", "Key", "", {{"Key", "integer", R::PrimaryKey}}}};
	const std::vector<TableLoadPlan> plans = plans_of(SchemaGraph("odd schema", tables, {}));
	EXPECT_EQ(plans[0].sql, "SELECT (\"Key\")::int8 FROM \"odd schema\".\"my \"\"table\"\"\"");
}

} // namespace
} // namespace relml
