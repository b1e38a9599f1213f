#include "fixtures.hpp"
#include "relatron/signal_sql.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

using testing::contains;

std::vector<std::string> names(const std::vector<MetaPath> &paths) {
	std::vector<std::string> result;
	for (const auto &path : paths) {
		result.push_back(path.name());
	}
	return result;
}

// users <- follows (two keys to users, timed) ; users <- posts -> topics.
SchemaGraph social_graph() {
	using R = ColumnRole;
	std::vector<Table> tables = {
	    {"users", "user_id", "", {{"user_id", "bigint", R::PrimaryKey}}},
	    {"topics", "topic_id", "", {{"topic_id", "bigint", R::PrimaryKey}}},
	    {"follows",
	     "",
	     "since",
	     {{"follower", "bigint", R::ForeignKey},
	      {"followee", "bigint", R::ForeignKey},
	      {"since", "timestamp without time zone", R::Time}}},
	    {"posts",
	     "post_id",
	     "",
	     {{"post_id", "bigint", R::PrimaryKey},
	      {"user_id", "bigint", R::ForeignKey},
	      {"topic_id", "bigint", R::ForeignKey}}},
	};
	std::vector<ForeignKey> fks = {{"follows", "follower", "users"},
	                               {"follows", "followee", "users"},
	                               {"posts", "user_id", "users"},
	                               {"posts", "topic_id", "topics"}};
	return SchemaGraph("social", tables, fks);
}

// drivers: results links them to races and constructors; standings and qualifying only to themselves.
TEST(SignalSqlTest, MetaPathsOfDriversGoThroughResults) {
	EXPECT_EQ(names(enumerate_meta_paths(testing::f1_graph(), "drivers")),
	          (std::vector<std::string>{"drivers -> results.raceId -> races -> drivers",
	                                    "drivers -> results.constructorId -> constructors -> drivers"}));
}

// races: results links them to drivers and constructors; their own key to circuits links races of a circuit.
TEST(SignalSqlTest, MetaPathsOfRacesIncludeTheirOwnParent) {
	const auto paths = enumerate_meta_paths(testing::f1_graph(), "races");
	EXPECT_EQ(names(paths), (std::vector<std::string>{"races -> results.driverId -> drivers -> races",
	                                                  "races -> results.constructorId -> constructors -> races",
	                                                  "races -> races.circuitId -> circuits -> races"}));
	EXPECT_EQ(paths[2].entity_column, "raceId");
	EXPECT_EQ(paths[2].time_column, "date");
	EXPECT_EQ(paths[0].time_column, "date");
}

// Two keys to the entity in one table make one direct path, not two.
TEST(SignalSqlTest, TwoKeysToTheEntityGiveOneDirectPath) {
	const auto paths = enumerate_meta_paths(social_graph(), "users");
	ASSERT_EQ(paths.size(), 2u);
	EXPECT_EQ(paths[0].kind, MetaPath::Kind::Direct);
	EXPECT_EQ(paths[0].name(), "users -> follows.follower|followee -> users");
	EXPECT_EQ(paths[1].name(), "users -> posts.topic_id -> topics -> users");
	EXPECT_EQ(paths[1].time_column, "");
}

TEST(SignalSqlTest, LinkingKeysAreOtherTablesKeysToTheEntity) {
	const auto links = linking_foreign_keys(testing::f1_graph(), "drivers");
	ASSERT_EQ(links.size(), 3u);
	EXPECT_EQ(links[0].table, "results");
	EXPECT_EQ(links[1].table, "standings");
	EXPECT_EQ(links[2].table, "qualifying");
	EXPECT_FALSE(linking_foreign_keys(testing::f1_graph(), "circuits").empty());
	EXPECT_TRUE(linking_foreign_keys(testing::f1_graph(), "lap_log").empty());
}

TEST(SignalSqlTest, EntitiesAreNumberedFromTrainAndValRows) {
	EXPECT_EQ(create_signal_entities_sql("integer"),
	          "CREATE TEMP TABLE relml_signal_entities ON COMMIT DROP AS SELECT (row_number() OVER (ORDER BY "
	          "k.entity_key) - 1)::int8 AS idx, k.entity_key AS key_text, k.entity_key::integer AS entity_key FROM "
	          "(SELECT DISTINCT entity_key FROM pg_temp.relml_signal_rows WHERE task_id = $1::int AND split IN ('train', "
	          "'val')) k");
	EXPECT_TRUE(contains(entity_class_counts_sql(), "split IN ('train', 'val') GROUP BY 1, 2 ORDER BY 1, 2"));
	EXPECT_TRUE(contains(entity_mean_labels_sql(), "avg(r.label)::float8"));
}

// Shared values by md5 order, a bounded number of members each, distinct unordered pairs.
TEST(SignalSqlTest, EdgesOfASharedPathAreBoundedAndDeterministic) {
	const auto path = enumerate_meta_paths(testing::f1_graph(), "drivers")[0];
	SignalBounds bounds;
	bounds.max_middle_values = 7;
	bounds.max_members_per_value = 3;
	EXPECT_EQ(meta_path_edges_sql("f1", path, bounds, std::nullopt),
	          "WITH links AS (SELECT DISTINCT l.\"raceId\" AS middle, e.idx FROM \"f1\".\"results\" l JOIN "
	          "pg_temp.relml_signal_entities e ON e.entity_key = l.\"driverId\" WHERE l.\"raceId\" IS NOT NULL), "
	          "members AS MATERIALIZED (SELECT middle, idx FROM (SELECT middle, idx, dense_rank() OVER (ORDER BY "
	          "md5(middle::text), middle) AS middle_rank, row_number() OVER (PARTITION BY middle ORDER BY "
	          "md5(idx::text)) AS member_rank FROM links) r WHERE middle_rank <= 7 AND member_rank <= 3) SELECT "
	          "DISTINCT a.idx AS u, b.idx AS v FROM members a JOIN members b ON a.middle = b.middle AND a.idx < b.idx "
	          "ORDER BY 1, 2");
}

// Large tables are read through a repeatable block sample sized to the row budget.
TEST(SignalSqlTest, LargeLinkTablesAreSampledRepeatably) {
	EXPECT_FALSE(sample_percent(26000, 500000));
	EXPECT_FALSE(sample_percent(0, 500000));
	EXPECT_DOUBLE_EQ(*sample_percent(10000000, 500000), 5.0);
	const auto path = enumerate_meta_paths(testing::f1_graph(), "drivers")[0];
	EXPECT_TRUE(contains(meta_path_edges_sql("f1", path, SignalBounds(), 5.0),
	                     "FROM \"f1\".\"results\" l TABLESAMPLE SYSTEM (5) REPEATABLE (0) JOIN"));
	EXPECT_EQ(table_rows_estimate_sql(),
	          "SELECT greatest(reltuples, 0)::float8 FROM pg_catalog.pg_class WHERE oid = $1::regclass");
}

TEST(SignalSqlTest, EdgesOfADirectPathComeFromOneRow) {
	const auto path = enumerate_meta_paths(social_graph(), "users")[0];
	EXPECT_EQ(meta_path_edges_sql("social", path, SignalBounds(), std::nullopt),
	          "SELECT DISTINCT least(a.idx, b.idx) AS u, greatest(a.idx, b.idx) AS v FROM \"social\".\"follows\" l "
	          "JOIN pg_temp.relml_signal_entities a ON a.entity_key = l.\"follower\" JOIN "
	          "pg_temp.relml_signal_entities b ON b.entity_key = l.\"followee\" WHERE a.idx <> b.idx ORDER BY 1, 2");
}

TEST(SignalSqlTest, AutocorrelationIsWithinEntitiesInSeedTimeOrder) {
	EXPECT_EQ(label_autocorrelation_sql(),
	          "SELECT corr(label, lag1)::float8 AS lag1, corr(label, lag2)::float8 AS lag2 FROM (SELECT label, "
	          "lag(label, 1) OVER w AS lag1, lag(label, 2) OVER w AS lag2 FROM pg_temp.relml_signal_rows WHERE task_id = "
	          "$1::int AND split IN ('train', 'val') WINDOW w AS (PARTITION BY entity_key ORDER BY seed_time)) t");
	EXPECT_TRUE(contains(label_size_sql(), "split IN ('train', 'val') GROUP BY label"));
}

// The context of a seed: its own and its neighbours' rows, never at or after the seed time, all bounded.
TEST(SignalSqlTest, ContextAffinityLooksOnlyIntoTheSeedsPast) {
	const auto graph = testing::f1_graph();
	SignalBounds bounds;
	const std::string sql = context_affinity_sql("f1", "integer", enumerate_meta_paths(graph, "drivers"), bounds);
	EXPECT_TRUE(contains(sql, "WHERE task_id = $1::int AND split = 'train' ORDER BY h LIMIT 1000")) << sql;
	EXPECT_TRUE(contains(sql, "own_0 AS (SELECT seed_id, middle FROM (SELECT s.seed_id, l.\"raceId\" AS middle, "
	                          "row_number() OVER (PARTITION BY s.seed_id ORDER BY l.\"date\" DESC, "
	                          "md5(l.\"raceId\"::text)) AS rank FROM seeds s JOIN \"f1\".\"results\" l ON "
	                          "l.\"driverId\" = s.entity_key WHERE l.\"raceId\" IS NOT NULL AND l.\"date\" <= "
	                          "s.seed_time) o WHERE rank <= 5)"))
	    << sql;
	EXPECT_TRUE(contains(sql, "UNION SELECT o.seed_id, m.entity_key FROM own_1 o JOIN seeds s USING (seed_id) JOIN "
	                          "(SELECT l.\"constructorId\" AS middle, l.\"driverId\" AS entity_key, min(l.\"date\") "
	                          "AS first_seen FROM \"f1\".\"results\" l WHERE l.\"constructorId\" IN (SELECT middle "
	                          "FROM own_1) AND l.\"driverId\" IS NOT NULL GROUP BY 1, 2) m ON m.middle = o.middle "
	                          "WHERE m.first_seen <= s.seed_time"))
	    << sql;
	EXPECT_TRUE(contains(sql, "JOIN pg_temp.relml_signal_rows r ON r.entity_key = b.key_text AND r.seed_time < b.seed_time"))
	    << sql;
	EXPECT_TRUE(contains(sql, "WHERE rank <= 50)")) << sql;
	EXPECT_TRUE(contains(sql, "entity_key::integer AS entity_key")) << sql;
}

// Links of a static table count whatever the seed time; a direct path adds both directions.
TEST(SignalSqlTest, ContextAffinityOfStaticAndDirectPaths) {
	const std::string sql =
	    context_affinity_sql("social", "bigint", enumerate_meta_paths(social_graph(), "users"), SignalBounds());
	EXPECT_TRUE(contains(sql, "SELECT s.seed_id, l.\"followee\" FROM seeds s JOIN \"social\".\"follows\" l ON "
	                          "l.\"follower\" = s.entity_key WHERE l.\"followee\" IS NOT NULL AND l.\"since\" <= "
	                          "s.seed_time UNION SELECT s.seed_id, l.\"follower\""))
	    << sql;
	EXPECT_TRUE(contains(sql, "own_1 AS (SELECT seed_id, middle FROM (SELECT s.seed_id, l.\"topic_id\" AS middle, "
	                          "row_number() OVER (PARTITION BY s.seed_id ORDER BY md5(l.\"topic_id\"::text)) AS "
	                          "rank FROM seeds s JOIN \"social\".\"posts\" l ON l.\"user_id\" = s.entity_key WHERE "
	                          "l.\"topic_id\" IS NOT NULL) o"))
	    << sql;
	EXPECT_FALSE(contains(sql, "own_0")) << sql;
}

// An entity is cold when no linking table has a row of it before the cutoff ($3).
TEST(SignalSqlTest, ColdStartLooksForAnyEarlierLinkingRow) {
	const auto graph = testing::f1_graph();
	EXPECT_EQ(cold_start_share_sql(graph, "integer", linking_foreign_keys(graph, "drivers")),
	          "SELECT avg((NOT EXISTS (SELECT 1 FROM \"f1\".\"results\" l0 WHERE l0.\"driverId\" = e.entity_key AND "
	          "l0.\"date\" < $3::timestamp) AND NOT EXISTS (SELECT 1 FROM \"f1\".\"standings\" l1 WHERE "
	          "l1.\"driverId\" = e.entity_key AND l1.\"date\" < $3::timestamp) AND NOT EXISTS (SELECT 1 FROM "
	          "\"f1\".\"qualifying\" l2 WHERE l2.\"driverId\" = e.entity_key AND l2.\"date\" < $3::timestamp))::int)"
	          "::float8 FROM (SELECT DISTINCT entity_key::integer AS entity_key FROM pg_temp.relml_signal_rows WHERE task_id = "
	          "$1::int AND split = $2) e");
	const auto social = social_graph();
	EXPECT_TRUE(contains(cold_start_share_sql(social, "bigint", linking_foreign_keys(social, "users")),
	                     "FROM \"social\".\"posts\" l2 WHERE l2.\"user_id\" = e.entity_key)"));
	EXPECT_THROW(cold_start_share_sql(graph, "integer", {}), std::exception);
}

TEST(SignalSqlTest, ObservationGapIsTheMedianTestLead) {
	EXPECT_EQ(median_test_lead_days_sql(),
	          "SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM seed_time - $2::timestamp) / "
	          "86400.0))::float8 FROM pg_temp.relml_signal_rows WHERE task_id = $1::int AND split = 'test'");
}

} // namespace
} // namespace relml

namespace relml {
namespace {

TEST(SignalSqlTest, EveryQueryReadsTheAnalyzedCopyOfTheTaskRows) {
	EXPECT_EQ(create_signal_rows_sql(),
	          "CREATE TEMP TABLE relml_signal_rows ON COMMIT DROP AS SELECT task_id, split, seed_time, entity_key, "
	          "label FROM relml.task_rows WHERE task_id = $1::int");
	EXPECT_EQ(analyze_temp_table_sql(kSignalRowsTable), "ANALYZE pg_temp.relml_signal_rows");
	for (const std::string &sql : {label_size_sql(), label_autocorrelation_sql(), entity_class_counts_sql(),
	                               entity_mean_labels_sql(), median_test_lead_days_sql()}) {
		EXPECT_EQ(sql.find("relml.task_rows"), std::string::npos) << sql;
	}
}

} // namespace
} // namespace relml
