#include "common/error.hpp"
#include "fixtures.hpp"
#include "schema/schema_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;
using R = ColumnRole;

// drivers <- results -> races -> circuits
SchemaGraph small_f1() {
	return f1_graph({"circuits", "races", "drivers", "results"});
}

std::vector<std::string> fk_names(const std::vector<ForeignKey> &fks) {
	std::vector<std::string> names;
	for (auto &fk : fks) {
		names.push_back(fk.table + "." + fk.column + "->" + fk.referenced_table);
	}
	std::sort(names.begin(), names.end());
	return names;
}

TEST(SchemaGraphTest, ChildrenAndParents) {
	SchemaGraph g = small_f1();
	EXPECT_EQ(fk_names(g.children_of("drivers")), std::vector<std::string>{"results.driverId->drivers"});
	EXPECT_EQ(fk_names(g.children_of("races")), std::vector<std::string>{"results.raceId->races"});
	EXPECT_EQ(fk_names(g.children_of("circuits")), std::vector<std::string>{"races.circuitId->circuits"});
	EXPECT_TRUE(g.children_of("results").empty());

	EXPECT_EQ(fk_names(g.parents_of("results")),
	          (std::vector<std::string>{"results.driverId->drivers", "results.raceId->races"}));
	EXPECT_EQ(fk_names(g.parents_of("races")), std::vector<std::string>{"races.circuitId->circuits"});
	EXPECT_TRUE(g.parents_of("drivers").empty());
	EXPECT_TRUE(g.parents_of("circuits").empty());
}

TEST(SchemaGraphTest, TableLookup) {
	SchemaGraph g = small_f1();
	EXPECT_EQ(g.table("races").primary_key, "raceId");
	EXPECT_TRUE(g.table("races").has_time());
	EXPECT_FALSE(g.table("drivers").has_time());
	EXPECT_EQ(g.find_table("nope"), nullptr);
	ASSERT_NE(g.table("results").find_column("statusId"), nullptr);
	EXPECT_EQ(g.table("results").find_column("statusId")->role, R::Categorical);
	EXPECT_EQ(g.table("results").find_column("nope"), nullptr);
}

// Positions follow tables(), so that per-table vectors built in schema order can be indexed by name.
TEST(SchemaGraphTest, TablePositionFollowsTheTableOrder) {
	SchemaGraph g = small_f1();
	for (size_t t = 0; t < g.tables().size(); ++t) {
		EXPECT_EQ(g.table_position(g.tables()[t].name), t);
	}
	EXPECT_THROW(g.table_position("pit_stops"), NotFoundError);
}

TEST(SchemaGraphTest, UnknownTableIsNotFoundNamingTableAndSchema) {
	SchemaGraph g = small_f1();
	try {
		g.table("pit_stops");
		FAIL() << "expected NotFoundError";
	} catch (const NotFoundError &e) {
		EXPECT_TRUE(contains(e.what(), "pit_stops")) << e.what();
		EXPECT_TRUE(contains(e.what(), "f1")) << e.what();
	}
}

TEST(SchemaGraphTest, ForeignKeyToTableWithoutPrimaryKeyIsInvalid) {
	std::vector<Table> tables = {
	    {"parent", "", "", {{"code", "text", R::Categorical}}},
	    {"child", "id", "", {{"id", "integer", R::PrimaryKey}, {"code", "text", R::ForeignKey}}},
	};
	try {
		SchemaGraph("s", tables, {{"child", "code", "parent"}});
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &e) {
		EXPECT_TRUE(contains(e.what(), "parent")) << e.what();
		EXPECT_TRUE(contains(e.what(), "primary key")) << e.what();
	}
}

TEST(SchemaGraphTest, ForeignKeyColumnMustExist) {
	std::vector<Table> tables = {
	    {"parent", "id", "", {{"id", "integer", R::PrimaryKey}}},
	    {"child", "id", "", {{"id", "integer", R::PrimaryKey}}},
	};
	EXPECT_THROW(SchemaGraph("s", tables, {{"child", "parent_id", "parent"}}), InvalidInputError);
	EXPECT_THROW(SchemaGraph("s", tables, {{"child", "id", "missing"}}), NotFoundError);
}

TEST(SchemaGraphTest, JsonRoundTrip) {
	SchemaGraph g = small_f1();
	nlohmann::json json = g.to_json();
	SchemaGraph back = SchemaGraph::from_json(nlohmann::json::parse(json.dump()));
	EXPECT_EQ(back.to_json(), json);
	EXPECT_EQ(back.schema(), "f1");
	ASSERT_EQ(back.tables().size(), g.tables().size());
	for (size_t t = 0; t < g.tables().size(); ++t) {
		const Table &a = g.tables()[t];
		const Table &b = back.tables()[t];
		EXPECT_EQ(a.name, b.name);
		EXPECT_EQ(a.primary_key, b.primary_key);
		EXPECT_EQ(a.time_column, b.time_column);
		ASSERT_EQ(a.columns.size(), b.columns.size());
		for (size_t c = 0; c < a.columns.size(); ++c) {
			EXPECT_EQ(a.columns[c].name, b.columns[c].name);
			EXPECT_EQ(a.columns[c].data_type, b.columns[c].data_type);
			EXPECT_EQ(a.columns[c].role, b.columns[c].role);
		}
	}
	EXPECT_EQ(fk_names(back.foreign_keys()), fk_names(g.foreign_keys()));
}

TEST(SchemaGraphTest, ColumnRoleNamesRoundTrip) {
	for (ColumnRole role : {R::PrimaryKey, R::ForeignKey, R::Time, R::Numerical, R::Categorical, R::Boolean,
	                        R::Timestamp, R::Text, R::Ignored}) {
		EXPECT_EQ(parse_column_role(to_string(role)), role);
	}
	try {
		parse_column_role("ordinal");
		FAIL() << "expected InvalidInputError";
	} catch (const InvalidInputError &e) {
		EXPECT_TRUE(contains(e.what(), "ordinal")) << e.what();
	}
}

TEST(InferColumnRoleTest, IntegerCodesAreCategorical) {
	EXPECT_EQ(infer_column_role("statusId", "integer", -1, -1), R::Categorical);
	EXPECT_EQ(infer_column_role("country_id", "bigint", -1, -1), R::Categorical);
	EXPECT_EQ(infer_column_role("UserID", "integer", -1, -1), R::Categorical);
	EXPECT_EQ(infer_column_role("id", "smallint", -1, -1), R::Categorical);
	EXPECT_EQ(infer_column_role("product_code", "integer", -1, -1), R::Categorical);
	// A non-integer *Id is a quantity all the same.
	EXPECT_EQ(infer_column_role("statusId", "double precision", -1, -1), R::Numerical);
}

TEST(InferColumnRoleTest, WordsEndingInIdAreNotCodes) {
	EXPECT_EQ(infer_column_role("paid", "integer", -1, -1), R::Numerical);
	EXPECT_EQ(infer_column_role("bid", "bigint", -1, -1), R::Numerical);
	EXPECT_EQ(infer_column_role("PAID", "integer", -1, -1), R::Numerical);
}

TEST(InferColumnRoleTest, NumericTypesAreNumerical) {
	EXPECT_EQ(infer_column_role("positionOrder", "integer", -1, -1), R::Numerical);
	EXPECT_EQ(infer_column_role("points", "double precision", -1, -1), R::Numerical);
	EXPECT_EQ(infer_column_role("price", "numeric(10,2)", -1, -1), R::Numerical);
	EXPECT_EQ(infer_column_role("weight", "real", -1, -1), R::Numerical);
}

TEST(InferColumnRoleTest, TextByRepetition) {
	// Few distinct values, each repeated: categorical.
	EXPECT_EQ(infer_column_role("nationality", "text", 0.01, 40), R::Categorical);
	EXPECT_EQ(infer_column_role("country", "character varying(20)", 0.5, 1000), R::Categorical);
	// Mostly unique: free text.
	EXPECT_EQ(infer_column_role("comment", "text", 0.95, 9500), R::Text);
	// Repeated but too many distinct values: free text.
	EXPECT_EQ(infer_column_role("url", "text", 0.2, 5000), R::Text);
	// Nothing known about the data.
	EXPECT_EQ(infer_column_role("name", "text", -1, -1), R::Text);
}

TEST(InferColumnRoleTest, BooleanTemporalAndOther) {
	EXPECT_EQ(infer_column_role("active", "boolean", -1, -1), R::Boolean);
	EXPECT_EQ(infer_column_role("dob", "date", -1, -1), R::Timestamp);
	EXPECT_EQ(infer_column_role("created", "timestamp without time zone", -1, -1), R::Timestamp);
	EXPECT_EQ(infer_column_role("created", "timestamp(3) with time zone", -1, -1), R::Timestamp);
	// A temporal column named like a code is still a timestamp.
	EXPECT_EQ(infer_column_role("eventId", "timestamp with time zone", -1, -1), R::Timestamp);
	EXPECT_EQ(infer_column_role("payload", "jsonb", -1, -1), R::Ignored);
	EXPECT_EQ(infer_column_role("token", "uuid", -1, -1), R::Ignored);
}

TEST(InferColumnRoleTest, ArraysAreIgnored) {
	EXPECT_FALSE(is_numeric_type("integer[]"));
	EXPECT_FALSE(is_temporal_type("timestamp without time zone[]"));
	EXPECT_FALSE(is_text_type("text[]"));
	EXPECT_EQ(infer_column_role("scores", "integer[]", -1, -1), R::Ignored);
	EXPECT_EQ(infer_column_role("tags", "text[]", 0.1, 10), R::Ignored);
	EXPECT_EQ(infer_column_role("visits", "date[]", -1, -1), R::Ignored);
}

TEST(InferColumnRoleTest, TypeFamilies) {
	EXPECT_TRUE(is_numeric_type("bigint"));
	EXPECT_TRUE(is_numeric_type("numeric(12,4)"));
	EXPECT_FALSE(is_numeric_type("text"));
	EXPECT_TRUE(is_temporal_type("date"));
	EXPECT_TRUE(is_temporal_type("timestamp with time zone"));
	EXPECT_FALSE(is_temporal_type("time without time zone"));
	EXPECT_FALSE(is_temporal_type("interval"));
	EXPECT_TRUE(is_text_type("character varying(255)"));
	EXPECT_TRUE(is_text_type("character(2)"));
	EXPECT_TRUE(is_text_type("text"));
	EXPECT_FALSE(is_text_type("bytea"));
}

} // namespace
} // namespace relml
