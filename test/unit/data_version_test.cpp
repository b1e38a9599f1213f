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
	version.trigger_row = "731";
	version.inserts = inserts;
	version.modifications = modifications;
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
	EXPECT_EQ(data_fingerprint({a}), "orders=tracked:16384/16384/731/3+1;");
}

// Every write statement, a rewrite (new storage) and any change to the trigger (disabled and enabled again,
// dropped and created) give another fingerprint.
TEST(DataVersionTest, EveryKindOfChangeMovesTheFingerprint) {
	const TableVersion base = tracked("orders", 3, 1);
	std::vector<TableVersion> changed(4, base);
	changed[0].inserts += 1;
	changed[1].modifications += 1;
	changed[2].relfilenode += 1;
	changed[3].trigger_row = "732";
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

TEST(DataVersionTest, TheTriggerCountsEveryKindOfWriteAndIsEnabledAlways) {
	const std::vector<std::string> sql = install_change_tracking_sql("shop", "order items");
	ASSERT_EQ(sql.size(), 2u);
	EXPECT_EQ(sql[0], "CREATE OR REPLACE TRIGGER relml_track_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
	                  "\"shop\".\"order items\" FOR EACH STATEMENT EXECUTE FUNCTION relml._note_table_change()");
	EXPECT_EQ(sql[1], "ALTER TABLE \"shop\".\"order items\" ENABLE ALWAYS TRIGGER relml_track_changes");
}

} // namespace
} // namespace relml
