#include "fixtures.hpp"

#include <algorithm>

namespace relml::testing {

using R = ColumnRole;

SchemaGraph f1_graph() {
	std::vector<Table> tables = {
	    {"circuits",
	     "circuitId",
	     "",
	     {{"circuitId", "integer", R::PrimaryKey},
	      {"name", "text", R::Text},
	      {"lat", "double precision", R::Numerical},
	      {"country", "text", R::Categorical}}},
	    {"races",
	     "raceId",
	     "date",
	     {{"raceId", "integer", R::PrimaryKey},
	      {"circuitId", "integer", R::ForeignKey},
	      {"date", "timestamp without time zone", R::Time},
	      {"round", "integer", R::Numerical}}},
	    {"drivers",
	     "driverId",
	     "",
	     {{"driverId", "integer", R::PrimaryKey},
	      {"dob", "date", R::Timestamp},
	      {"nationality", "text", R::Categorical},
	      {"code", "text", R::Text},
	      {"active", "boolean", R::Boolean}}},
	    {"constructors",
	     "constructorId",
	     "",
	     {{"constructorId", "integer", R::PrimaryKey}, {"nationality", "text", R::Categorical}}},
	    {"results",
	     "resultId",
	     "date",
	     {{"resultId", "integer", R::PrimaryKey},
	      {"raceId", "integer", R::ForeignKey},
	      {"driverId", "integer", R::ForeignKey},
	      {"constructorId", "integer", R::ForeignKey},
	      {"positionOrder", "integer", R::Numerical},
	      {"statusId", "integer", R::Categorical},
	      {"fastest", "boolean", R::Boolean},
	      {"date", "timestamp without time zone", R::Time}}},
	    {"standings",
	     "driverStandingsId",
	     "date",
	     {{"driverStandingsId", "integer", R::PrimaryKey},
	      {"driverId", "integer", R::ForeignKey},
	      {"points", "double precision", R::Numerical},
	      {"date", "timestamp without time zone", R::Time}}},
	    {"qualifying",
	     "qualifyId",
	     "date",
	     {{"qualifyId", "integer", R::PrimaryKey},
	      {"driverId", "integer", R::ForeignKey},
	      {"position", "integer", R::Numerical},
	      {"date", "timestamp without time zone", R::Time}}},
	    {"lap_log", "", "", {{"note", "text", R::Text}}},
	};
	std::vector<ForeignKey> fks = {{"races", "circuitId", "circuits"},     {"results", "raceId", "races"},
	                               {"results", "driverId", "drivers"},     {"results", "constructorId", "constructors"},
	                               {"standings", "driverId", "drivers"},   {"qualifying", "driverId", "drivers"}};
	return SchemaGraph("f1", tables, fks);
}

SchemaGraph f1_graph(const std::set<std::string> &tables) {
	SchemaGraph full = f1_graph();
	std::vector<ForeignKey> fks;
	std::set<std::pair<std::string, std::string>> dangling;
	for (auto &fk : full.foreign_keys()) {
		if (!tables.count(fk.referenced_table)) {
			dangling.insert({fk.table, fk.column});
		} else if (tables.count(fk.table)) {
			fks.push_back(fk);
		}
	}
	std::vector<Table> kept;
	for (Table table : full.tables()) {
		if (!tables.count(table.name)) {
			continue;
		}
		auto &columns = table.columns;
		columns.erase(std::remove_if(columns.begin(), columns.end(),
		                             [&](const Column &c) { return dangling.count({table.name, c.name}) > 0; }),
		              columns.end());
		kept.push_back(table);
	}
	return SchemaGraph(full.schema(), kept, fks);
}

std::vector<Table> orders_with_every_role() {
	using R = ColumnRole;
	return {{"users", "id", "", {{"id", "bigint", R::PrimaryKey}, {"country", "text", R::Categorical}}},
	        {"items", "sku", "", {{"sku", "text", R::PrimaryKey}, {"price", "numeric", R::Numerical}}},
	        {"orders",
	         "order_id",
	         "ordered_at",
	         {{"order_id", "bigint", R::PrimaryKey},
	          {"user_id", "bigint", R::ForeignKey},
	          {"amount", "double precision", R::Numerical},
	          {"ordered_at", "timestamp without time zone", R::Time},
	          {"sku", "text", R::ForeignKey},
	          {"note", "text", R::Text},
	          {"channel", "text", R::Categorical},
	          {"gift", "boolean", R::Boolean},
	          {"shipped", "timestamp without time zone", R::Timestamp},
	          {"internal_code", "text", R::Ignored}}}};
}

SchemaGraph shop_graph() {
	std::vector<Table> tables = {
	    {"customers",
	     "customer_id",
	     "created_at",
	     {{"customer_id", "bigint", R::PrimaryKey},
	      {"created_at", "timestamp with time zone", R::Time},
	      {"country", "text", R::Categorical}}},
	    {"orders",
	     "order_id",
	     "ordered_at",
	     {{"order_id", "bigint", R::PrimaryKey},
	      {"customer_id", "bigint", R::ForeignKey},
	      {"ordered_at", "timestamp with time zone", R::Time},
	      {"total", "numeric(10,2)", R::Numerical}}},
	    {"order_items",
	     "item_id",
	     "",
	     {{"item_id", "bigint", R::PrimaryKey},
	      {"order_id", "bigint", R::ForeignKey},
	      {"product_id", "bigint", R::ForeignKey},
	      {"quantity", "integer", R::Numerical}}},
	    {"products",
	     "product_id",
	     "",
	     {{"product_id", "bigint", R::PrimaryKey},
	      {"category", "text", R::Categorical},
	      {"price", "numeric", R::Numerical},
	      {"launched", "date", R::Timestamp}}},
	    {"reviews",
	     "review_id",
	     "reviewed_at",
	     {{"review_id", "bigint", R::PrimaryKey},
	      {"customer_id", "bigint", R::ForeignKey},
	      {"product_id", "bigint", R::ForeignKey},
	      {"rating", "smallint", R::Numerical},
	      {"body", "text", R::Text},
	      {"reviewed_at", "timestamp with time zone", R::Time}}},
	};
	std::vector<ForeignKey> fks = {{"orders", "customer_id", "customers"},
	                               {"order_items", "order_id", "orders"},
	                               {"order_items", "product_id", "products"},
	                               {"reviews", "customer_id", "customers"},
	                               {"reviews", "product_id", "products"}};
	return SchemaGraph("shop", tables, fks);
}

TopValuesFn FakeTopValues::fn() {
	return [this](const Table &table, const Column &column, long limit) {
		std::string key = table.name + "." + column.name;
		calls.push_back({key, limit});
		std::vector<std::string> result = values.count(key) ? values.at(key) : std::vector<std::string>{};
		if (static_cast<long>(result.size()) > limit) {
			result.resize(limit);
		}
		return result;
	};
}

DfsOptions options_for(double horizon_days, const nlohmann::json &json) {
	return DfsOptions::from_json(json, horizon_days);
}

FeatureSpec plan(const SchemaGraph &graph, const std::string &entity, const nlohmann::json &options,
                 std::map<std::string, std::vector<std::string>> top_values) {
	FakeTopValues top;
	top.values = std::move(top_values);
	return plan_dfs(graph, entity, options_for(30, options), top.fn());
}

bool contains(const std::string &text, const std::string &part) {
	return text.find(part) != std::string::npos;
}

} // namespace relml::testing
