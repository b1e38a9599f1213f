#include "graph/data_version.hpp"
#include "graph/data_fingerprint_sql.hpp"

#include <gtest/gtest.h>

namespace relml {
namespace {

TableVersion tracked(const std::string &table, int64_t inserts, int64_t modifications) {
	TableVersion version;
	version.table = table;
	version.relid = 16384;
	version.relfilenode = 16384;
	version.trigger_rows = "731/732";
	version.inserts = inserts;
	version.modifications = modifications;
	version.xid_sum = "1000";
	return version;
}

TableVersion untracked(const std::string &table, const std::string &signature) {
	TableVersion version;
	version.table = table;
	version.untracked_reason = "it is a view";
	version.signature = signature;
	return version;
}

// A tracked table's version never reads its rows: a signature left over changes nothing.
TEST(DataVersionTest, TrackedTablesAreKnownByTheirCounters) {
	TableVersion a = tracked("orders", 3, 1);
	TableVersion b = a;
	b.signature = "10:99";
	EXPECT_EQ(data_fingerprint({a}), data_fingerprint({b}));
	EXPECT_EQ(data_fingerprint({a}), "orders=tracked:16384/16384/731/732/3+1/1000;");
}

// Every write statement, a rewrite (new storage) and any change to the trigger (disabled and enabled again,
// dropped and created) give another fingerprint.
TEST(DataVersionTest, EveryKindOfChangeMovesTheFingerprint) {
	const TableVersion base = tracked("orders", 3, 1);
	std::vector<TableVersion> changed(5, base);
	changed[0].inserts += 1;
	changed[1].modifications += 1;
	changed[2].relfilenode += 1;
	changed[3].trigger_rows = "731/733";
	changed[4].xid_sum = "1001";
	for (const TableVersion &version : changed) {
		EXPECT_NE(data_fingerprint({base}), data_fingerprint({version}));
	}
}

// An untracked table is as current as its rows' signature, whatever counters it may have.
TEST(DataVersionTest, UntrackedTablesAreKnownByTheirRows) {
	TableVersion a = untracked("recent", "10:99");
	TableVersion b = a;
	b.inserts = 7;
	EXPECT_EQ(data_fingerprint({a}), data_fingerprint({b}));
	b.signature = "11:120";
	EXPECT_NE(data_fingerprint({a}), data_fingerprint({b}));
	// Tracked or not is part of the version: a table that stops being tracked is signed afresh.
	EXPECT_NE(data_fingerprint({tracked("recent", 0, 0)}), data_fingerprint({untracked("recent", "")}));
}

// Every table of the graph counts, in order.
TEST(DataVersionTest, AGraphIsKnownByAllItsTables) {
	const std::vector<TableVersion> graph = {tracked("customers", 1, 0), tracked("orders", 3, 1),
	                                         untracked("recent", "10:99")};
	for (size_t t = 0; t < graph.size(); ++t) {
		std::vector<TableVersion> changed = graph;
		changed[t].inserts += 1;
		changed[t].signature += "0";
		EXPECT_NE(data_fingerprint(graph), data_fingerprint(changed)) << graph[t].table;
	}
}

TEST(DataVersionTest, TheTriggersCountEveryKindOfWriteAndAreEnabledAlways) {
	const std::vector<std::string> sql = install_change_tracking_sql("shop", "order items", "item id");
	ASSERT_EQ(sql.size(), 4u);
	EXPECT_EQ(sql[0], "CREATE OR REPLACE TRIGGER relml_track_inserts AFTER INSERT ON \"shop\".\"order items\" "
	                  "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "
	                  "relml._note_table_insert('item id')");
	EXPECT_EQ(sql[1], "CREATE OR REPLACE TRIGGER relml_track_changes AFTER UPDATE OR DELETE OR TRUNCATE ON "
	                  "\"shop\".\"order items\" FOR EACH STATEMENT EXECUTE FUNCTION relml._note_table_change()");
	EXPECT_EQ(sql[2], "ALTER TABLE \"shop\".\"order items\" ENABLE ALWAYS TRIGGER relml_track_inserts");
	EXPECT_EQ(sql[3], "ALTER TABLE \"shop\".\"order items\" ENABLE ALWAYS TRIGGER relml_track_changes");
	// Without a primary key the trigger keeps no keys.
	EXPECT_TRUE(install_change_tracking_sql("shop", "events", "")[0].find("relml._note_table_insert()") !=
	            std::string::npos);
}

// Only the rows the INSERT statements after the cached graph's snapshot added are read, by key.
TEST(DataVersionTest, AppendedRowsAreFoundByKeyAmongTheLaterInserts) {
	EXPECT_EQ(appended_rows_sql("SELECT a FROM \"shop\".\"orders\"", "order id", "bigint", 16384, "10:12:11"),
	          "SELECT a FROM \"shop\".\"orders\" WHERE \"order id\" IN (SELECT k::bigint FROM relml.table_inserts i, "
	          "unnest(i.keys) AS k WHERE i.relid = 16384::oid AND NOT pg_visible_in_snapshot(i.xid, "
	          "'10:12:11'::pg_snapshot))");
}

// Inserts only: the graph takes the new rows in; anything else loads it in full.
TEST(DataVersionTest, OnlyTablesWithInsertsAloneAreAppended) {
	const std::vector<TableVersion> cached = {tracked("customers", 1, 0), tracked("orders", 3, 1),
	                                          untracked("recent", "10:99")};
	std::vector<TableVersion> now = cached;
	EXPECT_EQ(appended_tables(cached, now), std::vector<size_t>{});
	now[1].inserts = 5;
	EXPECT_EQ(appended_tables(cached, now), std::vector<size_t>{1});
	now[0].inserts = 2;
	EXPECT_EQ(appended_tables(cached, now), (std::vector<size_t>{0, 1}));
	for (int change = 0; change < 6; ++change) {
		std::vector<TableVersion> other = now;
		switch (change) {
		case 0: other[1].modifications += 1; break;
		case 1: other[1].relfilenode += 1; break;
		case 2: other[1].trigger_rows = "731/999"; break;
		case 3: other[2].signature = "11:120"; break;
		case 4: other[1].inserts = 2; break; // fewer than before: not the same history
		// As many statements as before, by other writers: the cache saw its own writes, then rolled them back.
		case 5: other[0].inserts = cached[0].inserts; other[0].xid_sum = "1001"; break;
		}
		EXPECT_FALSE(appended_tables(cached, other).has_value()) << change;
	}
	EXPECT_FALSE(appended_tables(cached, {cached[0], cached[1]}).has_value());
	std::vector<TableVersion> stopped = cached;
	stopped[0] = untracked("customers", "1:5");
	EXPECT_FALSE(appended_tables(cached, stopped).has_value());
}

} // namespace
} // namespace relml
