#include "task/seed_sql.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

bool contains(const std::string &text, const std::string &part) {
	return text.find(part) != std::string::npos;
}

TEST(SeedSqlTest, TheSeedRelationHoldsTheEntityKeysType) {
	const std::string sql = create_seed_table_sql("bigint");
	EXPECT_TRUE(contains(sql, "CREATE TEMP TABLE relml_seeds")) << sql;
	EXPECT_TRUE(contains(sql, "entity_key bigint NOT NULL")) << sql;
	EXPECT_TRUE(contains(sql, "ON COMMIT DROP")) << sql;
}

TEST(SeedSqlTest, ObservationTimeIsTheSeedTimeCappedAtTheCutoffParameter) {
	const std::string sql = fill_seed_table_sql("SELECT 1, $1, $2", "text", 3);
	EXPECT_TRUE(contains(sql, "least(q.seed_time::timestamp, coalesce($3::timestamp, q.seed_time::timestamp))")) << sql;
	EXPECT_TRUE(contains(sql, "q.entity_key::text")) << sql;
	EXPECT_TRUE(contains(sql, "FROM (SELECT 1, $1, $2) AS q (row_id, entity_key, seed_time)")) << sql;
}

// One entity's seed needs no table: its relation is parameters, typed as the seed table's columns.
TEST(SeedSqlTest, OneSeedIsARelationOfParameters) {
	const std::string relation = single_seed_relation_sql("bigint");
	EXPECT_EQ(relation, "(SELECT $1::int8 AS row_id, $2::bigint AS entity_key, $3::timestamp AS seed_time, "
	                    "$4::timestamp AS obs_time)");
	const std::string seed = single_seed_sql("text");
	EXPECT_TRUE(contains(seed, "$1::text::text")) << seed;
	EXPECT_TRUE(contains(seed, "least(s, coalesce($3::timestamp, s))")) << seed;
	EXPECT_TRUE(contains(entity_exists_sql("shop", "Customers", "customer id", "bigint"),
	                     "FROM \"shop\".\"Customers\" WHERE \"customer id\" = $1::bigint"));
}

TEST(SeedSqlTest, UnknownEntitiesQuoteTheEntityTableAndKey) {
	const std::string sql = unknown_entities_sql("shop", "Customers", "customer id");
	EXPECT_TRUE(contains(sql, "\"shop\".\"Customers\" e")) << sql;
	EXPECT_TRUE(contains(sql, "e.\"customer id\" = s.entity_key")) << sql;
}

TEST(SeedSqlTest, SeedsReadBackInRowOrderWithTheirTimeInMicroseconds) {
	const std::string sql = read_seeds_sql();
	EXPECT_TRUE(contains(sql, "(extract(epoch FROM seed_time) * 1000000)::int8")) << sql;
	EXPECT_TRUE(contains(sql, "(extract(epoch FROM obs_time) * 1000000)::int8")) << sql;
	EXPECT_TRUE(contains(sql, "ORDER BY row_id")) << sql;
	EXPECT_TRUE(contains(seed_row_ids_sql(), "ORDER BY row_id"));
}

TEST(SeedSqlTest, TheUsersSeedsQueryIsWrappedNotEdited) {
	const std::string query = "SELECT id, now() FROM t -- a comment";
	EXPECT_EQ(seeds_query_shape_sql(query), "SELECT * FROM (" + query + "\n) AS s LIMIT 0");
	EXPECT_EQ(numbered_seeds_sql(query), "SELECT row_number() OVER (), s.* FROM (" + query + "\n) AS s");
	EXPECT_TRUE(contains(task_seeds_sql(), "WHERE task_id = $1::int"));
}

} // namespace
} // namespace relml
