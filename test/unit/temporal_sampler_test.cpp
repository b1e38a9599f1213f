#include "common/error.hpp"
#include "graph/graph_builder.hpp"
#include "graph/temporal_sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace relml {
namespace {

using R = ColumnRole;

// users <- orders -> items, users <- reviews -> orders: reviews reach a timed parent (orders), orders a static
// one (items), and users have children through two foreign keys.
SchemaGraph shop_schema() {
	std::vector<Table> tables = {
	    {"users", "id", "", {{"id", "bigint", R::PrimaryKey}}},
	    {"items", "id", "", {{"id", "bigint", R::PrimaryKey}}},
	    {"orders",
	     "id",
	     "at",
	     {{"id", "bigint", R::PrimaryKey},
	      {"user_id", "bigint", R::ForeignKey},
	      {"item_id", "bigint", R::ForeignKey},
	      {"at", "timestamp", R::Time}}},
	    {"reviews",
	     "id",
	     "at",
	     {{"id", "bigint", R::PrimaryKey},
	      {"user_id", "bigint", R::ForeignKey},
	      {"order_id", "bigint", R::ForeignKey},
	      {"at", "timestamp", R::Time}}}};
	return SchemaGraph("shop", tables,
	                   {{"orders", "user_id", "users"},
	                    {"orders", "item_id", "items"},
	                    {"reviews", "user_id", "users"},
	                    {"reviews", "order_id", "orders"}});
}

constexpr int kUsers = 0;
constexpr int kItems = 1;
constexpr int kOrders = 2;
constexpr int kReviews = 3;

// Child rows of a table: the foreign keys (row indices of the parents, which are also their keys; < 0 for
// NULL) and the time.
struct ChildRow {
	int64_t first_parent;
	int64_t second_parent;
	EpochMicros time;
};

void add_keyed_rows(GraphBuilder &builder, const std::string &table, size_t rows) {
	auto &loader = builder.table(table);
	for (size_t r = 0; r < rows; ++r) {
		loader.begin_row();
		loader.set_primary_key(static_cast<int64_t>(r));
	}
}

void add_child_rows(GraphBuilder &builder, const std::string &table, const std::vector<ChildRow> &rows) {
	auto &loader = builder.table(table);
	for (size_t r = 0; r < rows.size(); ++r) {
		loader.begin_row();
		loader.set_primary_key(static_cast<int64_t>(r));
		if (rows[r].first_parent >= 0) {
			loader.set_foreign_key(0, rows[r].first_parent);
		}
		if (rows[r].second_parent >= 0) {
			loader.set_foreign_key(1, rows[r].second_parent);
		}
		if (rows[r].time != kUnknownTime) {
			loader.set_time(rows[r].time);
		}
	}
}

RelGraph shop_graph(size_t users, size_t items, const std::vector<ChildRow> &orders,
                    const std::vector<ChildRow> &reviews = {}) {
	GraphBuilder builder(shop_schema(), {});
	add_keyed_rows(builder, "users", users);
	add_keyed_rows(builder, "items", items);
	add_child_rows(builder, "orders", orders);
	add_child_rows(builder, "reviews", reviews);
	return builder.finish();
}

// A shop with random keys and times, a few NULL times and dangling keys.
RelGraph random_shop(size_t users, size_t items, size_t orders, size_t reviews, uint64_t seed) {
	std::mt19937_64 random(seed);
	auto pick = [&](size_t bound) { return static_cast<int64_t>(random() % bound); };
	auto time = [&] { return pick(50) == 0 ? kUnknownTime : static_cast<EpochMicros>(pick(1000000)); };
	std::vector<ChildRow> order_rows;
	for (size_t r = 0; r < orders; ++r) {
		order_rows.push_back({pick(users + 2) - 1, pick(items), time()});
	}
	std::vector<ChildRow> review_rows;
	for (size_t r = 0; r < reviews; ++r) {
		review_rows.push_back({pick(users), pick(orders + 10), time()});
	}
	return shop_graph(users, items, order_rows, review_rows);
}

std::vector<int32_t> rows_of_seed(const SampledSubgraph &batch, int table, int32_t seed) {
	std::vector<int32_t> rows;
	const auto &nodes = batch.nodes[table];
	for (size_t k = 0; k < nodes.rows.size(); ++k) {
		if (nodes.seed_of[k] == seed) {
			rows.push_back(nodes.rows[k]);
		}
	}
	return rows;
}

bool same_subgraph(const SampledSubgraph &a, const SampledSubgraph &b) {
	for (size_t t = 0; t < a.nodes.size(); ++t) {
		if (a.nodes[t].rows != b.nodes[t].rows || a.nodes[t].seed_of != b.nodes[t].seed_of ||
		    a.nodes[t].hop != b.nodes[t].hop) {
			return false;
		}
	}
	for (size_t e = 0; e < a.edges.size(); ++e) {
		if (a.edges[e].src != b.edges[e].src || a.edges[e].dst != b.edges[e].dst) {
			return false;
		}
	}
	return true;
}

std::vector<EpochMicros> times_of(const RelGraph &graph, int table, const std::vector<int32_t> &rows) {
	std::vector<EpochMicros> times;
	for (int32_t row : rows) {
		times.push_back(graph.tables[table].time_of(row));
	}
	std::sort(times.begin(), times.end());
	return times;
}

// User 0 has orders at times 1..10 (row i at time i + 1) and one of unknown time; user 1 has none.
RelGraph one_user_history() {
	std::vector<ChildRow> orders;
	for (int i = 0; i < 10; ++i) {
		orders.push_back({0, i % 3, i + 1});
	}
	orders.push_back({0, 0, kUnknownTime});
	return shop_graph(2, 3, orders);
}

TEST(TemporalSamplerTest, StrategyNames) {
	EXPECT_EQ(parse_sample_strategy("uniform"), SampleStrategy::Uniform);
	EXPECT_EQ(parse_sample_strategy("most_recent"), SampleStrategy::MostRecent);
	EXPECT_EQ(to_string(SampleStrategy::Uniform), "uniform");
	EXPECT_EQ(to_string(SampleStrategy::MostRecent), "most_recent");
	EXPECT_THROW(parse_sample_strategy("latest"), InvalidInputError);
}

TEST(TemporalSamplerTest, OptionsAreChecked) {
	RelGraph graph = one_user_history();
	SamplerOptions options;
	options.fanouts = {4, 0};
	EXPECT_THROW(TemporalSampler(graph, kUsers, options), InvalidInputError);
	options.fanouts = {};
	EXPECT_THROW(TemporalSampler(graph, kUsers, options), InvalidInputError);
	options.fanouts = {4};
	EXPECT_THROW(TemporalSampler(graph, 9, options), InternalError);
	TemporalSampler sampler(graph, kUsers, options);
	EXPECT_THROW(sampler.sample({{5, 0}}, 1), InternalError);
}

TEST(TemporalSamplerTest, MostRecentPicksTheLatestEligibleRows) {
	RelGraph graph = one_user_history();
	SamplerOptions options;
	options.fanouts = {3};
	options.strategy = SampleStrategy::MostRecent;
	TemporalSampler sampler(graph, kUsers, options);
	SampledSubgraph batch = sampler.sample({{0, 7}, {0, 100}, {1, 100}}, 1);
	EXPECT_EQ(times_of(graph, kOrders, rows_of_seed(batch, kOrders, 0)), (std::vector<EpochMicros>{5, 6, 7}));
	// The order of unknown time is never taken, however late the seed.
	EXPECT_EQ(times_of(graph, kOrders, rows_of_seed(batch, kOrders, 1)), (std::vector<EpochMicros>{8, 9, 10}));
	EXPECT_TRUE(rows_of_seed(batch, kOrders, 2).empty());
}

// The fan-out keeps 3 orders, but the counts record how many each expanded seed had up to its time: 7 at time 7,
// 10 later (the order of unknown time never counts); a user without orders is not expanded along the edge.
TEST(TemporalSamplerTest, ExpandedNodesRecordTheirEligibleNeighbourCount) {
	RelGraph graph = one_user_history();
	SamplerOptions options;
	options.fanouts = {3};
	TemporalSampler sampler(graph, kUsers, options);
	SampledSubgraph batch = sampler.sample({{0, 7}, {0, 100}, {1, 100}}, 1);
	const auto to_orders = std::find_if(graph.adjacencies.begin(), graph.adjacencies.end(), [](const Adjacency &a) {
		return a.from_table == kUsers && a.to_table == kOrders;
	});
	ASSERT_NE(to_orders, graph.adjacencies.end());
	const SampledSubgraph::Edges &edges = batch.edges[to_orders - graph.adjacencies.begin()];
	EXPECT_EQ(edges.expanded, (std::vector<int64_t>{0, 1}));
	EXPECT_EQ(edges.eligible, (std::vector<int64_t>{7, 10}));
	EXPECT_EQ(edges.src.size(), 6u);
}

TEST(TemporalSamplerTest, InputCutoffBoundsEverySeed) {
	RelGraph graph = one_user_history();
	SamplerOptions options;
	options.fanouts = {3};
	options.strategy = SampleStrategy::MostRecent;
	options.input_cutoff = 4;
	TemporalSampler sampler(graph, kUsers, options);
	SampledSubgraph batch = sampler.sample({{0, 2}, {0, 100}}, 1);
	EXPECT_EQ(times_of(graph, kOrders, rows_of_seed(batch, kOrders, 0)), (std::vector<EpochMicros>{1, 2}));
	EXPECT_EQ(times_of(graph, kOrders, rows_of_seed(batch, kOrders, 1)), (std::vector<EpochMicros>{2, 3, 4}));
}

TEST(TemporalSamplerTest, SeedsAreTheFirstNodesAndEachSeedTimeHasItsOwnPast) {
	RelGraph graph = one_user_history();
	SamplerOptions options;
	options.fanouts = {20, 20};
	TemporalSampler sampler(graph, kUsers, options);
	SampledSubgraph batch = sampler.sample({{0, 3}, {0, 8}}, 5);
	EXPECT_EQ(batch.entity_table, kUsers);
	EXPECT_EQ(batch.seed_count, 2u);
	EXPECT_EQ(batch.seed_times, (std::vector<EpochMicros>{3, 8}));
	const auto &users = batch.nodes[kUsers];
	ASSERT_GE(users.rows.size(), 2u);
	EXPECT_EQ(users.rows[0], 0);
	EXPECT_EQ(users.rows[1], 0);
	EXPECT_EQ(users.hop[0], 0);
	EXPECT_EQ(users.hop[1], 0);
	EXPECT_EQ(users.seed_of[1], 1);
	EXPECT_EQ(times_of(graph, kOrders, rows_of_seed(batch, kOrders, 0)), (std::vector<EpochMicros>{1, 2, 3}));
	EXPECT_EQ(rows_of_seed(batch, kOrders, 1).size(), 8u);
}

TEST(TemporalSamplerTest, RowsAreDeduplicatedWithinASeed) {
	RelGraph graph = one_user_history();
	SamplerOptions options;
	options.fanouts = {20, 20};
	TemporalSampler sampler(graph, kUsers, options);
	SampledSubgraph batch = sampler.sample({{0, 100}}, 5);
	// Hop 2 leads every order back to its user: the seed node itself, never a new node.
	EXPECT_EQ(batch.nodes[kUsers].rows, std::vector<int32_t>{0});
	ASSERT_EQ(graph.adjacencies[0].name, "orders.user_id");
	EXPECT_EQ(batch.edges[0].src, std::vector<int64_t>(10, 0));
	// Ten orders of three items: three item nodes.
	auto items = rows_of_seed(batch, kItems, 0);
	std::sort(items.begin(), items.end());
	EXPECT_EQ(items, (std::vector<int32_t>{0, 1, 2}));
	EXPECT_EQ(batch.edges[2].src.size(), 10u);
	for (int32_t hop : batch.nodes[kItems].hop) {
		EXPECT_EQ(hop, 2);
	}
}

TEST(TemporalSamplerTest, UniformIsDeterministicPerBatchSeed) {
	std::vector<ChildRow> orders;
	for (int i = 0; i < 100; ++i) {
		orders.push_back({0, i % 7, i});
	}
	RelGraph graph = shop_graph(1, 7, orders);
	SamplerOptions options;
	options.fanouts = {5, 2};
	TemporalSampler sampler(graph, kUsers, options);
	std::vector<Seed> seeds = {{0, 1000}, {0, 1000}, {0, 50}};
	SampledSubgraph first = sampler.sample(seeds, 42);
	EXPECT_TRUE(same_subgraph(first, sampler.sample(seeds, 42)));
	EXPECT_FALSE(same_subgraph(first, sampler.sample(seeds, 43)));
	// The same seed twice in a batch draws the same rows; another seed time draws from another stream.
	EXPECT_EQ(rows_of_seed(first, kOrders, 0), rows_of_seed(first, kOrders, 1));
	EXPECT_EQ(rows_of_seed(first, kOrders, 0).size(), 5u);
	std::vector<Seed> other_time = {{0, 1000}, {0, 999}};
	EXPECT_NE(rows_of_seed(sampler.sample(other_time, 42), kOrders, 0),
	          rows_of_seed(sampler.sample(other_time, 42), kOrders, 1));
}

TEST(TemporalSamplerTest, ASeedsSubgraphDoesNotDependOnItsBatch) {
	RelGraph graph = random_shop(40, 15, 3000, 500, 11);
	SamplerOptions options;
	options.fanouts = {6, 3};
	TemporalSampler sampler(graph, kUsers, options);
	Seed probe{7, 600000};
	SampledSubgraph alone = sampler.sample({probe}, 5);
	SampledSubgraph crowded = sampler.sample({{3, 900000}, {12, 100000}, probe, {7, 600001}}, 5);
	for (int table : {kUsers, kOrders, kItems}) {
		EXPECT_EQ(rows_of_seed(alone, table, 0), rows_of_seed(crowded, table, 2)) << "table " << table;
	}
}

TEST(TemporalSamplerTest, UniformDrawsEveryEligibleRowEqually) {
	std::vector<ChildRow> orders;
	for (int i = 0; i < 40; ++i) {
		orders.push_back({0, 0, i});
	}
	RelGraph graph = shop_graph(1, 1, orders);
	SamplerOptions options;
	options.fanouts = {5};
	TemporalSampler sampler(graph, kUsers, options);
	std::map<int32_t, int> counts;
	const int kBatches = 2000;
	for (int b = 0; b < kBatches; ++b) {
		for (int32_t row : rows_of_seed(sampler.sample({{0, 19}}, b), kOrders, 0)) {
			++counts[row];
		}
	}
	ASSERT_EQ(counts.size(), 20u);
	EXPECT_EQ(counts.begin()->first, 0);
	EXPECT_EQ(counts.rbegin()->first, 19);
	for (auto &entry : counts) {
		// 2000 draws of 5 among 20: 500 expected, standard deviation about 19.
		EXPECT_GT(entry.second, 400) << "row " << entry.first;
		EXPECT_LT(entry.second, 600) << "row " << entry.first;
	}
}

// Checks everything a batch promises on any graph: no row from the seed's future, fan-outs, edges that exist
// in the graph between nodes of one seed, one node per row and seed, unique rows.
void check_batch(const RelGraph &graph, const TemporalSampler &sampler, const std::vector<Seed> &seeds,
                 const SampledSubgraph &batch) {
	const SamplerOptions &options = sampler.options();
	ASSERT_EQ(batch.nodes.size(), graph.tables.size());
	ASSERT_EQ(batch.edges.size(), graph.adjacencies.size());
	size_t nodes_seen = 0;
	size_t edges_seen = 0;
	for (size_t t = 0; t < graph.tables.size(); ++t) {
		const auto &nodes = batch.nodes[t];
		nodes_seen += nodes.rows.size();
		ASSERT_EQ(nodes.seed_of.size(), nodes.rows.size());
		ASSERT_EQ(nodes.hop.size(), nodes.rows.size());
		ASSERT_EQ(nodes.unique_index.size(), nodes.rows.size());
		std::set<std::pair<int32_t, int32_t>> seed_rows;
		for (size_t k = 0; k < nodes.rows.size(); ++k) {
			int32_t seed = nodes.seed_of[k];
			bool is_seed = static_cast<int>(t) == batch.entity_table && k < batch.seed_count;
			EXPECT_EQ(nodes.hop[k] == 0, is_seed);
			EXPECT_TRUE(seed_rows.emplace(seed, nodes.rows[k]).second) << "row twice in one seed's subgraph";
			EXPECT_EQ(nodes.unique_rows.at(nodes.unique_index[k]), nodes.rows[k]);
			if (!is_seed) {
				EpochMicros time = graph.tables[t].time_of(nodes.rows[k]);
				EXPECT_NE(time, kUnknownTime);
				EXPECT_LE(time, seeds[seed].time);
				EXPECT_LE(time, options.input_cutoff);
			}
		}
		std::set<int32_t> unique(nodes.unique_rows.begin(), nodes.unique_rows.end());
		EXPECT_EQ(unique.size(), nodes.unique_rows.size());
		EXPECT_EQ(unique, std::set<int32_t>(nodes.rows.begin(), nodes.rows.end()));
	}
	for (size_t a = 0; a < graph.adjacencies.size(); ++a) {
		const Adjacency &adjacency = graph.adjacencies[a];
		const auto &edges = batch.edges[a];
		EXPECT_EQ(edges.adjacency, static_cast<int>(a));
		ASSERT_EQ(edges.src.size(), edges.dst.size());
		edges_seen += edges.src.size();
		const auto &sources = batch.nodes[adjacency.to_table];
		const auto &targets = batch.nodes[adjacency.from_table];
		std::map<int64_t, int> per_target;
		for (size_t e = 0; e < edges.src.size(); ++e) {
			int64_t src = edges.src[e];
			int64_t dst = edges.dst[e];
			ASSERT_LT(static_cast<size_t>(src), sources.rows.size());
			ASSERT_LT(static_cast<size_t>(dst), targets.rows.size());
			EXPECT_EQ(sources.seed_of[src], targets.seed_of[dst]);
			EXPECT_LE(sources.hop[src], targets.hop[dst] + 1);
			int32_t dst_row = targets.rows[dst];
			auto first = adjacency.neighbors.begin() + adjacency.offsets[dst_row];
			auto last = adjacency.neighbors.begin() + adjacency.offsets[dst_row + 1];
			EXPECT_NE(std::find(first, last, sources.rows[src]), last) << "edge not in " << adjacency.name;
			++per_target[dst];
		}
		for (auto &entry : per_target) {
			size_t hop = static_cast<size_t>(targets.hop[entry.first]);
			ASSERT_LT(hop, options.fanouts.size()) << "the last hop's nodes are not expanded";
			EXPECT_LE(entry.second, options.fanouts[hop]) << adjacency.name;
		}
	}
	EXPECT_EQ(batch.node_count(), nodes_seen);
	EXPECT_EQ(batch.edge_count(), edges_seen);
}

TEST(TemporalSamplerTest, NoSampledRowIsLaterThanItsSeedOrTheCutoff) {
	RelGraph graph = random_shop(40, 25, 3000, 1500, 7);
	std::mt19937_64 random(11);
	for (SampleStrategy strategy : {SampleStrategy::Uniform, SampleStrategy::MostRecent}) {
		for (EpochMicros cutoff : {kUnknownTime, EpochMicros{600000}}) {
			SamplerOptions options;
			options.fanouts = {6, 4, 3};
			options.strategy = strategy;
			options.input_cutoff = cutoff;
			TemporalSampler sampler(graph, kUsers, options);
			for (int batch_index = 0; batch_index < 10; ++batch_index) {
				std::vector<Seed> seeds;
				for (int s = 0; s < 32; ++s) {
					auto row = static_cast<int32_t>(random() % 40);
					seeds.push_back({row, static_cast<EpochMicros>(random() % 1100000)});
				}
				SampledSubgraph batch = sampler.sample(seeds, batch_index);
				check_batch(graph, sampler, seeds, batch);
				EXPECT_GT(batch.edge_count(), 0u);
			}
		}
	}
}

TEST(TemporalSamplerTest, SeedsOfATimedEntityTable) {
	RelGraph graph = random_shop(30, 20, 2000, 800, 3);
	SamplerOptions options;
	options.fanouts = {4, 4};
	options.input_cutoff = 700000;
	TemporalSampler sampler(graph, kReviews, options);
	std::vector<Seed> seeds;
	for (int32_t row = 0; row < 200; ++row) {
		seeds.push_back({row, graph.tables[kReviews].times[row]});
	}
	SampledSubgraph batch = sampler.sample(seeds, 9);
	check_batch(graph, sampler, seeds, batch);
	EXPECT_FALSE(batch.nodes[kOrders].rows.empty());
}

// Printed, not asserted: 100k orders over 500 users and 200 items, so the fan-outs bind on every entity.
TEST(TemporalSamplerTest, SamplingSpeed) {
	RelGraph graph = random_shop(500, 200, 100000, 30000, 5);
	std::mt19937_64 random(1);
	for (int entity : {kUsers, kItems, kOrders}) {
		std::vector<Seed> seeds;
		for (int s = 0; s < 512; ++s) {
			auto row = static_cast<int32_t>(random() % graph.tables[entity].rows);
			seeds.push_back({row, static_cast<EpochMicros>(random() % 1000000)});
		}
		for (SampleStrategy strategy : {SampleStrategy::Uniform, SampleStrategy::MostRecent}) {
			SamplerOptions options;
			options.fanouts = {128, 64};
			options.strategy = strategy;
			TemporalSampler sampler(graph, entity, options);
			const int kRounds = 5;
			size_t nodes = 0;
			size_t edges = 0;
			auto start = std::chrono::steady_clock::now();
			for (int round = 0; round < kRounds; ++round) {
				SampledSubgraph batch = sampler.sample(seeds, round);
				nodes += batch.node_count();
				edges += batch.edge_count();
			}
			double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
			std::cout << "[ speed    ] 512 " << graph.tables[entity].name << " seeds, " << to_string(strategy)
			          << ", fan-outs [128, 64], " << graph.node_count() << " rows: " << ms / kRounds
			          << " ms per batch, " << nodes / kRounds << " nodes, " << edges / kRounds << " edges"
			          << std::endl;
		}
	}
}

} // namespace
} // namespace relml
