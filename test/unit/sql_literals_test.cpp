#include "sql/sql_literals.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace relml {
namespace {

TEST(SqlLiteralsTest, TextArrayQuotesEveryElement) {
	EXPECT_EQ(text_array({}), "{}");
	EXPECT_EQ(text_array({"a"}), "{\"a\"}");
	EXPECT_EQ(text_array({"2024-01-01 00:00:00", "NULL", ""}), "{\"2024-01-01 00:00:00\",\"NULL\",\"\"}");
	EXPECT_EQ(text_array({"a,b", "{c}", "d e"}), "{\"a,b\",\"{c}\",\"d e\"}");
}

TEST(SqlLiteralsTest, TextArrayEscapesQuotesAndBackslashes) {
	EXPECT_EQ(text_array({"say \"hi\""}), "{\"say \\\"hi\\\"\"}");
	EXPECT_EQ(text_array({"C:\\temp"}), "{\"C:\\\\temp\"}");
	EXPECT_EQ(text_array({"\\\""}), "{\"\\\\\\\"\"}");
}

TEST(SqlLiteralsTest, TextArrayOfARange) {
	const std::vector<std::string> values = {"a", "b", "c", "d"};
	EXPECT_EQ(text_array(values, 1, 3), "{\"b\",\"c\"}");
	EXPECT_EQ(text_array(values, 2, 2), "{}");
	EXPECT_EQ(text_array(values, 0, values.size()), text_array(values));
}

TEST(SqlLiteralsTest, VectorTextsQuoteOneRealArrayPerRow) {
	const std::vector<float> values = {1.0f, 0.5f, -2.0f, 0.1f, 3.0f, 4.0f};
	EXPECT_EQ(vector_texts(values, 2, 0, 3), "{\"{1,0.5}\",\"{-2,0.100000001}\",\"{3,4}\"}");
	EXPECT_EQ(vector_texts(values, 3, 1, 2), "{\"{0.100000001,3,4}\"}");
	EXPECT_EQ(vector_texts(values, 2, 1, 1), "{}");
}

TEST(SqlLiteralsTest, VectorTextsSpellNaNAndInfinity) {
	const float infinity = std::numeric_limits<float>::infinity();
	const std::vector<float> values = {std::numeric_limits<float>::quiet_NaN(), infinity, -infinity};
	EXPECT_EQ(vector_texts(values, 3, 0, 1), "{\"{NaN,Infinity,-Infinity}\"}");
}

// At most 5000 rows and about a million values per statement, never fewer than 64 rows.
TEST(SqlLiteralsTest, ChunkRowsBoundRowsAndValues) {
	EXPECT_EQ(chunk_rows(0), 5000u);
	EXPECT_EQ(chunk_rows(1), 5000u);
	EXPECT_EQ(chunk_rows(200), 5000u);
	EXPECT_EQ(chunk_rows(1000), 1000u);
	EXPECT_EQ(chunk_rows(4096), 244u);
	EXPECT_EQ(chunk_rows(1000000), 64u);
}

TEST(SqlLiteralsTest, IsoTrimsTrailingFractionZerosAndTheDot) {
	EXPECT_EQ(iso("s.seed_time"), "rtrim(rtrim(to_char(s.seed_time, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')");
	EXPECT_EQ(iso("$1::timestamp"), "rtrim(rtrim(to_char($1::timestamp, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')");
}

} // namespace
} // namespace relml
