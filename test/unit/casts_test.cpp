#include "sql/casts.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

TEST(CastsTest, BooleansGoThroughInteger) {
	EXPECT_EQ(float8_expression("q.label", true), "q.label::int::float8");
	EXPECT_EQ(float8_expression("(\"active\")", true), "(\"active\")::int::float8");
}

TEST(CastsTest, OtherValuesCastDirectly) {
	EXPECT_EQ(float8_expression("q.label", false), "q.label::float8");
	EXPECT_EQ(float8_expression("t.\"points\"", false), "t.\"points\"::float8");
}

} // namespace
} // namespace relml
