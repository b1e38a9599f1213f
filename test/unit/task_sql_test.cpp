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

} // namespace
} // namespace relml
