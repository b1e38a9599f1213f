#include "common/error.hpp"
#include "dfs/dfs_planner.hpp"
#include "dfs/dfs_query_builder.hpp"
#include "task/seed_sql.hpp"
#include "fixtures.hpp"
#include "sql/identifier.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;
using R = ColumnRole;

const std::string kSeeds = "pg_temp.relml_seeds";

// Every identifier has a double quote in it, and a categorical value has a single quote.
SchemaGraph weird_graph() {
	std::vector<Table> tables = {
	    {"us\"ers",
	     "u\"id",
	     "",
	     {{"u\"id", "integer", R::PrimaryKey}, {"a\"ge", "integer", R::Numerical}}},
	    {"ev\"ents",
	     "e\"id",
	     "at\"time",
	     {{"e\"id", "integer", R::PrimaryKey},
	      {"u\"ser", "integer", R::ForeignKey},
	      {"at\"time", "timestamp without time zone", R::Time},
	      {"ki\"nd", "text", R::Categorical},
	      {"va,lue", "double precision", R::Numerical}}},
	};
	return SchemaGraph("sch\"ema", tables, {{"ev\"ents", "u\"ser", "us\"ers"}});
}

size_t occurrences(const std::string &text, const std::string &part) {
	size_t count = 0;
	for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
		++count;
	}
	return count;
}

// The top-level expressions of the SELECT list: split on commas outside parentheses and quotes.
std::vector<std::string> select_list(const std::string &sql) {
	EXPECT_EQ(sql.rfind("SELECT ", 0), 0u) << sql;
	// The seed relation, with its window starts when the spec has windows.
	size_t end = sql.find(" FROM (SELECT w.*");
	if (end == std::string::npos) {
		end = sql.find(" FROM " + kSeeds + " s");
	}
	EXPECT_NE(end, std::string::npos) << sql;
	std::vector<std::string> items(1);
	int depth = 0;
	char quote = 0;
	for (size_t i = 7; i < end; ++i) {
		char c = sql[i];
		if (quote) {
			quote = c == quote ? 0 : quote; // a doubled quote closes and reopens: same net effect
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '(') {
			++depth;
		} else if (c == ')') {
			--depth;
		} else if (c == ',' && depth == 0) {
			items.emplace_back();
			continue;
		}
		items.back() += c;
		EXPECT_GE(depth, 0) << sql;
	}
	EXPECT_EQ(depth, 0) << sql;
	EXPECT_EQ(quote, 0) << sql;
	for (auto &item : items) {
		item.erase(0, item.find_first_not_of(' '));
	}
	return items;
}

struct Join {
	std::string table;
	std::string alias;
	std::string on;
};

// The JOINs of a query's FROM clause: "JOIN <qualified table> <alias> ON <condition>", in order.
std::vector<Join> joins(const std::string &sql, const SchemaGraph &graph) {
	// The seed relation, with its window starts when the spec has windows.
	std::string from = " FROM " + kSeeds + " w OFFSET 0) s";
	size_t at = sql.find(from);
	if (at == std::string::npos) {
		from = " FROM " + kSeeds + " s";
		at = sql.find(from);
	}
	EXPECT_NE(at, std::string::npos) << sql;
	std::string rest = sql.substr(at + from.size());
	for (const char *tail : {" GROUP BY ", " ORDER BY "}) {
		size_t cut = rest.find(tail);
		if (cut != std::string::npos) {
			rest = rest.substr(0, cut);
		}
	}
	std::vector<Join> result;
	const std::string keyword = " JOIN ";
	size_t pos = rest.find(keyword);
	while (pos != std::string::npos) {
		size_t next = rest.find(keyword, pos + keyword.size());
		std::string part = rest.substr(pos + keyword.size(), next == std::string::npos ? std::string::npos
		                                                                               : next - pos - keyword.size());
		Join join;
		for (auto &t : graph.tables()) {
			std::string name = qualified_name(graph.schema(), t.name) + " ";
			if (part.rfind(name, 0) == 0) {
				join.table = t.name;
				part = part.substr(name.size());
			}
		}
		EXPECT_FALSE(join.table.empty()) << "unknown table in JOIN " << part;
		size_t on = part.find(" ON ");
		EXPECT_NE(on, std::string::npos) << part;
		join.alias = part.substr(0, on);
		join.on = part.substr(on + 4);
		result.push_back(join);
		pos = next;
	}
	return result;
}

// The no-look-ahead guarantee: every joined table with a time column is cut at the seed's observation time.
void expect_time_filtered(const std::string &sql, const SchemaGraph &graph, size_t expected_joins) {
	auto found = joins(sql, graph);
	EXPECT_EQ(found.size(), expected_joins) << sql;
	for (auto &join : found) {
		const Table &table = graph.table(join.table);
		if (table.has_time()) {
			EXPECT_TRUE(contains(join.on, join.alias + "." + quote_ident(table.time_column) + " <= s.obs_time"))
			    << join.table << ": " << join.on;
		}
	}
}

TEST(DfsQueryBuilderTest, OneQueryForTheRowAndOnePerPath) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers", nlohmann::json::object(), {{"results.statusId", {"1", "11"}}});
	auto queries = build_feature_queries(spec, g, kSeeds);
	ASSERT_EQ(queries.size(), 1 + spec.paths.size());
	EXPECT_GT(spec.feature_count(), 10 * queries.size());
	EXPECT_TRUE(queries[0].own);
	EXPECT_EQ(queries[0].path, &spec.own);
	for (size_t i = 0; i < spec.paths.size(); ++i) {
		EXPECT_FALSE(queries[i + 1].own);
		EXPECT_EQ(queries[i + 1].path, &spec.paths[i]);
	}
}

TEST(DfsQueryBuilderTest, AggregatedQueriesGroupAndOrderBySeed) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers");
	auto queries = build_feature_queries(spec, g, kSeeds);
	for (size_t i = 1; i < queries.size(); ++i) {
		const std::string &sql = queries[i].sql;
		ASSERT_TRUE(queries[i].path->aggregated);
		EXPECT_TRUE(contains(sql, " GROUP BY s.row_id")) << sql;
		EXPECT_EQ(occurrences(sql, " GROUP BY "), 1u) << sql;
		const std::string order = " ORDER BY s.row_id";
		EXPECT_EQ(sql.substr(sql.size() - order.size()), order) << sql;
		EXPECT_GT(sql.find(" ORDER BY "), sql.find(" GROUP BY ")) << sql;
	}
}

TEST(DfsQueryBuilderTest, ForwardQueriesReadOneRowPerSeed) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "results");
	auto queries = build_feature_queries(spec, g, kSeeds);
	ASSERT_EQ(queries.size(), 1 + spec.paths.size());
	for (size_t i = 1; i < queries.size(); ++i) {
		const std::string &sql = queries[i].sql;
		EXPECT_FALSE(queries[i].path->aggregated);
		EXPECT_FALSE(contains(sql, "GROUP BY")) << sql;
		EXPECT_EQ(sql.substr(sql.size() - 18), " ORDER BY s.row_id") << sql;
	}
}

TEST(DfsQueryBuilderTest, EveryTimedTableOnAPathIsCutAtObservationTime) {
	struct Case {
		SchemaGraph graph;
		std::string entity;
	};
	std::vector<Case> cases = {{f1_graph(), "drivers"},    {f1_graph(), "results"}, {f1_graph(), "races"},
	                           {shop_graph(), "customers"}, {shop_graph(), "orders"}, {shop_graph(), "products"},
	                           {shop_graph(), "order_items"}, {shop_graph(), "reviews"}};
	size_t timed_joins = 0;
	for (auto &c : cases) {
		FeatureSpec spec = plan(c.graph, c.entity);
		auto queries = build_feature_queries(spec, c.graph, kSeeds);
		for (size_t i = 1; i < queries.size(); ++i) {
			const FeaturePath &path = *queries[i].path;
			// Forward paths also join the entity row itself (alias a0), which is cut like any other table.
			size_t expected = path.hops.size() + (path.hops.front().backward ? 0 : 1);
			SCOPED_TRACE(c.entity + " / " + path.name);
			expect_time_filtered(queries[i].sql, c.graph, expected);
			for (auto &join : joins(queries[i].sql, c.graph)) {
				timed_joins += c.graph.table(join.table).has_time() ? 1 : 0;
			}
		}
	}
	EXPECT_GT(timed_joins, 20u);
}

TEST(DfsQueryBuilderTest, JoinsFollowTheHops) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers");
	auto queries = build_feature_queries(spec, g, kSeeds);
	for (auto &q : queries) {
		if (q.own || q.path->name != "results.races") {
			continue;
		}
		auto found = joins(q.sql, g);
		ASSERT_EQ(found.size(), 2u);
		EXPECT_EQ(found[0].table, "results");
		EXPECT_EQ(found[0].alias, "a1");
		EXPECT_EQ(found[0].on, "a1.\"driverId\" = s.entity_key AND a1.\"date\" <= s.obs_time");
		EXPECT_EQ(found[1].table, "races");
		EXPECT_EQ(found[1].alias, "a2");
		EXPECT_EQ(found[1].on, "a2.\"raceId\" = a1.\"raceId\" AND a2.\"date\" <= s.obs_time");
		// Windows and recency are measured on the deepest timed table.
		EXPECT_TRUE(contains(q.sql, "max(a2.\"date\")")) << q.sql;
		EXPECT_TRUE(contains(q.sql, "a2.\"date\" > s.window_start_0")) << q.sql;
		EXPECT_TRUE(contains(q.sql, "w.obs_time - interval '30 days' AS window_start_0")) << q.sql;
		return;
	}
	FAIL() << "no results.races query";
}

TEST(DfsQueryBuilderTest, ForwardJoinsStartAtTheEntityRow) {
	SchemaGraph g = shop_graph();
	FeatureSpec spec = plan(g, "orders");
	auto queries = build_feature_queries(spec, g, kSeeds);
	for (auto &q : queries) {
		if (q.own || q.path->name != "customers") {
			continue;
		}
		auto found = joins(q.sql, g);
		ASSERT_EQ(found.size(), 2u);
		EXPECT_EQ(found[0].table, "orders");
		EXPECT_EQ(found[0].alias, "a0");
		EXPECT_EQ(found[0].on, "a0.\"order_id\" = s.entity_key AND a0.\"ordered_at\" <= s.obs_time");
		EXPECT_EQ(found[1].table, "customers");
		EXPECT_EQ(found[1].alias, "a1");
		EXPECT_EQ(found[1].on, "a1.\"customer_id\" = a0.\"customer_id\" AND a1.\"created_at\" <= s.obs_time");
		return;
	}
	FAIL() << "no customers query";
}

TEST(DfsQueryBuilderTest, BackwardThenBackwardJoinsOnTheMiddleKey) {
	SchemaGraph g = shop_graph();
	FeatureSpec spec = plan(g, "customers");
	auto queries = build_feature_queries(spec, g, kSeeds);
	for (auto &q : queries) {
		if (q.own || q.path->name != "orders.order_items") {
			continue;
		}
		auto found = joins(q.sql, g);
		ASSERT_EQ(found.size(), 2u);
		EXPECT_EQ(found[0].on, "a1.\"customer_id\" = s.entity_key AND a1.\"ordered_at\" <= s.obs_time");
		// order_items has no time: no filter of its own, windows on the orders' time.
		EXPECT_EQ(found[1].on, "a2.\"order_id\" = a1.\"order_id\"");
		EXPECT_TRUE(contains(q.sql, "a1.\"ordered_at\" > s.window_start_")) << q.sql;
		return;
	}
	FAIL() << "no orders.order_items query";
}

TEST(DfsQueryBuilderTest, WindowsFilterOnObservationTime) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers", {{"windows", {7, 30.5}}});
	auto queries = build_feature_queries(spec, g, kSeeds);
	for (size_t i = 1; i < queries.size(); ++i) {
		const std::string &sql = queries[i].sql;
		const FeaturePath &path = *queries[i].path;
		bool context = path.hops.size() > 1 && !path.hops.back().backward;
		// Each window's start is computed once per seed, not per row and feature.
		EXPECT_TRUE(contains(sql, "(SELECT w.*, w.obs_time - interval '7 days' AS window_start_0, "
		                          "w.obs_time - interval '30.5 days' AS window_start_1 FROM " + kSeeds + " w OFFSET 0) s"))
		    << sql;
		EXPECT_EQ(occurrences(sql, "interval '"), 2u) << sql;
		EXPECT_TRUE(contains(sql, " > s.window_start_0)")) << sql;
		// Context paths (a child's parents) keep only the shortest window.
		EXPECT_EQ(contains(sql, " > s.window_start_1)"), !context) << sql;
		// One window condition per windowed feature.
		size_t windowed = 0;
		for (auto &f : queries[i].path->features) {
			windowed += f.window >= 0 ? 1 : 0;
		}
		EXPECT_EQ(occurrences(sql, " FILTER (WHERE "), windowed) << sql;
	}
}

TEST(DfsQueryBuilderTest, ShareValuesAreBoundParameters) {
	SchemaGraph g = f1_graph();
	const std::string evil = "1'); DROP TABLE f1.results; --";
	FeatureSpec spec = plan(g, "drivers", {{"windows", {30}}}, {{"results.statusId", {evil, "11"}}});
	auto queries = build_feature_queries(spec, g, kSeeds);
	size_t checked = 0;
	for (auto &q : queries) {
		EXPECT_FALSE(contains(q.sql, "DROP TABLE")) << q.sql;
		size_t shares = 0;
		for (auto &f : q.path->features) {
			shares += f.aggregate == Aggregate::Share ? 1 : 0;
		}
		ASSERT_EQ(q.parameters.size(), shares);
		for (size_t p = 0; p < q.parameters.size(); ++p) {
			EXPECT_EQ(occurrences(q.sql, "$" + std::to_string(p + 1) + ")"), 1u) << q.sql;
		}
		EXPECT_FALSE(contains(q.sql, "$" + std::to_string(q.parameters.size() + 1))) << q.sql;
		if (q.path->name == "results") {
			// all history and one window, two values each, in feature order
			EXPECT_EQ(q.parameters, (std::vector<std::string>{evil, "11", evil, "11"}));
			EXPECT_TRUE(contains(q.sql, "avg((a1.\"statusId\"::text = $1)::int)")) << q.sql;
			++checked;
		}
	}
	EXPECT_EQ(checked, 1u);
}

// A seed relation with parameters of its own (one entity's seed) keeps $1..$4; the share values come after.
TEST(DfsQueryBuilderTest, ShareParametersFollowTheSeedRelations) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers", {{"windows", {30}}}, {{"results.statusId", {"1", "11"}}});
	const std::string seeds = single_seed_relation_sql("int8");
	for (auto &q : build_feature_queries(spec, g, seeds, 5)) {
		EXPECT_TRUE(contains(q.sql, "FROM " + seeds + " ")) << q.sql;
		for (size_t p = 0; p < q.parameters.size(); ++p) {
			EXPECT_EQ(occurrences(q.sql, "$" + std::to_string(p + 5) + ")"), 1u) << q.sql;
		}
		if (q.path->name == "results") {
			EXPECT_TRUE(contains(q.sql, "avg((a1.\"statusId\"::text = $5)::int)")) << q.sql;
			EXPECT_FALSE(contains(q.sql, "$" + std::to_string(q.parameters.size() + 5))) << q.sql;
		}
	}
}

TEST(DfsQueryBuilderTest, OwnQueryLeftJoinsTheEntityRow) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers");
	auto queries = build_feature_queries(spec, g, kSeeds);
	const std::string &sql = queries[0].sql;
	EXPECT_TRUE(contains(sql, " FROM " + kSeeds + " s LEFT JOIN \"f1\".\"drivers\" e ON e.\"driverId\" = s.entity_key "
	                                             "ORDER BY s.row_id"))
	    << sql;
	// drivers has no time column: the join is not cut; only dob, a date, is hidden when later than obs_time.
	EXPECT_TRUE(contains(sql, "CASE WHEN e.\"dob\" <= s.obs_time THEN")) << sql;
	EXPECT_FALSE(contains(sql, "GROUP BY")) << sql;
	EXPECT_TRUE(contains(sql, "extract(month FROM s.seed_time)::float8")) << sql;
	EXPECT_TRUE(contains(sql, "extract(isodow FROM s.seed_time)::float8")) << sql;
	EXPECT_TRUE(queries[0].parameters.empty());
}

TEST(DfsQueryBuilderTest, OwnQueryOfATimedEntityIsCut) {
	SchemaGraph g = shop_graph();
	FeatureSpec spec = plan(g, "orders");
	auto queries = build_feature_queries(spec, g, kSeeds);
	EXPECT_TRUE(contains(queries[0].sql, " LEFT JOIN \"shop\".\"orders\" e ON e.\"order_id\" = s.entity_key AND "
	                                     "e.\"ordered_at\" <= s.obs_time ORDER BY s.row_id"))
	    << queries[0].sql;
}

TEST(DfsQueryBuilderTest, SelectListMatchesTheFeatures) {
	struct Case {
		SchemaGraph graph;
		std::string entity;
	};
	std::vector<Case> cases = {{f1_graph(), "drivers"},     {f1_graph(), "results"},   {f1_graph(), "races"},
	                           {shop_graph(), "customers"}, {shop_graph(), "products"}, {weird_graph(), "us\"ers"},
	                           {weird_graph(), "ev\"ents"}};
	for (auto &c : cases) {
		FeatureSpec spec = plan(c.graph, c.entity, nlohmann::json::object(),
		                        {{"results.statusId", {"1", "2"}}, {"ev\"ents.ki\"nd", {"a'b"}}});
		auto queries = build_feature_queries(spec, c.graph, kSeeds);
		size_t total = 0;
		for (auto &q : queries) {
			SCOPED_TRACE(c.entity + " / " + q.path->name);
			auto items = select_list(q.sql);
			size_t extra = q.own && spec.seed_date_parts ? 2 : 0;
			ASSERT_EQ(items.size(), 1 + q.path->features.size() + extra) << q.sql;
			EXPECT_EQ(items[0], "s.row_id");
			// Categorical features come back as text, all others as float8.
			for (size_t f = 0; f < q.path->features.size(); ++f) {
				const std::string &item = items[1 + f];
				const std::string suffix = q.path->features[f].categorical ? "::text" : "::float8";
				ASSERT_GE(item.size(), suffix.size());
				EXPECT_EQ(item.substr(item.size() - suffix.size()), suffix) << q.path->features[f].name << ": " << item;
			}
			total += items.size() - 1;
		}
		EXPECT_EQ(total, spec.feature_count());
	}
}

TEST(DfsQueryBuilderTest, BooleansAreCastThroughInteger) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers");
	auto queries = build_feature_queries(spec, g, kSeeds);
	// PostgreSQL has no boolean -> float8 cast.
	EXPECT_TRUE(contains(queries[0].sql, "e.\"active\"::int::float8")) << queries[0].sql;
	bool seen_mean = false;
	for (auto &q : queries) {
		EXPECT_FALSE(contains(q.sql, "\"fastest\"::float8")) << q.sql;
		EXPECT_FALSE(contains(q.sql, "\"active\"::float8")) << q.sql;
		seen_mean = seen_mean || contains(q.sql, "avg(a1.\"fastest\"::int::float8)");
	}
	EXPECT_TRUE(seen_mean);
}

TEST(DfsQueryBuilderTest, IdentifiersWithQuotesAreQuotedSafely) {
	SchemaGraph g = weird_graph();
	FeatureSpec spec = plan(g, "us\"ers", nlohmann::json::object(), {{"ev\"ents.ki\"nd", {"x\"y", "it's"}}});
	auto queries = build_feature_queries(spec, g, kSeeds);
	ASSERT_EQ(queries.size(), 2u);
	EXPECT_TRUE(contains(queries[0].sql, "LEFT JOIN \"sch\"\"ema\".\"us\"\"ers\" e ON e.\"u\"\"id\" = s.entity_key"))
	    << queries[0].sql;
	EXPECT_TRUE(contains(queries[0].sql, "e.\"a\"\"ge\"::float8")) << queries[0].sql;
	const std::string &sql = queries[1].sql;
	EXPECT_TRUE(contains(sql, "JOIN \"sch\"\"ema\".\"ev\"\"ents\" a1 ON a1.\"u\"\"ser\" = s.entity_key AND "
	                          "a1.\"at\"\"time\" <= s.obs_time"))
	    << sql;
	EXPECT_TRUE(contains(sql, "avg(a1.\"va,lue\"::float8)")) << sql;
	// Quotes balance, and neither share value is in the text.
	for (auto &q : queries) {
		EXPECT_EQ(occurrences(q.sql, "\"") % 2, 0u) << q.sql;
		EXPECT_EQ(occurrences(q.sql, "'") % 2, 0u) << q.sql;
		EXPECT_FALSE(contains(q.sql, "x\"y")) << q.sql;
		EXPECT_FALSE(contains(q.sql, "it's")) << q.sql;
	}
	EXPECT_EQ(queries[1].parameters.size(), 2 * (1 + spec.window_days.size()));
	expect_time_filtered(sql, g, 1);
}

TEST(DfsQueryBuilderTest, NoSeedDatePartsWhenDisabled) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers");
	spec.seed_date_parts = false;
	auto queries = build_feature_queries(spec, g, kSeeds);
	EXPECT_FALSE(contains(queries[0].sql, "seed_time")) << queries[0].sql;
	EXPECT_EQ(select_list(queries[0].sql).size(), 1 + spec.own.features.size());
}

// The observation lag is the own query's last column; the other queries do not change.
TEST(DfsQueryBuilderTest, ObservationLagEndsTheOwnQuery) {
	SchemaGraph g = f1_graph();
	FeatureSpec spec = plan(g, "drivers");
	const std::vector<FeatureQuery> without = build_feature_queries(spec, g, kSeeds);
	spec.observation_lag = true;
	const std::vector<FeatureQuery> with = build_feature_queries(spec, g, kSeeds);
	const std::vector<std::string> items = select_list(with[0].sql);
	ASSERT_EQ(items.size(), 1 + spec.own.features.size() + 3);
	EXPECT_EQ(items.back(), "(extract(epoch FROM s.seed_time - s.obs_time) / 86400.0)::float8");
	ASSERT_EQ(with.size(), without.size());
	for (size_t q = 1; q < with.size(); ++q) {
		EXPECT_EQ(with[q].sql, without[q].sql);
	}
}

} // namespace
} // namespace relml
