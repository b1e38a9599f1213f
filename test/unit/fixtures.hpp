// Schemas and fakes shared by the unit tests, so that every test reads the same database shapes.
#pragma once

#include "dfs/dfs_planner.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace relml::testing {

// Like rel-f1: drivers <- results -> races -> circuits; drivers <- standings; drivers <- qualifying;
// results -> constructors; lap_log has no key, so it can be no entity. Every column role appears: free text
// (circuits.name, drivers.code) that must never become a feature, and booleans on a timed table (results.fastest)
// and on the entity row (drivers.active) that SQL must cast through integer.
SchemaGraph f1_graph();

// The same database cut down to `tables`, in the same order: foreign keys into the tables left out go, with
// their columns, so the tests of a small graph see nothing but the relations they name.
SchemaGraph f1_graph(const std::set<std::string> &tables);

// Like an e-commerce database: customers <- orders <- order_items -> products; customers <- reviews ->
// products. order_items and products have no time column, so paths through them take time from elsewhere.
SchemaGraph shop_graph();

// users (bigint keys) <- orders -> items (text keys): orders has a time column and a column of every role, for
// the tests of what the graph load reads.
std::vector<Table> orders_with_every_role();

// A fake of the adapter's top-values query: fixed values per "table.column", at most `limit` of them as the
// real LIMIT gives, and a log of the calls so tests can see what the planner asked.
struct FakeTopValues {
	std::map<std::string, std::vector<std::string>> values;
	std::vector<std::pair<std::string, long>> calls;

	TopValuesFn fn();
};

DfsOptions options_for(double horizon_days, const nlohmann::json &json = nlohmann::json::object());

// The plan for a 30-day horizon, with `top_values` as the categorical values the database would report.
FeatureSpec plan(const SchemaGraph &graph, const std::string &entity,
                 const nlohmann::json &options = nlohmann::json::object(),
                 std::map<std::string, std::vector<std::string>> top_values = {});

bool contains(const std::string &text, const std::string &part);

} // namespace relml::testing
