#include "common/error.hpp"
#include "schema/schema_registration.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace relml {
namespace {

using R = ColumnRole;
using json = nlohmann::json;

// Like the shop schema of the SQL tests: users <- visits (undeclared), users <- events (declared); logs has two
// timestamps, one of them conventional; audit has two and neither is.
SchemaCatalog shop_catalog() {
	SchemaCatalog catalog;
	catalog.tables = {{"audit", 4}, {"events", 300}, {"logs", 7}, {"users", 20}, {"visits", 100}};
	catalog.columns = {
	    {"audit", "audit_id", "integer"},
	    {"audit", "opened", "timestamp without time zone"},
	    {"audit", "closed", "timestamp without time zone"},
	    {"events", "user_id", "integer"},
	    {"events", "happened_at", "timestamp without time zone"},
	    {"events", "kind", "text"},
	    {"logs", "log_id", "bigint"},
	    {"logs", "updated_at", "timestamp with time zone"},
	    {"logs", "created_at", "timestamp with time zone"},
	    {"logs", "message", "text"},
	    {"users", "id", "integer"},
	    {"users", "joined", "date"},
	    {"users", "country", "character varying(40)"},
	    {"users", "active", "boolean"},
	    {"visits", "visit_id", "integer"},
	    {"visits", "user_id", "integer"},
	    {"visits", "started_at", "timestamp without time zone"},
	    {"visits", "ended_at", "timestamp without time zone"},
	    {"visits", "pages", "integer"},
	};
	catalog.primary_keys = {{"audit", "audit_id"}, {"logs", "log_id"}, {"users", "id"}, {"visits", "visit_id"}};
	catalog.foreign_keys = {{"events", "user_id", "users"}};
	return catalog;
}

// A fake of the sampling query: counts per "table.column" (repeated values unless given), and the calls made.
struct FakeSampler {
	std::map<std::string, ColumnSample> samples;
	std::vector<std::string> calls;

	ColumnSampler fn() {
		return [this](const std::string &table, const std::string &column) {
			calls.push_back(table + "." + column);
			auto it = samples.find(table + "." + column);
			return it == samples.end() ? ColumnSample{3, 100} : it->second;
		};
	}
};

Registration register_shop(const json &options, FakeSampler &sampler) {
	return register_schema("shop", options, shop_catalog(), sampler.fn());
}

Registration register_shop(const json &options = json::object()) {
	FakeSampler sampler;
	return register_shop(options, sampler);
}

// The message of the E that `f` throws; fails the test when it throws nothing or something else.
template <class E, class F>
std::string error_of(F &&f) {
	try {
		f();
	} catch (const E &e) {
		return e.what();
	} catch (const std::exception &e) {
		ADD_FAILURE() << "unexpected exception: " << e.what();
		return "";
	}
	ADD_FAILURE() << "expected an exception";
	return "";
}

template <class E>
std::string registration_error(const json &options) {
	return error_of<E>([&] { register_shop(options); });
}

std::vector<std::string> table_names(const Registration &registration) {
	std::vector<std::string> names;
	for (auto &t : registration.graph.tables()) {
		names.push_back(t.name);
	}
	return names;
}

R role_of(const Registration &registration, const std::string &table, const std::string &column) {
	const Column *c = registration.graph.table(table).find_column(column);
	EXPECT_NE(c, nullptr) << table << "." << column;
	return c ? c->role : R::Ignored;
}

TEST(SchemaRegistrationTest, KnownOptionKeysPassUnknownOnesAreNamed) {
	EXPECT_NO_THROW(check_registration_options({{"tables", json::array()},
	                                            {"exclude_tables", json::array()},
	                                            {"primary_keys", json::object()},
	                                            {"foreign_keys", json::array()},
	                                            {"time_columns", json::object()},
	                                            {"column_roles", json::object()}}));
	EXPECT_EQ(error_of<InvalidInputError>([] { check_registration_options({{"colour", "blue"}}); }),
	          "unknown option \"colour\" of register_database: expected tables, exclude_tables, primary_keys, "
	          "foreign_keys, time_columns or column_roles");
	EXPECT_EQ(registration_error<InvalidInputError>({{"colour", "blue"}}),
	          error_of<InvalidInputError>([] { check_registration_options({{"colour", "blue"}}); }));
}

TEST(SchemaRegistrationTest, TablesOptionKeepsOnlyTheNamedTables) {
	Registration r = register_shop({{"tables", {"visits", "users"}}});
	EXPECT_EQ(table_names(r), (std::vector<std::string>{"users", "visits"}));
	EXPECT_EQ(r.row_estimates, (std::map<std::string, int64_t>{{"users", 20}, {"visits", 100}}));
	// events (and its declared foreign key) is not registered
	EXPECT_TRUE(r.foreign_keys.empty());
	EXPECT_TRUE(r.graph.foreign_keys().empty());
}

TEST(SchemaRegistrationTest, ExcludeTablesDropsTablesAndTheirForeignKeys) {
	Registration r = register_shop({{"exclude_tables", {"users", "audit"}}});
	EXPECT_EQ(table_names(r), (std::vector<std::string>{"events", "logs", "visits"}));
	EXPECT_TRUE(r.foreign_keys.empty());
	// events.user_id points at nothing registered: an ordinary integer code
	EXPECT_EQ(role_of(r, "events", "user_id"), R::Categorical);
}

TEST(SchemaRegistrationTest, TableFilterErrors) {
	EXPECT_EQ(registration_error<NotFoundError>({{"tables", {"users", "ghosts"}}}),
	          "table \"ghosts\" named in option tables does not exist in schema \"shop\"");
	EXPECT_EQ(registration_error<InvalidInputError>({{"tables", "users"}}),
	          "option tables must be an array of table names, got \"users\"");
	EXPECT_EQ(registration_error<InvalidInputError>({{"exclude_tables", {1}}}),
	          "option exclude_tables must be a string, got 1");
	EXPECT_EQ(registration_error<InvalidInputError>(
	              {{"exclude_tables", {"audit", "events", "logs", "users", "visits"}}}),
	          "schema \"shop\" has no tables to register");
}

TEST(SchemaRegistrationTest, PrimaryKeysOverrideTheCatalog) {
	Registration r = register_shop({{"primary_keys", {{"users", "country"}, {"events", "kind"}}}});
	EXPECT_EQ(r.graph.table("users").primary_key, "country");
	EXPECT_EQ(r.graph.table("events").primary_key, "kind");
	EXPECT_EQ(r.graph.table("visits").primary_key, "visit_id");
	EXPECT_EQ(role_of(r, "users", "country"), R::PrimaryKey);
	// the declared key is an ordinary column now
	EXPECT_EQ(role_of(r, "users", "id"), R::Categorical);
	EXPECT_EQ(register_shop().graph.table("events").primary_key, "");
}

TEST(SchemaRegistrationTest, PrimaryKeyOverrideErrors) {
	EXPECT_EQ(registration_error<NotFoundError>({{"primary_keys", {{"ghosts", "id"}}}}),
	          "option primary_keys names table \"ghosts\", which is not registered");
	EXPECT_EQ(registration_error<NotFoundError>({{"primary_keys", {{"users", "nope"}}}}),
	          "option primary_keys: column \"nope\" does not exist in table \"users\"");
	EXPECT_EQ(registration_error<InvalidInputError>({{"primary_keys", {{"users", 1}}}}),
	          "primary key of users must be a string, got 1");
}

TEST(SchemaRegistrationTest, ForeignKeysAreDeclaredOrGiven) {
	json options = {{"foreign_keys", {{{"table", "visits"}, {"column", "user_id"}, {"references", "users"}}}}};
	Registration r = register_shop(options);
	ASSERT_EQ(r.foreign_keys.size(), 2u);
	EXPECT_EQ(r.foreign_keys[0].key.table, "events");
	EXPECT_TRUE(r.foreign_keys[0].declared);
	EXPECT_EQ(r.foreign_keys[1].key.table, "visits");
	EXPECT_EQ(r.foreign_keys[1].key.column, "user_id");
	EXPECT_EQ(r.foreign_keys[1].key.referenced_table, "users");
	EXPECT_FALSE(r.foreign_keys[1].declared);
	EXPECT_EQ(r.graph.children_of("users").size(), 2u);
	EXPECT_EQ(role_of(r, "visits", "user_id"), R::ForeignKey);
	EXPECT_EQ(role_of(r, "events", "user_id"), R::ForeignKey);
}

TEST(SchemaRegistrationTest, ForeignKeyOverrideErrors) {
	auto fk = [](const std::string &table, const std::string &column, const std::string &references) {
		return json{{"foreign_keys", {{{"table", table}, {"column", column}, {"references", references}}}}};
	};
	EXPECT_EQ(registration_error<NotFoundError>(fk("visits", "nope", "users")),
	          "option foreign_keys: column \"nope\" does not exist in table \"visits\"");
	EXPECT_EQ(registration_error<NotFoundError>(fk("visits", "user_id", "ghosts")),
	          "option foreign_keys names table \"ghosts\", which is not registered");
	EXPECT_EQ(registration_error<NotFoundError>(fk("ghosts", "user_id", "users")),
	          "option foreign_keys names table \"ghosts\", which is not registered");
	EXPECT_EQ(registration_error<InvalidInputError>({{"foreign_keys", {{"table", "visits"}}}}),
	          "option foreign_keys must be an array of {\"table\", \"column\", \"references\"}");
	EXPECT_EQ(registration_error<InvalidInputError>({{"foreign_keys", {{{"table", "visits"}}}}}),
	          "each foreign key override needs \"table\", \"column\" and \"references\", got {\"table\":\"visits\"}");
	// a parent without a primary key is refused by the graph as a whole
	EXPECT_EQ(registration_error<InvalidInputError>(fk("visits", "user_id", "events")),
	          "foreign key visits.user_id references table \"events\", which has no primary key");
}

TEST(SchemaRegistrationTest, TimeColumnIsTheOnlyTemporalOrAConventionalName) {
	Registration r = register_shop();
	EXPECT_EQ(r.graph.table("users").time_column, "joined");
	EXPECT_EQ(r.graph.table("events").time_column, "happened_at");
	EXPECT_EQ(r.graph.table("logs").time_column, "created_at");
	EXPECT_EQ(r.graph.table("audit").time_column, "");
	EXPECT_EQ(r.graph.table("visits").time_column, "");
	EXPECT_EQ(r.tables_without_time_column, (std::vector<std::string>{"audit", "visits"}));
	EXPECT_EQ(role_of(r, "logs", "created_at"), R::Time);
	EXPECT_EQ(role_of(r, "logs", "updated_at"), R::Timestamp);
}

TEST(SchemaRegistrationTest, EarlierPreferredNameWinsWhateverTheColumnOrder) {
	SchemaCatalog catalog;
	catalog.tables = {{"t", 1}};
	catalog.columns = {{"t", "created_at", "timestamp without time zone"},
	                   {"t", "occurred_at", "timestamp without time zone"},
	                   {"t", "date", "date"}};
	FakeSampler sampler;
	Registration r = register_schema("s", json::object(), catalog, sampler.fn());
	EXPECT_EQ(r.graph.table("t").time_column, "date");
	EXPECT_TRUE(r.tables_without_time_column.empty());
}

TEST(SchemaRegistrationTest, TimeColumnsOption) {
	json time_columns = {{"visits", "ended_at"}, {"audit", "closed"}, {"users", nullptr}};
	Registration r = register_shop({{"time_columns", time_columns}});
	EXPECT_EQ(r.graph.table("visits").time_column, "ended_at");
	EXPECT_EQ(r.graph.table("audit").time_column, "closed");
	EXPECT_EQ(r.graph.table("users").time_column, "");
	EXPECT_TRUE(r.tables_without_time_column.empty());
	EXPECT_EQ(r.ambiguity_notice(), "");
	EXPECT_FALSE(r.summary("shop", false).contains("tables_without_time_column"));
}

TEST(SchemaRegistrationTest, TimeColumnsOptionErrors) {
	EXPECT_EQ(registration_error<InvalidInputError>({{"time_columns", {{"visits", "pages"}}}}),
	          "option time_columns: column visits.pages has type integer, expected a date or timestamp");
	EXPECT_EQ(registration_error<NotFoundError>({{"time_columns", {{"visits", "nope"}}}}),
	          "option time_columns: column \"nope\" does not exist in table \"visits\"");
	EXPECT_EQ(registration_error<NotFoundError>({{"time_columns", {{"ghosts", "at"}}}}),
	          "option time_columns names table \"ghosts\", which is not registered");
	EXPECT_EQ(registration_error<InvalidInputError>({{"time_columns", {{"visits", 3}}}}),
	          "time column of visits must be a string, got 3");
}

TEST(SchemaRegistrationTest, RolesFromTypeNameAndSample) {
	FakeSampler sampler;
	sampler.samples["logs.message"] = {95, 100};  // mostly unique: free text
	sampler.samples["events.kind"] = {4, 100};    // repeated: categories
	sampler.samples["users.country"] = {0, 0};    // empty: nothing says it repeats
	Registration r = register_shop(json::object(), sampler);
	EXPECT_EQ(role_of(r, "logs", "message"), R::Text);
	EXPECT_EQ(role_of(r, "events", "kind"), R::Categorical);
	EXPECT_EQ(role_of(r, "users", "country"), R::Text);
	EXPECT_EQ(role_of(r, "users", "active"), R::Boolean);
	EXPECT_EQ(role_of(r, "users", "id"), R::PrimaryKey);
	EXPECT_EQ(role_of(r, "users", "joined"), R::Time);
	EXPECT_EQ(role_of(r, "visits", "pages"), R::Numerical);
	EXPECT_EQ(role_of(r, "visits", "user_id"), R::Categorical);
	EXPECT_EQ(role_of(r, "visits", "started_at"), R::Timestamp);
	// only text columns that are no key or time column are sampled, table by table in name order
	EXPECT_EQ(sampler.calls, (std::vector<std::string>{"events.kind", "logs.message", "users.country"}));
}

TEST(SchemaRegistrationTest, ManyDistinctValuesAreTextEvenWhenRepeated) {
	FakeSampler sampler;
	sampler.samples["events.kind"] = {1001, 10000};
	EXPECT_EQ(role_of(register_shop(json::object(), sampler), "events", "kind"), R::Text);
}

TEST(SchemaRegistrationTest, ColumnRolesOverrideInference) {
	Registration r = register_shop({{"column_roles", {{"visits.pages", "categorical"}, {"events.kind", "ignored"}}}});
	EXPECT_EQ(role_of(r, "visits", "pages"), R::Categorical);
	EXPECT_EQ(role_of(r, "events", "kind"), R::Ignored);
	EXPECT_EQ(role_of(r, "visits", "ended_at"), R::Timestamp);
}

TEST(SchemaRegistrationTest, ColumnRolesOptionErrors) {
	std::string not_a_column = "\", which is not a column (table.column) of the registered tables";
	EXPECT_EQ(registration_error<NotFoundError>({{"column_roles", {{"visits.nope", "numerical"}}}}),
	          "option column_roles names \"visits.nope" + not_a_column);
	EXPECT_EQ(registration_error<NotFoundError>({{"column_roles", {{"ghosts.id", "numerical"}}}}),
	          "option column_roles names \"ghosts.id" + not_a_column);
	EXPECT_EQ(registration_error<NotFoundError>({{"column_roles", {{"pages", "numerical"}}}}),
	          "option column_roles names \"pages" + not_a_column);
	EXPECT_EQ(registration_error<InvalidInputError>({{"column_roles", {{"visits.pages", "weird"}}}}),
	          "unknown column role \"weird\": expected numerical, categorical, boolean, timestamp, text or ignored");
	EXPECT_EQ(registration_error<InvalidInputError>({{"column_roles", {{"visits.pages", 1}}}}),
	          "role of visits.pages must be a string, got 1");
}

TEST(SchemaRegistrationTest, SummaryAndNotice) {
	Registration r = register_shop({{"tables", {"audit", "events", "users"}}});
	json summary = r.summary("shop_db", true);
	json expected = {
	    {"database", "shop_db"},
	    {"schema", "shop"},
	    {"tables",
	     {{"audit", {{"primary_key", "audit_id"}, {"time_column", nullptr}, {"columns", 3}}},
	      {"events", {{"primary_key", nullptr}, {"time_column", "happened_at"}, {"columns", 3}}},
	      {"users", {{"primary_key", "id"}, {"time_column", "joined"}, {"columns", 4}}}}},
	    {"foreign_keys", 1},
	    {"reregistered", true},
	    {"tables_without_time_column", {"audit"}}};
	EXPECT_EQ(summary, expected);
	EXPECT_EQ(r.ambiguity_notice(), "tables with several date/timestamp columns and no time column chosen: audit "
	                                "(choose with options => '{\"time_columns\": {\"table\": \"column\"}}')");
	EXPECT_EQ(register_shop().ambiguity_notice(),
	          "tables with several date/timestamp columns and no time column chosen: audit, visits "
	          "(choose with options => '{\"time_columns\": {\"table\": \"column\"}}')");
}

TEST(SchemaRegistrationTest, SqlQuotesIdentifiersAndBindsTheSchema) {
	EXPECT_EQ(column_sample_sql("my \"schema\"", "Order Items", "kind\"x"),
	          "SELECT count(DISTINCT v)::int8, count(v)::int8 FROM (SELECT \"kind\"\"x\" AS v FROM "
	          "\"my \"\"schema\"\"\".\"Order Items\" LIMIT 10000) s");
	for (const std::string &sql : {registration_tables_sql(), registration_columns_sql(),
	                               registration_primary_keys_sql(), registration_foreign_keys_sql()}) {
		EXPECT_NE(sql.find("n.nspname = $1"), std::string::npos) << sql;
		EXPECT_EQ(sql.find("$2"), std::string::npos) << sql;
	}
	EXPECT_NE(registration_foreign_keys_sql().find("rn.nspname = $1"), std::string::npos);
}

TEST(SchemaRegistrationTest, CatalogFromQueryRows) {
	const SchemaCatalog catalog = schema_catalog_from_rows({{"orders", "1200"}, {"users", "0"}},
	                                                       {{"orders", "id", "integer"}, {"orders", "user_id", "bigint"}},
	                                                       {{"orders", "id"}}, {{"orders", "user_id", "users"}});
	ASSERT_EQ(catalog.tables.size(), 2u);
	EXPECT_EQ(catalog.tables[0].name, "orders");
	EXPECT_EQ(catalog.tables[0].row_estimate, 1200);
	ASSERT_EQ(catalog.columns.size(), 2u);
	EXPECT_EQ(catalog.columns[1].data_type, "bigint");
	ASSERT_EQ(catalog.primary_keys.size(), 1u);
	EXPECT_EQ(catalog.primary_keys[0].column, "id");
	ASSERT_EQ(catalog.foreign_keys.size(), 1u);
	EXPECT_EQ(catalog.foreign_keys[0].referenced_table, "users");
}

} // namespace
} // namespace relml
