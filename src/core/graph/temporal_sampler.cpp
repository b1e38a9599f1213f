#include "graph/temporal_sampler.hpp"

#include "common/error.hpp"

#include <algorithm>

namespace relml {

namespace {

// splitmix64's finalizer: spreads keys over a hash table and decorrelates the seeds of the random streams.
uint64_t mix64(uint64_t value) {
	value += 0x9e3779b97f4a7c15ull;
	value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
	value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
	return value ^ (value >> 31);
}

// One random stream per seed, drawn from the batch seed and the seed itself (row and time): a seed's subgraph
// never depends on the other seeds of its batch or on its position, so a prediction does not depend on how
// the seeds were cut into batches.
class SeedRandom {
public:
	SeedRandom(uint64_t batch_seed, const Seed &seed)
	    : state_(mix64(mix64(batch_seed) ^ mix64(static_cast<uint64_t>(seed.row) + 1)) ^
	             mix64(static_cast<uint64_t>(seed.time))) {
	}

	// Uniform in [0, bound): Lemire's multiply-shift, whose bias is far below what sampling can notice.
	int64_t below(int64_t bound) {
		state_ += 0x9e3779b97f4a7c15ull;
		uint64_t z = mix64(state_);
		return static_cast<int64_t>((static_cast<unsigned __int128>(z) * static_cast<uint64_t>(bound)) >> 64);
	}

private:
	uint64_t state_;
};

// Open addressing from 64-bit keys to 32-bit values, emptied in O(1) by bumping a generation: the sampler
// empties it once per seed and once per neighbour list it draws from, much more often than it fills it.
class FlatMap {
public:
	explicit FlatMap(size_t expected) {
		size_t capacity = 16;
		while (capacity < 2 * expected) {
			capacity *= 2;
		}
		slots_.assign(capacity, Slot{});
	}

	void clear() {
		size_ = 0;
		if (++generation_ == 0) {
			std::fill(slots_.begin(), slots_.end(), Slot{});
			generation_ = 1;
		}
	}

	// The value already stored for `key` (second = false), or `value` now stored for it (second = true).
	std::pair<int32_t, bool> emplace(uint64_t key, int32_t value) {
		if (2 * (size_ + 1) > slots_.size()) {
			grow();
		}
		size_t mask = slots_.size() - 1;
		for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
			Slot &slot = slots_[i];
			if (slot.generation != generation_) {
				slot = Slot{key, value, generation_};
				++size_;
				return {value, true};
			}
			if (slot.key == key) {
				return {slot.value, false};
			}
		}
	}

private:
	struct Slot {
		uint64_t key = 0;
		int32_t value = 0;
		uint32_t generation = 0;
	};

	// Doubles the slots and reinserts the live entries, keeping the load at most one half.
	void grow() {
		std::vector<Slot> old(slots_.size() * 2, Slot{});
		old.swap(slots_);
		uint32_t live = generation_;
		size_ = 0;
		clear();
		for (const Slot &slot : old) {
			if (slot.generation == live) {
				emplace(slot.key, slot.value);
			}
		}
	}

	std::vector<Slot> slots_;
	size_t size_ = 0;
	uint32_t generation_ = 1;
};

// A node added at the previous hop, waiting to be expanded.
struct FrontierNode {
	int table;
	int32_t node;
};

// One key space for the rows of every table in a seed's subgraph.
uint64_t node_key(int table, int32_t row) {
	return (static_cast<uint64_t>(table) << 32) | static_cast<uint32_t>(row);
}

// Positions (in [0, eligible)) of the neighbours to keep, ascending, so nodes join in time order. `drawn` is
// scratch space for the positions already drawn.
void choose_positions(int64_t eligible, int64_t fanout, SampleStrategy strategy, SeedRandom &random, FlatMap &drawn,
                      std::vector<int64_t> &positions) {
	positions.clear();
	if (eligible <= fanout || strategy == SampleStrategy::MostRecent) {
		for (int64_t p = std::max<int64_t>(0, eligible - fanout); p < eligible; ++p) {
			positions.push_back(p);
		}
		return;
	}
	// Floyd's algorithm: `fanout` distinct positions, every subset equally likely, in O(fanout).
	drawn.clear();
	for (int64_t upper = eligible - fanout; upper < eligible; ++upper) {
		int64_t candidate = random.below(upper + 1);
		if (drawn.emplace(static_cast<uint64_t>(candidate), 0).second) {
			positions.push_back(candidate);
		} else {
			// No earlier draw can be `upper`: take it instead.
			drawn.emplace(static_cast<uint64_t>(upper), 0);
			positions.push_back(upper);
		}
	}
	std::sort(positions.begin(), positions.end());
}

// Rows reached from several seeds are one row to the encoders: they encode unique_rows and gather by index.
void index_unique_rows(SampledSubgraph &batch) {
	FlatMap unique(1024);
	for (auto &table : batch.nodes) {
		unique.clear();
		table.unique_index.reserve(table.rows.size());
		for (int32_t row : table.rows) {
			auto found = unique.emplace(static_cast<uint32_t>(row), static_cast<int32_t>(table.unique_rows.size()));
			if (found.second) {
				table.unique_rows.push_back(row);
			}
			table.unique_index.push_back(found.first);
		}
	}
}

} // namespace

// Buffers reused across the seeds of a batch, so expanding a node allocates nothing once they have grown.
struct TemporalSampler::Scratch {
	FlatMap nodes_of_seed{1024}; // (table, row) -> node of the current seed's subgraph
	FlatMap drawn{256};          // positions already drawn from one neighbour list
	std::vector<int64_t> positions;
	std::vector<FrontierNode> frontier;
	std::vector<FrontierNode> next_frontier;
};

// Options and stored model configurations name the strategy in text.
SampleStrategy parse_sample_strategy(const std::string &name) {
	if (name == "uniform") {
		return SampleStrategy::Uniform;
	}
	if (name == "most_recent") {
		return SampleStrategy::MostRecent;
	}
	throw InvalidInputError("unknown sampling strategy \"" + name + "\": expected uniform or most_recent");
}

std::string to_string(SampleStrategy strategy) {
	return strategy == SampleStrategy::Uniform ? "uniform" : "most_recent";
}

// Sizes of a batch for logs and for the peak-size statistics of training.
size_t SampledSubgraph::node_count() const {
	size_t count = 0;
	for (auto &table : nodes) {
		count += table.rows.size();
	}
	return count;
}

size_t SampledSubgraph::edge_count() const {
	size_t count = 0;
	for (auto &e : edges) {
		count += e.src.size();
	}
	return count;
}

// Checks the options once, so that sample() can trust them on every batch.
TemporalSampler::TemporalSampler(const RelGraph &graph, int entity_table, SamplerOptions options)
    : graph_(graph), entity_table_(entity_table), options_(std::move(options)) {
	if (entity_table_ < 0 || static_cast<size_t>(entity_table_) >= graph_.tables.size()) {
		throw InternalError("sampler entity table " + std::to_string(entity_table_) + " is not among the " +
		                    std::to_string(graph_.tables.size()) + " tables of the relational graph");
	}
	if (options_.fanouts.empty()) {
		throw InvalidInputError("fanouts must list at least one hop");
	}
	for (size_t hop = 0; hop < options_.fanouts.size(); ++hop) {
		if (options_.fanouts[hop] <= 0) {
			throw InvalidInputError("fanouts must be positive, got " + std::to_string(options_.fanouts[hop]) +
			                        " for hop " + std::to_string(hop + 1));
		}
	}
	for (size_t t = 0; t < graph_.tables.size(); ++t) {
		adjacencies_from_.push_back(graph_.adjacencies_from(static_cast<int>(t)));
	}
}

SampledSubgraph TemporalSampler::sample(const std::vector<Seed> &seeds, uint64_t batch_seed) const {
	SampledSubgraph batch;
	batch.entity_table = entity_table_;
	batch.seed_count = seeds.size();
	batch.nodes.resize(graph_.tables.size());
	batch.edges.resize(graph_.adjacencies.size());
	for (size_t a = 0; a < batch.edges.size(); ++a) {
		batch.edges[a].adjacency = static_cast<int>(a);
	}
	const GraphTable &entity = graph_.tables[entity_table_];
	auto &seed_nodes = batch.nodes[entity_table_];
	for (size_t i = 0; i < seeds.size(); ++i) {
		if (seeds[i].row < 0 || static_cast<size_t>(seeds[i].row) >= entity.rows) {
			throw InternalError("seed row " + std::to_string(seeds[i].row) + " is outside table \"" + entity.name +
			                    "\" (" + std::to_string(entity.rows) + " rows)");
		}
		batch.seed_times.push_back(seeds[i].time);
		seed_nodes.rows.push_back(seeds[i].row);
		seed_nodes.seed_of.push_back(static_cast<int32_t>(i));
		seed_nodes.hop.push_back(0);
	}
	Scratch scratch;
	for (size_t i = 0; i < seeds.size(); ++i) {
		expand_seed(i, seeds[i], batch_seed, batch, scratch);
	}
	index_unique_rows(batch);
	return batch;
}

// Grows one seed's subgraph hop by hop. Only nodes new at the previous hop are expanded, and every neighbour
// kept is at or before the seed's limit, which is what keeps the future out of the seed's inputs.
void TemporalSampler::expand_seed(size_t position, const Seed &seed, uint64_t batch_seed, SampledSubgraph &batch,
                                  Scratch &scratch) const {
	EpochMicros limit = std::min(seed.time, options_.input_cutoff);
	SeedRandom random(batch_seed, seed);
	auto seed_node = static_cast<int32_t>(position);
	scratch.nodes_of_seed.clear();
	scratch.nodes_of_seed.emplace(node_key(entity_table_, seed.row), seed_node);
	scratch.frontier.assign(1, FrontierNode{entity_table_, seed_node});
	for (size_t hop = 1; hop <= options_.fanouts.size(); ++hop) {
		scratch.next_frontier.clear();
		int64_t fanout = options_.fanouts[hop - 1];
		for (const FrontierNode &expanded : scratch.frontier) {
			int32_t row = batch.nodes[expanded.table].rows[expanded.node];
			for (int a : adjacencies_from_[expanded.table]) {
				const Adjacency &adjacency = graph_.adjacencies[a];
				int64_t eligible = adjacency.eligible_count(row, limit);
				if (eligible == 0) {
					continue;
				}
				choose_positions(eligible, fanout, options_.strategy, random, scratch.drawn, scratch.positions);
				auto &targets = batch.nodes[adjacency.to_table];
				auto &edges = batch.edges[a];
				edges.expanded.push_back(expanded.node);
				edges.eligible.push_back(eligible);
				const int32_t *neighbors = adjacency.neighbors.data() + adjacency.offsets[row];
				for (int64_t p : scratch.positions) {
					int32_t neighbor = neighbors[p];
					auto fresh_id = static_cast<int32_t>(targets.rows.size());
					auto found = scratch.nodes_of_seed.emplace(node_key(adjacency.to_table, neighbor), fresh_id);
					if (found.second) {
						targets.rows.push_back(neighbor);
						targets.seed_of.push_back(static_cast<int32_t>(position));
						targets.hop.push_back(static_cast<int32_t>(hop));
						scratch.next_frontier.push_back(FrontierNode{adjacency.to_table, fresh_id});
					}
					edges.src.push_back(found.first);
					edges.dst.push_back(expanded.node);
				}
			}
		}
		std::swap(scratch.frontier, scratch.next_frontier);
	}
}

} // namespace relml
