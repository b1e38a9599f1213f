#include "graph/rel_graph.hpp"

#include "common/error.hpp"

#include <algorithm>

namespace relml {

namespace {

size_t string_bytes(const std::string &text) {
	return sizeof(std::string) + text.size();
}

template <typename T>
size_t vector_bytes(const std::vector<T> &values) {
	return values.size() * sizeof(T);
}

} // namespace

// What the column holds, so the graph's footprint can be reported and bounded.
size_t GraphColumn::memory_bytes() const {
	size_t bytes = string_bytes(name) + vector_bytes(numbers) + vector_bytes(codes) + vector_bytes(token_offsets) +
	               vector_bytes(token_hashes) + vector_bytes(text_present);
	for (auto &value : dictionary) {
		bytes += string_bytes(value);
	}
	return bytes;
}

// Encoders look their columns up by name.
const GraphColumn *GraphTable::find_column(const std::string &column) const {
	for (auto &c : columns) {
		if (c.name == column) {
			return &c;
		}
	}
	return nullptr;
}

// Neighbour times are sorted and rows of unknown time sort last (kUnknownTime is the largest time), so
// capping the limit just below kUnknownTime keeps them out even when neither seed nor cutoff bounds time.
int64_t Adjacency::eligible_count(int32_t row, EpochMicros limit) const {
	EpochMicros known_limit = std::min(limit, kUnknownTime - 1);
	auto begin = neighbor_times.begin() + offsets[row];
	auto end = neighbor_times.begin() + offsets[row + 1];
	return std::upper_bound(begin, end, known_limit) - begin;
}

// Counted with the tables against the graph memory budget.
size_t Adjacency::memory_bytes() const {
	return string_bytes(name) + string_bytes(fk_table) + string_bytes(fk_column) + vector_bytes(offsets) +
	       vector_bytes(neighbors) + vector_bytes(neighbor_times);
}

// Callers name tables the graph must have; a missing one means the graph and the task disagree.
int RelGraph::table_index(const std::string &name) const {
	int index = find_table(name);
	if (index < 0) {
		throw NotFoundError("table \"" + name + "\" is not in the relational graph");
	}
	return index;
}

// For callers that can do without the table.
int RelGraph::find_table(const std::string &name) const {
	for (size_t i = 0; i < tables.size(); ++i) {
		if (tables[i].name == name) {
			return static_cast<int>(i);
		}
	}
	return -1;
}

// The sampler expands a node along exactly these.
std::vector<int> RelGraph::adjacencies_from(int table) const {
	std::vector<int> result;
	for (size_t i = 0; i < adjacencies.size(); ++i) {
		if (adjacencies[i].from_table == table) {
			result.push_back(static_cast<int>(i));
		}
	}
	return result;
}

// Graph size for logs and progress reports.
size_t RelGraph::node_count() const {
	size_t count = 0;
	for (auto &t : tables) {
		count += t.rows;
	}
	return count;
}

// Both directions of every foreign key count, as the sampler sees them.
size_t RelGraph::edge_count() const {
	size_t count = 0;
	for (auto &a : adjacencies) {
		count += a.neighbors.size();
	}
	return count;
}

// The footprint of the finished graph, which the backend keeps for as long as it trains.
size_t RelGraph::memory_bytes() const {
	size_t bytes = 0;
	for (auto &t : tables) {
		bytes += string_bytes(t.name) + vector_bytes(t.times);
		for (auto &c : t.columns) {
			bytes += c.memory_bytes();
		}
	}
	for (auto &a : adjacencies) {
		bytes += a.memory_bytes();
	}
	return bytes;
}

} // namespace relml
