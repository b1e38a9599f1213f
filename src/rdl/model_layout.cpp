#include "rdl/model_layout.hpp"

#include "common/error.hpp"

namespace relml {

using nlohmann::json;

ModelLayout ModelLayout::of(const RelGraph &graph, int entity_table) {
	ModelLayout layout;
	for (const GraphTable &table : graph.tables) {
		layout.tables.push_back(table.name);
	}
	for (const Adjacency &adjacency : graph.adjacencies) {
		layout.adjacencies.push_back({adjacency.name, adjacency.from_table, adjacency.to_table});
	}
	layout.entity_table = entity_table;
	return layout;
}

json ModelLayout::to_json() const {
	json adjacency_list = json::array();
	for (const Edge &edge : adjacencies) {
		adjacency_list.push_back({{"name", edge.name}, {"from", edge.from_table}, {"to", edge.to_table}});
	}
	return json{{"tables", tables}, {"adjacencies", adjacency_list}, {"entity_table", entity_table}};
}

ModelLayout ModelLayout::from_json(const json &layout) {
	ModelLayout out;
	out.tables = layout.at("tables").get<std::vector<std::string>>();
	for (const json &edge : layout.at("adjacencies")) {
		out.adjacencies.push_back(
		    {edge.at("name").get<std::string>(), edge.at("from").get<int>(), edge.at("to").get<int>()});
	}
	out.entity_table = layout.at("entity_table").get<int>();
	return out;
}

// Adjacencies match by name and by the tables at both ends, so a rebuilt graph with a same-named foreign key
// between other tables is refused rather than misread.
ModelLayout::Binding ModelLayout::bind(const RelGraph &graph, int graph_entity_table) const {
	Binding binding;
	for (const std::string &name : tables) {
		const int index = graph.find_table(name);
		if (index < 0) {
			throw InvalidInputError("table \"" + name + "\" of the trained RDL model is missing from the graph");
		}
		binding.graph_tables.push_back(index);
	}
	if (graph_entity_table < 0 || size_t(graph_entity_table) >= graph.tables.size() ||
	    graph.tables[graph_entity_table].name != tables[entity_table]) {
		throw InvalidInputError("the RDL model was trained for entity table \"" + tables[entity_table] + "\"");
	}
	for (const Edge &edge : adjacencies) {
		int found = -1;
		for (size_t i = 0; i < graph.adjacencies.size(); ++i) {
			const Adjacency &adjacency = graph.adjacencies[i];
			if (adjacency.name == edge.name && adjacency.from_table == binding.graph_tables[edge.from_table] &&
			    adjacency.to_table == binding.graph_tables[edge.to_table]) {
				found = int(i);
			}
		}
		if (found < 0) {
			throw InvalidInputError("adjacency \"" + edge.name + "\" (table \"" + tables[edge.from_table] +
			                        "\" to \"" + tables[edge.to_table] +
			                        "\") of the trained RDL model is missing from the graph");
		}
		binding.graph_adjacencies.push_back(found);
	}
	return binding;
}

} // namespace relml
