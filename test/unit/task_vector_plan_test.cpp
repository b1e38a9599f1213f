#include "common/error.hpp"
#include "fixtures.hpp"
#include "tve/task_vector_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;
using R = ColumnRole;
using S = TaskVectorStatistic;

const std::string kRows = "pg_temp.relml_tve_rows";

TaskVectorOptions with_hops(int hops) {
	TaskVectorOptions options;
	options.hops = hops;
	return options;
}

std::vector<std::string> path_names(const TaskVectorPlan &plan) {
	std::vector<std::string> names;
	for (auto &path : plan.paths()) {
		names.push_back(path.name);
	}
	return names;
}

std::vector<std::string> component_names(const TaskVectorPlan &plan) {
	std::vector<std::string> names;
	for (auto &component : plan.components()) {
		names.push_back(component.name(plan.paths()));
	}
	return names;
}

size_t occurrences(const std::string &text, const std::string &part) {
	size_t count = 0;
	for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
		++count;
	}
	return count;
}

// The message of the InvalidInputError that `make` throws, or a failure when it throws none.
std::string invalid_input(const SchemaGraph &graph, const std::string &entity, const TaskVectorOptions &options) {
	try {
		TaskVectorPlan::make(graph, entity, options);
	} catch (const InvalidInputError &e) {
		return e.what();
	}
	ADD_FAILURE() << "expected InvalidInputError for entity " << entity;
	return "";
}

// accounts <- transfers (from_id, to_id): two foreign keys of one timed table into the entity.
SchemaGraph bank_graph() {
	std::vector<Table> tables = {
	    {"accounts", "id", "", {{"id", "integer", R::PrimaryKey}, {"kind", "text", R::Categorical}}},
	    {"transfers",
	     "id",
	     "at",
	     {{"id", "integer", R::PrimaryKey},
	      {"from_id", "integer", R::ForeignKey},
	      {"to_id", "integer", R::ForeignKey},
	      {"at", "timestamp without time zone", R::Time},
	      {"amount", "numeric", R::Numerical}}},
	};
	return SchemaGraph("bank", tables, {{"transfers", "from_id", "accounts"}, {"transfers", "to_id", "accounts"}});
}

// Identifiers with capitals and embedded double quotes, as a user's schema may have them.
SchemaGraph quoted_graph() {
	std::vector<Table> tables = {
	    {"Us\"ers", "UserId", "", {{"UserId", "integer", R::PrimaryKey}}},
	    {"Ev\"ents",
	     "EventId",
	     "At\"Time",
	     {{"EventId", "integer", R::PrimaryKey},
	      {"U\"ser", "integer", R::ForeignKey},
	      {"At\"Time", "timestamp without time zone", R::Time},
	      {"Kind", "text", R::Categorical},
	      {"Val\"ue", "double precision", R::Numerical}}},
	};
	return SchemaGraph("My\"Schema", tables, {{"Ev\"ents", "U\"ser", "Us\"ers"}});
}

TEST(TaskVectorPlanTest, OneHopFollowsEveryTimedChildOfTheEntity) {
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", with_hops(1));
	EXPECT_EQ(plan.entity_table(), "drivers");
	EXPECT_EQ(path_names(plan), (std::vector<std::string>{"results", "standings", "qualifying"}));
	for (auto &path : plan.paths()) {
		EXPECT_FALSE(path.two_hops) << path.name;
		EXPECT_EQ(path.first.table, path.table);
		EXPECT_EQ(path.first.column, "driverId");
		EXPECT_EQ(path.first.referenced_table, "drivers");
	}
}

TEST(TaskVectorPlanTest, TwoHopsExtendEachFirstHopToParentsExceptTheWayBackAndToChildren) {
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", with_hops(2));
	EXPECT_EQ(path_names(plan),
	          (std::vector<std::string>{"results", "results.raceId->races", "results.constructorId->constructors",
	                                    "standings", "qualifying"}));
	const TaskVectorPath &races = plan.paths()[1];
	EXPECT_TRUE(races.two_hops);
	EXPECT_TRUE(races.to_parent);
	EXPECT_EQ(races.first.table, "results");
	EXPECT_EQ(races.second.table, "results");
	EXPECT_EQ(races.second.column, "raceId");
	EXPECT_EQ(races.table, "races");

	// From circuits the event table is races, whose only parent is the way back; results is its child.
	TaskVectorPlan circuits = TaskVectorPlan::make(f1_graph(), "circuits", with_hops(2));
	EXPECT_EQ(path_names(circuits), (std::vector<std::string>{"races", "races<-results.raceId"}));
	const TaskVectorPath &child = circuits.paths()[1];
	EXPECT_TRUE(child.two_hops);
	EXPECT_FALSE(child.to_parent);
	EXPECT_EQ(child.second.table, "results");
	EXPECT_EQ(child.second.referenced_table, "races");
	EXPECT_EQ(child.table, "results");

	// The default is two hops; second hops reach untimed tables too.
	TaskVectorPlan shop = TaskVectorPlan::make(shop_graph(), "customers", {});
	EXPECT_EQ(path_names(shop), (std::vector<std::string>{"orders", "orders<-order_items.order_id", "reviews",
	                                                      "reviews.product_id->products"}));
}

TEST(TaskVectorPlanTest, SeveralForeignKeysFromOneTableAreNamedByColumn) {
	TaskVectorPlan plan = TaskVectorPlan::make(bank_graph(), "accounts", with_hops(2));
	EXPECT_EQ(path_names(plan), (std::vector<std::string>{"transfers.from_id", "transfers.from_id.to_id->accounts",
	                                                      "transfers.to_id", "transfers.to_id.from_id->accounts"}));
	EXPECT_EQ(plan.paths()[2].first.column, "to_id");
}

TEST(TaskVectorPlanTest, EntityWithoutTimedChildrenHasNoOutgoingPaths) {
	std::string message = invalid_input(f1_graph(), "results", {});
	EXPECT_EQ(message,
	          "entity table \"results\" has no outgoing paths: no table with a time column has a foreign key to it");
	// orders has a child, but order_items has no time column.
	message = invalid_input(shop_graph(), "orders", {});
	EXPECT_TRUE(contains(message, "entity table \"orders\" has no outgoing paths")) << message;
	// Without results, constructors has no child at all.
	message = invalid_input(f1_graph({"constructors", "drivers"}), "constructors", with_hops(1));
	EXPECT_TRUE(contains(message, "\"constructors\" has no outgoing paths")) << message;
}

TEST(TaskVectorPlanTest, BadEntityTableOrHopsAreRejected) {
	EXPECT_THROW(TaskVectorPlan::make(f1_graph(), "pit_stops", {}), NotFoundError);
	std::string message = invalid_input(f1_graph(), "lap_log", {});
	EXPECT_TRUE(contains(message, "\"lap_log\" has no primary key")) << message;
	for (int hops : {0, 3, -1}) {
		message = invalid_input(f1_graph(), "drivers", with_hops(hops));
		EXPECT_TRUE(contains(message, "hops must be 1 or 2, got " + std::to_string(hops))) << message;
	}
}

TEST(TaskVectorPlanTest, PathOptionKeepsTheNamedPathsInPlanOrder) {
	TaskVectorOptions options;
	options.paths = {"standings", "results.raceId->races"};
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", options);
	EXPECT_EQ(path_names(plan), (std::vector<std::string>{"results.raceId->races", "standings"}));
	EXPECT_EQ(plan.components().front().path, 0);
	EXPECT_EQ(plan.components().back().path, 1);

	options.paths = {"results", "results.driverId->drivers"};
	std::string message = invalid_input(f1_graph(), "drivers", options);
	EXPECT_TRUE(contains(message, "\"results.driverId->drivers\"")) << message;
	EXPECT_TRUE(contains(message, "results, results.raceId->races, results.constructorId->constructors, standings, "
	                              "qualifying"))
	    << message;

	// A two-hop name is unknown with one hop.
	options = with_hops(1);
	options.paths = {"results.raceId->races"};
	message = invalid_input(f1_graph(), "drivers", options);
	EXPECT_TRUE(contains(message, "available paths: results, standings, qualifying")) << message;
}

TEST(TaskVectorPlanTest, ColumnOptionKeepsTheNamedColumnsAndEveryRowCount) {
	TaskVectorOptions options = with_hops(1);
	options.columns = {"results.positionOrder", "standings.points"};
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", options);
	EXPECT_EQ(component_names(plan),
	          (std::vector<std::string>{"results.rows", "results.positionOrder.mean", "results.positionOrder.min",
	                                    "results.positionOrder.max", "results.positionOrder.sum",
	                                    "results.positionOrder.count", "results.positionOrder.stddev",
	                                    "standings.rows", "standings.points.mean", "standings.points.min",
	                                    "standings.points.max", "standings.points.sum", "standings.points.count",
	                                    "standings.points.stddev", "qualifying.rows"}));

	// Keys, time columns and columns of tables no path reaches are no features.
	for (std::string column : {"results.date", "results.raceId", "drivers.nationality", "results.nope"}) {
		options.columns = {column};
		std::string message = invalid_input(f1_graph(), "drivers", options);
		EXPECT_TRUE(contains(message, "\"" + column + "\"")) << message;
		EXPECT_TRUE(contains(message, "available columns: results.positionOrder, results.statusId, results.fastest, "
		                              "standings.points, qualifying.position"))
		    << message;
	}
}

TEST(TaskVectorPlanTest, ComponentsFollowColumnRolesInTableOrder) {
	TaskVectorOptions options = with_hops(2);
	options.paths = {"results", "results.constructorId->constructors"};
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", options);
	// resultId, raceId, driverId, constructorId (keys) and date (time) give nothing.
	EXPECT_EQ(component_names(plan),
	          (std::vector<std::string>{
	              "results.rows", "results.positionOrder.mean", "results.positionOrder.min",
	              "results.positionOrder.max", "results.positionOrder.sum", "results.positionOrder.count",
	              "results.positionOrder.stddev", "results.statusId.mode", "results.statusId.count",
	              "results.statusId.count_distinct", "results.fastest.mean", "results.fastest.min",
	              "results.fastest.max", "results.fastest.sum", "results.fastest.count", "results.fastest.stddev",
	              "results.constructorId->constructors.rows", "results.constructorId->constructors.nationality.mode",
	              "results.constructorId->constructors.nationality.count",
	              "results.constructorId->constructors.nationality.count_distinct"}));
	const TaskVectorComponent &mode = plan.components()[7];
	EXPECT_TRUE(mode.is_mode());
	EXPECT_EQ(mode.column, "statusId");
	EXPECT_EQ(mode.path, 0);
	EXPECT_EQ(plan.components()[0].statistic, S::Rows);
	EXPECT_TRUE(plan.components()[0].column.empty());
	EXPECT_FALSE(plan.components()[8].is_mode());

	// Free text (reviews.body) is skipped like keys and time.
	options.paths = {"reviews"};
	TaskVectorPlan shop = TaskVectorPlan::make(shop_graph(), "customers", options);
	EXPECT_EQ(shop.components().size(), 7u);
	for (auto &component : shop.components()) {
		EXPECT_NE(component.column, "body");
	}
}

TEST(TaskVectorPlanTest, StatisticNames) {
	EXPECT_EQ(to_string(S::Rows), "rows");
	EXPECT_EQ(to_string(S::Mean), "mean");
	EXPECT_EQ(to_string(S::Stddev), "stddev");
	EXPECT_EQ(to_string(S::Mode), "mode");
	EXPECT_EQ(to_string(S::CountDistinct), "count_distinct");
}

TEST(TaskVectorPlanTest, RowsOfAnUntimedEntityStartAtItsFirstEventOnThePlansFirstHops) {
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", {});
	std::string sql = plan.rows_sql();
	EXPECT_TRUE(contains(sql, "unnest($1::timestamp[])")) << sql;
	EXPECT_TRUE(contains(sql, "f.at <= t.seed_time + $2::interval")) << sql;
	EXPECT_TRUE(contains(sql, "(row_number() OVER (ORDER BY t.seed_time, e.\"driverId\"))::bigint AS row_id, "
	                          "e.\"driverId\" AS entity_key, t.seed_time"))
	    << sql;
	EXPECT_TRUE(contains(sql, "JOIN \"f1\".\"drivers\" e ON e.\"driverId\" = f.entity_key")) << sql;
	EXPECT_TRUE(contains(sql, "ORDER BY row_id")) << sql;
	// One first-activity query per first hop, even when several paths share it (and one recent-activity join).
	EXPECT_EQ(occurrences(sql, "UNION ALL"), 2u) << sql;
	EXPECT_EQ(occurrences(sql, "FROM \"f1\".\"results\" h"), 1u) << sql;
	EXPECT_EQ(occurrences(sql, "JOIN \"f1\".\"results\" h ON"), 1u) << sql;
	EXPECT_TRUE(contains(sql, "SELECT h.\"driverId\" AS entity_key, min(h.\"date\")::timestamp AS at FROM "
	                          "\"f1\".\"standings\" h WHERE h.\"driverId\" IS NOT NULL GROUP BY 1"))
	    << sql;

	// Only the selected paths' first hops count.
	TaskVectorOptions options;
	options.paths = {"standings"};
	sql = TaskVectorPlan::make(f1_graph(), "drivers", options).rows_sql();
	EXPECT_FALSE(contains(sql, "UNION ALL")) << sql;
	EXPECT_FALSE(contains(sql, "\"results\"")) << sql;
	EXPECT_TRUE(contains(sql, "\"f1\".\"standings\"")) << sql;
}

TEST(TaskVectorPlanTest, RowsOfATimedEntityStartAtItsOwnTime) {
	std::string sql = TaskVectorPlan::make(shop_graph(), "customers", {}).rows_sql();
	EXPECT_TRUE(contains(sql, "FROM (SELECT DISTINCT unnest($1::timestamp[]) AS seed_time) AS t JOIN "
	                          "\"shop\".\"customers\" e ON e.\"created_at\" <= t.seed_time"))
	    << sql;
	EXPECT_TRUE(contains(sql, "e.\"customer_id\" AS entity_key")) << sql;
	EXPECT_FALSE(contains(sql, "$2")) << sql;
	// Orders only decide which customers were active.
	EXPECT_EQ(occurrences(sql, "\"orders\""), 1u) << sql;
	EXPECT_TRUE(contains(sql, "JOIN \"shop\".\"orders\" h ON h.\"ordered_at\" > s.seed_time - $3::interval")) << sql;
}

TEST(TaskVectorPlanTest, ActiveEntitiesAreDecidedFromThePastAlone) {
	std::string sql = TaskVectorPlan::make(f1_graph(), "drivers", {}).rows_sql();
	// Without $3 every existing entity counts; with it, those with a first-hop event in (t - $3, t].
	EXPECT_TRUE(contains(sql, ") AS a ON a.seed_time = t.seed_time AND a.entity_key = e.\"driverId\" WHERE "
	                          "$3::interval IS NULL OR a.entity_key IS NOT NULL"))
	    << sql;
	EXPECT_TRUE(contains(sql, "SELECT s.seed_time, h.\"driverId\" AS entity_key FROM (SELECT DISTINCT "
	                          "unnest($1::timestamp[]) AS seed_time) AS s JOIN \"f1\".\"standings\" h ON "
	                          "h.\"date\" > s.seed_time - $3::interval AND h.\"date\" <= s.seed_time"))
	    << sql;
	EXPECT_FALSE(contains(sql, "h.\"date\" > s.seed_time AND")) << sql;
}

TEST(TaskVectorPlanTest, OneHopPathSqlWindowsEventsAfterTheSeedTime) {
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", with_hops(1));
	std::string sql = plan.path_sql(0, kRows);
	EXPECT_EQ(sql.rfind("SELECT r.row_id, count(*)::bigint AS c0, ", 0), 0u) << sql;
	EXPECT_TRUE(contains(sql, " FROM " + kRows +
	                              " r JOIN \"f1\".\"results\" h1 ON h1.\"driverId\" = r.entity_key AND h1.\"date\" > "
	                              "r.seed_time AND h1.\"date\" <= r.seed_time + $1::interval GROUP BY r.row_id ORDER "
	                              "BY r.row_id"))
	    << sql;
	EXPECT_TRUE(contains(sql, "avg(h1.\"positionOrder\"::float8)::float8 AS c1")) << sql;
	EXPECT_TRUE(contains(sql, "stddev_samp(h1.\"positionOrder\"::float8)::float8 AS c6")) << sql;
	EXPECT_TRUE(contains(sql, "(mode() WITHIN GROUP (ORDER BY h1.\"statusId\"::text COLLATE \"C\"))::text AS c7"))
	    << sql;
	EXPECT_TRUE(contains(sql, "count(h1.\"statusId\")::bigint AS c8")) << sql;
	EXPECT_TRUE(contains(sql, "count(DISTINCT h1.\"statusId\")::bigint AS c9")) << sql;
	// Booleans go through integer: PostgreSQL has no boolean to float8 cast.
	EXPECT_EQ(occurrences(sql, "h1.\"fastest\"::int::float8"), 5u) << sql;
	EXPECT_TRUE(contains(sql, "count(h1.\"fastest\")::bigint AS c14")) << sql;
	EXPECT_FALSE(contains(sql, "h1.\"fastest\"::float8")) << sql;
	// Every component of the path, and nothing else, once.
	EXPECT_EQ(occurrences(sql, " AS c"), 16u) << sql;
	EXPECT_FALSE(contains(sql, "$2")) << sql;

	// Later paths name their columns by their index in the whole plan.
	std::string standings = plan.path_sql(1, kRows);
	EXPECT_TRUE(contains(standings, "count(*)::bigint AS c16, avg(h1.\"points\"::float8)::float8 AS c17")) << standings;
	EXPECT_TRUE(contains(standings, "JOIN \"f1\".\"standings\" h1 ON h1.\"driverId\" = r.entity_key")) << standings;
}

TEST(TaskVectorPlanTest, TwoHopPathSqlBoundsTimedSecondHopsByTheWindowEnd) {
	TaskVectorOptions options;
	options.paths = {"results.raceId->races", "results.constructorId->constructors"};
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", options);
	std::string races = plan.path_sql(0, kRows);
	EXPECT_TRUE(contains(races, "h1.\"date\" > r.seed_time AND h1.\"date\" <= r.seed_time + $1::interval JOIN "
	                            "\"f1\".\"races\" h2 ON h2.\"raceId\" = h1.\"raceId\" AND h2.\"date\" <= r.seed_time + "
	                            "$1::interval GROUP BY r.row_id"))
	    << races;
	// Rows counts the rows of the second hop; statistics read its columns.
	EXPECT_TRUE(contains(races, "SELECT r.row_id, count(*)::bigint AS c0, avg(h2.\"round\"::float8)::float8 AS c1"))
	    << races;
	EXPECT_FALSE(contains(races, "h2.\"date\" >")) << races;

	std::string constructors = plan.path_sql(1, kRows);
	EXPECT_TRUE(contains(constructors, "JOIN \"f1\".\"constructors\" h2 ON h2.\"constructorId\" = "
	                                   "h1.\"constructorId\" GROUP BY r.row_id"))
	    << constructors;
	EXPECT_TRUE(contains(constructors, "(mode() WITHIN GROUP (ORDER BY h2.\"nationality\"::text COLLATE \"C\"))::text"))
	    << constructors;

	// To a child: its foreign key matches the event table's primary key; order_items has no time.
	options.paths = {"orders<-order_items.order_id"};
	std::string items = TaskVectorPlan::make(shop_graph(), "customers", options).path_sql(0, kRows);
	EXPECT_TRUE(contains(items, "JOIN \"shop\".\"orders\" h1 ON h1.\"customer_id\" = r.entity_key AND "
	                            "h1.\"ordered_at\" > r.seed_time AND h1.\"ordered_at\" <= r.seed_time + $1::interval "
	                            "JOIN \"shop\".\"order_items\" h2 ON h2.\"order_id\" = h1.\"order_id\" GROUP BY"))
	    << items;
	EXPECT_TRUE(contains(items, "sum(h2.\"quantity\"::float8)::float8")) << items;
}

TEST(TaskVectorPlanTest, EveryIdentifierIsQuoted) {
	TaskVectorPlan plan = TaskVectorPlan::make(quoted_graph(), "Us\"ers", {});
	ASSERT_EQ(path_names(plan), std::vector<std::string>{"Ev\"ents"});
	std::string rows = plan.rows_sql();
	EXPECT_TRUE(contains(rows, "FROM \"My\"\"Schema\".\"Ev\"\"ents\" h")) << rows;
	EXPECT_TRUE(contains(rows, "min(h.\"At\"\"Time\")::timestamp")) << rows;
	EXPECT_TRUE(contains(rows, "JOIN \"My\"\"Schema\".\"Us\"\"ers\" e ON e.\"UserId\" = f.entity_key")) << rows;
	std::string sql = plan.path_sql(0, kRows);
	EXPECT_TRUE(contains(sql, "JOIN \"My\"\"Schema\".\"Ev\"\"ents\" h1 ON h1.\"U\"\"ser\" = r.entity_key AND "
	                          "h1.\"At\"\"Time\" > r.seed_time"))
	    << sql;
	EXPECT_TRUE(contains(sql, "count(DISTINCT h1.\"Kind\")")) << sql;
	EXPECT_TRUE(contains(sql, "avg(h1.\"Val\"\"ue\"::float8)")) << sql;
}

TEST(TaskVectorPlanTest, PathIndexOutOfRangeIsABug) {
	TaskVectorPlan plan = TaskVectorPlan::make(f1_graph(), "drivers", with_hops(1));
	EXPECT_THROW(plan.path_sql(3, kRows), InternalError);
	EXPECT_THROW(plan.path_sql(-1, kRows), InternalError);
}

TEST(TaskVectorPlanTest, JsonNamesPathsAndComponents) {
	TaskVectorOptions options;
	options.paths = {"results.constructorId->constructors", "qualifying"};
	nlohmann::json json = TaskVectorPlan::make(f1_graph(), "drivers", options).to_json();
	nlohmann::json expected = {
	    {"entity_table", "drivers"},
	    {"paths",
	     {{{"name", "results.constructorId->constructors"}, {"table", "constructors"}},
	      {{"name", "qualifying"}, {"table", "qualifying"}}}},
	    {"components",
	     {"results.constructorId->constructors.rows", "results.constructorId->constructors.nationality.mode",
	      "results.constructorId->constructors.nationality.count",
	      "results.constructorId->constructors.nationality.count_distinct", "qualifying.rows",
	      "qualifying.position.mean", "qualifying.position.min", "qualifying.position.max", "qualifying.position.sum",
	      "qualifying.position.count", "qualifying.position.stddev"}}};
	EXPECT_EQ(json, expected) << json.dump(1);
}

} // namespace
} // namespace relml
