#include "sql/identifier.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

TEST(IdentifierTest, QuotesEveryIdentifier) {
	EXPECT_EQ(quote_ident("drivers"), "\"drivers\"");
	EXPECT_EQ(quote_ident("positionOrder"), "\"positionOrder\"");
	EXPECT_EQ(quote_ident("select"), "\"select\"");
	EXPECT_EQ(quote_ident(""), "\"\"");
}

TEST(IdentifierTest, DoublesEmbeddedQuotes) {
	EXPECT_EQ(quote_ident("a\"b"), "\"a\"\"b\"");
	EXPECT_EQ(quote_ident("\""), "\"\"\"\"");
	EXPECT_EQ(quote_ident("x\"; DROP TABLE t; --"), "\"x\"\"; DROP TABLE t; --\"");
	// Single quotes are ordinary characters inside an identifier.
	EXPECT_EQ(quote_ident("it's"), "\"it's\"");
}

TEST(IdentifierTest, QualifiedNames) {
	EXPECT_EQ(qualified_name("f1", "results"), "\"f1\".\"results\"");
	EXPECT_EQ(qualified_name("my schema", "a.b"), "\"my schema\".\"a.b\"");
	EXPECT_EQ(qualified_name("s\"x", "t\"y"), "\"s\"\"x\".\"t\"\"y\"");
}

TEST(IdentifierTest, QuoteLiteral) {
	EXPECT_EQ(quote_literal("30 days"), "'30 days'");
	EXPECT_EQ(quote_literal("it's"), "'it''s'");
	EXPECT_EQ(quote_literal(""), "''");
	// Double quotes are ordinary characters inside a literal.
	EXPECT_EQ(quote_literal("a\"b"), "'a\"b'");
}

} // namespace
} // namespace relml
