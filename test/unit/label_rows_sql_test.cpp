#include "fixtures.hpp"
#include "task/label_rows_sql.hpp"
#include "task/task_sql.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

using testing::contains;

const char *kLabelQuery = "SELECT t.seed_time, r.\"driverId\", r.\"fastest\" FROM timestamps t JOIN results r ON true;";

// The split comes from $3 (val_timestamp) and $4 (test_timestamp), the key takes the entity key's type, and a
// boolean label becomes 0 or 1.
TEST(LabelRowsSqlTest, FromQuerySplitsSeedTimesAndCastsABooleanLabel) {
	EXPECT_EQ(label_rows_from_query_sql(kLabelQuery, "integer", true),
	          "CREATE TEMP TABLE relml_label_rows ON COMMIT DROP AS SELECT CASE WHEN q.seed_time < $3::timestamp "
	          "THEN 'train' WHEN q.seed_time < $4::timestamp THEN 'val' ELSE 'test' END AS split, "
	          "q.seed_time::timestamp AS seed_time, q.entity_key::integer AS entity_key, q.label::int::float8 AS label "
	          "FROM (" +
	              label_query_sql(kLabelQuery) + ") AS q (seed_time, entity_key, label)");
}

TEST(LabelRowsSqlTest, FromQueryCastsANumericLabelDirectly) {
	const std::string sql = label_rows_from_query_sql(kLabelQuery, "text", false);
	EXPECT_TRUE(contains(sql, "q.entity_key::text AS entity_key, q.label::float8 AS label FROM (")) << sql;
	EXPECT_FALSE(contains(sql, "::int::float8")) << sql;
}

TEST(LabelRowsSqlTest, FromTableReadsItsFourColumns) {
	EXPECT_EQ(label_rows_from_table_sql("public.my_rows", "bigint", false),
	          "CREATE TEMP TABLE relml_label_rows ON COMMIT DROP AS SELECT split::text AS split, "
	          "seed_time::timestamp AS seed_time, entity_key::bigint AS entity_key, label::float8 AS label "
	          "FROM public.my_rows");
	EXPECT_TRUE(contains(label_rows_from_table_sql("public.my_rows", "bigint", true), "label::int::float8 AS label"));
}

TEST(LabelRowsSqlTest, TrainingTableLookupsBindTheName) {
	EXPECT_EQ(relation_name_sql(), "SELECT $1::regclass::text");
	EXPECT_EQ(relation_columns_sql(), "SELECT attname::text, atttypid::regtype::text FROM pg_attribute WHERE "
	                                  "attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped");
}

// Each problem is a condition on the label rows; the query counts them and names the first.
TEST(LabelRowsSqlTest, EveryProblemIsAConditionOnTheLabelRows) {
	const std::string select =
	    "SELECT count(*)::int8, min(entity_key::text), min(seed_time)::text FROM pg_temp.relml_label_rows WHERE ";
	const std::vector<std::pair<LabelRowProblem, std::string>> conditions = {
	    {LabelRowProblem::NullSeedTime, "seed_time IS NULL"},
	    {LabelRowProblem::NullEntityKey, "entity_key IS NULL"},
	    {LabelRowProblem::NullLabel, "label IS NULL"},
	    {LabelRowProblem::NonFiniteLabel, "label = 'NaN'::float8 OR label IN ('Infinity', '-Infinity')"},
	    {LabelRowProblem::NonBinaryLabel, "label NOT IN (0, 1)"},
	    {LabelRowProblem::NonClassLabel, "label < 0 OR label <> trunc(label)"},
	    {LabelRowProblem::UnknownSeedTime, "seed_time <> ALL ($1::timestamp[])"},
	    {LabelRowProblem::UnknownSplit, "split IS NULL OR split NOT IN ('train', 'val', 'test')"},
	    {LabelRowProblem::TrainAfterVal, "split = 'train' AND seed_time >= $1::timestamp"},
	};
	for (const auto &[problem, condition] : conditions) {
		EXPECT_EQ(label_rows_with_sql(problem), select + condition);
	}
}

TEST(LabelRowsSqlTest, SummariesReadTheLabelRows) {
	EXPECT_EQ(duplicate_label_sql(), "SELECT entity_key::text, seed_time::text, count(*)::int8 FROM "
	                                 "pg_temp.relml_label_rows GROUP BY entity_key, seed_time HAVING count(*) > 1 LIMIT 1");
	EXPECT_EQ(class_count_sql(), "SELECT (max(label) + 1)::int8 FROM pg_temp.relml_label_rows");
	EXPECT_EQ(split_statistics_sql(), "SELECT split, count(*)::int8, count(DISTINCT seed_time)::int8, "
	                                  "avg(label)::float8, count(DISTINCT label)::int8 FROM pg_temp.relml_label_rows "
	                                  "GROUP BY split");
	EXPECT_EQ(split_bounds_sql(), "SELECT min(seed_time) FILTER (WHERE split = 'val')::text, "
	                              "min(seed_time) FILTER (WHERE split = 'test')::text, "
	                              "max(seed_time) FILTER (WHERE split = 'val')::text FROM pg_temp.relml_label_rows");
}

// Created unqualified (a temporary table always lands in pg_temp), read qualified (no user table shadows it).
TEST(LabelRowsSqlTest, TableNamesAgree) {
	EXPECT_EQ(std::string("pg_temp.") + kLabelRowsTable, kLabelRowsQualifiedTable);
	EXPECT_TRUE(contains(label_rows_from_table_sql("t", "integer", false), std::string("CREATE TEMP TABLE ") + kLabelRowsTable));
}

} // namespace
} // namespace relml
