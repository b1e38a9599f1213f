// The tables and adjacencies a model was trained on, by name, and where they are in a graph: a stored model
// keeps working on a rebuilt graph whose tables or adjacencies come in another order or include new ones.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace relml {

struct ModelLayout {
	struct Edge {
		std::string name; // the adjacency's name
		int from_table;   // model table indices: messages flow from to_table nodes to from_table nodes
		int to_table;
	};
	std::vector<std::string> tables;
	std::vector<Edge> adjacencies;
	int entity_table = -1; // model table index

	// Every table and adjacency of `graph`, in its order.
	static ModelLayout of(const RelGraph &graph, int entity_table);
	static ModelLayout from_json(const nlohmann::json &layout);
	nlohmann::json to_json() const;

	// Graph indices of the model's tables and adjacencies. A table or adjacency the graph lacks, or an entity
	// table other than the model's, is an InvalidInputError naming it.
	struct Binding {
		std::vector<int> graph_tables;      // per model table
		std::vector<int> graph_adjacencies; // per model adjacency
	};
	Binding bind(const RelGraph &graph, int graph_entity_table) const;
};

} // namespace relml
