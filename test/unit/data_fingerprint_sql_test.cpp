#include "graph/data_fingerprint_sql.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

TEST(DataFingerprintSqlTest, StoredRowsSumTheirXmin) {
	EXPECT_EQ(table_signature_sql("f1", "results", true),
	          "SELECT count(*)::text || ':' || coalesce(sum(xmin::text::int8), 0)::text FROM \"f1\".\"results\"");
}

// Views and foreign tables have no xmin: their rows are hashed.
TEST(DataFingerprintSqlTest, OtherRowsAreHashed) {
	EXPECT_EQ(table_signature_sql("f1", "race view", false),
	          "SELECT count(*)::text || '#' || coalesce(sum(hashtext(t::text)::int8), 0)::text FROM \"f1\".\"race view\" t");
}

TEST(DataFingerprintSqlTest, RelkindBindsTheRelation) {
	EXPECT_EQ(stores_rows_sql(), "SELECT relkind IN ('r', 'p', 'm') FROM pg_class WHERE oid = $1::regclass");
}

} // namespace
} // namespace relml
