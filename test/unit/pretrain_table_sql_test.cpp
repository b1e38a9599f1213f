#include "fixtures.hpp"
#include "sql/sql_literals.hpp"
#include "task/task_sql.hpp"
#include "tve/pretrain_table_sql.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace relml {
namespace {

using testing::contains;

// The parameters `sql` reads ($1, $2, ...), as numbers.
std::set<int> parameters(const std::string &sql) {
	std::set<int> numbers;
	for (size_t at = sql.find('$'); at != std::string::npos; at = sql.find('$', at + 1)) {
		size_t end = at + 1;
		while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) {
			++end;
		}
		if (end > at + 1) {
			numbers.insert(std::stoi(sql.substr(at + 1, end - at - 1)));
		}
	}
	return numbers;
}

// products of the shop database: untimed, so its rows read all three parameters ($2 dates it by its first
// review).
TaskVectorPlan products_plan() {
	return TaskVectorPlan::make(testing::shop_graph(), "products", TaskVectorOptions{});
}

TEST(PretrainTableSqlTest, RowsTableLivesInPgTemp) {
	EXPECT_STREQ(kPretrainRowsTable, "relml_pretrain_rows");
	EXPECT_STREQ(kPretrainRowsRelation, "pg_temp.relml_pretrain_rows");
}

// The range of every timed table, each end in ISO; the tables and their time columns quoted.
TEST(PretrainTableSqlTest, TimeRangeReadsTheDatabaseRangeInIso) {
	const SchemaGraph graph = testing::shop_graph();
	const std::string sql = time_range_sql(graph);
	EXPECT_EQ(sql, "SELECT rtrim(rtrim(to_char(r.lo, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.'), "
	               "rtrim(rtrim(to_char(r.hi, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') FROM (" +
	                   database_time_range_sql(graph) + ") AS r (lo, hi)");
	EXPECT_TRUE(contains(sql, "min(\"ordered_at\")::timestamp AS lo")) << sql;
	EXPECT_TRUE(contains(sql, "FROM \"shop\".\"orders\"")) << sql;
	EXPECT_TRUE(parameters(sql).empty()) << sql;
}

// The train part of the schedule, bound as schedule_sql is: $1..$6.
TEST(PretrainTableSqlTest, TimestampsAreTheScheduleTrainPart) {
	const std::string sql = pretrain_timestamps_sql();
	EXPECT_EQ(sql, "SELECT rtrim(rtrim(to_char(s.seed_time, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') FROM (" +
	                   schedule_sql() + ") AS s (split, seed_time) WHERE s.split = 'train' ORDER BY s.seed_time");
	EXPECT_EQ(parameters(sql), (std::set<int>{1, 2, 3, 4, 5, 6})) << sql;
}

// Counted rows keep the rows query's parameters: $1 timestamps, $2 horizon, $3 active_within.
TEST(PretrainTableSqlTest, RowsPerTimestampCountsThePlanRows) {
	const TaskVectorPlan plan = products_plan();
	const std::string sql = rows_per_timestamp_sql(plan);
	EXPECT_EQ(sql, "SELECT rtrim(rtrim(to_char(r.seed_time, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.'), "
	               "count(*)::int8 FROM (" +
	                   plan.rows_sql() + ") AS r GROUP BY r.seed_time");
	EXPECT_EQ(parameters(sql), (std::set<int>{1, 2, 3})) << sql;
}

TEST(PretrainTableSqlTest, RowsTableIsCreatedFromThePlanRowsAndDroppedAtCommit) {
	const TaskVectorPlan plan = products_plan();
	const std::string sql = create_pretrain_rows_sql(plan);
	EXPECT_EQ(sql, "CREATE TEMP TABLE relml_pretrain_rows ON COMMIT DROP AS " + plan.rows_sql());
	EXPECT_EQ(parameters(sql), (std::set<int>{1, 2, 3})) << sql;
}

TEST(PretrainTableSqlTest, RowsTableIsAnalyzed) {
	EXPECT_EQ(analyze_pretrain_rows_sql(), "ANALYZE pg_temp.relml_pretrain_rows");
}

// Read back in row_id order; $1, the first validating timestamp, splits them.
TEST(PretrainTableSqlTest, RowsReadBackWithTheirSplit) {
	const std::string sql = read_pretrain_rows_sql();
	EXPECT_EQ(sql, "SELECT row_id::int8, entity_key::text, "
	               "rtrim(rtrim(to_char(seed_time, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.'), "
	               "(extract(epoch FROM seed_time) * 1000000)::int8, seed_time >= $1::timestamp "
	               "FROM pg_temp.relml_pretrain_rows ORDER BY row_id");
	EXPECT_EQ(parameters(sql), (std::set<int>{1})) << sql;
}

TEST(PretrainTableSqlTest, TimestampsBecomeJson) {
	EXPECT_EQ(timestamps_json_sql(), "SELECT to_jsonb($1::timestamp[])::text");
}

TEST(PretrainTableSqlTest, GivenCutoffIsReadAsATimestamp) {
	EXPECT_EQ(iso_timestamp_sql(), "SELECT rtrim(rtrim(to_char($1::timestamp, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')");
}

// $1 the chosen cutoff, $2 the tasks' input cutoff.
TEST(PretrainTableSqlTest, CutoffIsTheEarlierOfTwo) {
	EXPECT_EQ(earlier_timestamp_sql(), "SELECT rtrim(rtrim(to_char(least($1::timestamp, $2::timestamp), "
	                                   "'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')");
}

} // namespace
} // namespace relml
