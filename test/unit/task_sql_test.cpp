#include "common/error.hpp"
#include "fixtures.hpp"
#include "task/task_sql.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

using testing::contains;
using testing::f1_graph;

// One EXISTS a timed table, each stopping at its first row, so the check that an as_of is not before every
// row reads a row or two where it used to read every time column.
TEST(TaskSqlTest, DataAtOrBeforeAsksEveryTimedTableForOneRow) {
	const std::string sql = data_at_or_before_sql(f1_graph({"circuits", "races", "drivers", "results"}));
	EXPECT_TRUE(contains(sql, "EXISTS (SELECT 1 FROM \"f1\".\"races\" WHERE \"date\" <= $1::timestamp)")) << sql;
	EXPECT_TRUE(contains(sql, " OR EXISTS (SELECT 1 FROM \"f1\".\"results\" WHERE \"date\" <= $1::timestamp)")) << sql;
	EXPECT_FALSE(contains(sql, "circuits")) << sql;
	EXPECT_FALSE(contains(sql, "drivers")) << sql;
}

TEST(TaskSqlTest, DataAtOrBeforeWithoutTimedTablesIsTrue) {
	EXPECT_EQ(data_at_or_before_sql(f1_graph({"circuits", "drivers"})), "SELECT true");
}

// The shape is read from the wrapped query itself, so that it is the result create_task reads later.
TEST(TaskSqlTest, LabelQueryShapeReadsNoRowsOfTheWrappedQuery) {
	const std::string query = "SELECT t.seed_time, d.id, true FROM timestamps t, drivers d;\n";
	EXPECT_EQ(label_query_shape_sql(query), label_query_sql(query) + " LIMIT 0");
	EXPECT_TRUE(contains(label_query_shape_sql(query), "FROM timestamps t, drivers d\n) AS label_query LIMIT 0"));
	EXPECT_THROW(label_query_shape_sql(" ;\n"), InvalidInputError);
}

// Timestamps and the horizon are bound parameters, never spliced.
TEST(TaskSqlTest, DefinitionChecksBindTheirValues) {
	EXPECT_EQ(timestamps_ordered_sql(), "SELECT $1::timestamp < $2::timestamp");
	EXPECT_EQ(positive_interval_sql(), "SELECT $1::interval > interval '0'");
	EXPECT_EQ(timestamp_plus_interval_sql(), "SELECT ($1::timestamp + $2::interval)::text");
}

} // namespace
} // namespace relml
