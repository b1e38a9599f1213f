// Temporal neighbour sampling: for each seed (an entity row and a seed time), hop by hop, follow every
// adjacency to rows whose time is <= the seed time and <= the input cutoff, up to a fan-out per hop. Each
// seed gets its own subgraph (rows are deduplicated within a seed, not across seeds, because the same row
// seen from two seed times is two different pasts). Deterministic for a given batch seed.
#pragma once

#include "common/no_postgres.hpp"
#include "graph/rel_graph.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace relml {

enum class SampleStrategy { Uniform, MostRecent };

SampleStrategy parse_sample_strategy(const std::string &name); // "uniform" | "most_recent"
std::string to_string(SampleStrategy strategy);

struct SamplerOptions {
	std::vector<int> fanouts{128, 64}; // one per hop; the GNN has as many layers
	SampleStrategy strategy = SampleStrategy::Uniform;
	// Rows later than this are never sampled (the task's input cutoff); kUnknownTime means none.
	EpochMicros input_cutoff = kUnknownTime;
};

struct Seed {
	int32_t row;      // row of the entity table
	EpochMicros time; // seed time: no input row is later
	// How long after `time` the prediction is for: a seed later than the input cutoff is observed at the
	// cutoff and lags behind its own time. Sampling ignores it; a model trained with lags reads it.
	EpochMicros lag = 0;
};

// A mini-batch's sampled subgraphs, merged. Node ids are local to their table; the first `seed_count`
// nodes of the entity table are the seeds, in batch order.
struct SampledSubgraph {
	int entity_table = -1;
	size_t seed_count = 0;
	std::vector<EpochMicros> seed_times; // per seed

	struct TableNodes {
		std::vector<int32_t> rows;    // per node: row in the graph table
		std::vector<int32_t> seed_of; // per node: the seed (batch position) whose subgraph holds it
		std::vector<int32_t> hop;     // per node: hops from its seed (0 for seeds)
		// Distinct rows of the batch (in first-seen order) and, per node, its index in unique_rows: encoders
		// run once per row.
		std::vector<int32_t> unique_rows;
		std::vector<int32_t> unique_index;
	};
	std::vector<TableNodes> nodes; // per graph table

	// Messages flow from src (a node of adjacency.to_table) to dst (a node of adjacency.from_table).
	struct Edges {
		int adjacency = -1;
		std::vector<int64_t> src;
		std::vector<int64_t> dst;
		// Per node expanded along the adjacency: how many neighbours it has up to its seed's limit, before the
		// fan-out kept some of them.
		std::vector<int64_t> expanded;
		std::vector<int64_t> eligible;
	};
	std::vector<Edges> edges; // per graph adjacency (same index)

	size_t node_count() const;
	size_t edge_count() const;
};

class TemporalSampler {
public:
	TemporalSampler(const RelGraph &graph, int entity_table, SamplerOptions options);

	// Samples the subgraphs of `seeds`. A seed's subgraph depends only on it (row, time) and batch_seed, not on the
	// other seeds of the batch or its position. Safe to call from
	// several threads at once: the graph is only read.
	SampledSubgraph sample(const std::vector<Seed> &seeds, uint64_t batch_seed) const;

	const SamplerOptions &options() const {
		return options_;
	}

private:
	struct Scratch;
	void expand_seed(size_t position, const Seed &seed, uint64_t batch_seed, SampledSubgraph &batch,
	                 Scratch &scratch) const;

	const RelGraph &graph_;
	int entity_table_;
	SamplerOptions options_;
	std::vector<std::vector<int>> adjacencies_from_; // per table
};

} // namespace relml
