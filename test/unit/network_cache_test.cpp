#include "common/error.hpp"
#include "rdl/network_cache.hpp"
#include "rdl/rdl_trainer.hpp"
#include "rdl_shop.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;

using NetworkCacheTest = ShopTest;

// A network that loads counts its loads; its contents do not matter to the cache.
std::function<StoredNetwork()> counted(int &loads) {
	return [&loads] {
		++loads;
		return StoredNetwork{};
	};
}

TEST(NetworkCacheLruTest, KeepsTheMostRecentlyUsed) {
	NetworkCache cache(2);
	int loads = 0;
	const auto a = cache.get("a", counted(loads));
	cache.get("b", counted(loads));
	EXPECT_EQ(cache.get("a", counted(loads)), a);
	cache.get("c", counted(loads)); // "b" is the least recently used
	EXPECT_EQ(loads, 3);
	EXPECT_TRUE(cache.contains("a"));
	EXPECT_FALSE(cache.contains("b"));
	EXPECT_TRUE(cache.contains("c"));
	EXPECT_EQ(cache.size(), 2u);
}

TEST(NetworkCacheLruTest, FailedLoadLeavesNothing) {
	NetworkCache cache(2);
	EXPECT_THROW(cache.get("a", []() -> StoredNetwork { throw std::runtime_error("bad weights"); }),
	             std::runtime_error);
	EXPECT_FALSE(cache.contains("a"));
	EXPECT_EQ(cache.size(), 0u);
}

// The held network needs no weights on later calls and binds to each call's graph: a rebuilt graph orders its
// tables and rows differently.
TEST_F(NetworkCacheTest, HeldNetworkPredictsLikeARebuiltOne) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained =
	    train_rdl(shop().graph, task, small_options({{"epochs", 2}, {"strategy", "most_recent"}}), {});
	const std::vector<double> rebuilt_each_time =
	    predict_rdl(shop().graph, shop().customers, trained.config, trained.weights, task.val.seeds, kUnknownTime, 1,
	                {});
	NetworkCache cache(2);
	EXPECT_EQ(predict_rdl(cache, "model 1", shop().graph, shop().customers, trained.config, trained.weights,
	                      task.val.seeds, kUnknownTime, 1, {}),
	          rebuilt_each_time);
	EXPECT_EQ(predict_rdl(cache, "model 1", shop().graph, shop().customers, trained.config, {}, task.val.seeds,
	                      kUnknownTime, 1, {}),
	          rebuilt_each_time);

	const Shop rebuilt = build_shop(orders(), true);
	std::vector<Seed> seeds;
	for (size_t i = 0; i < task.val.seeds.size(); ++i) {
		seeds.push_back({rebuilt.row_of_customer[i], task.val.seeds[i].time});
	}
	const std::vector<double> on_rebuilt =
	    predict_rdl(cache, "model 1", rebuilt.graph, rebuilt.customers, trained.config, {}, seeds, kUnknownTime, 1, {});
	ASSERT_EQ(on_rebuilt.size(), rebuilt_each_time.size());
	for (size_t i = 0; i < on_rebuilt.size(); ++i) {
		EXPECT_NEAR(on_rebuilt[i], rebuilt_each_time[i], 1e-5) << i;
	}
	EXPECT_EQ(cache.size(), 1u);
}

TEST_F(NetworkCacheTest, MissWithoutWeightsNamesTheKey) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained trained = train_rdl(shop().graph, task, small_options({{"epochs", 1}}), {});
	NetworkCache cache(2);
	try {
		predict_rdl(cache, "model 7@123", shop().graph, shop().customers, trained.config, {}, task.val.seeds,
		            kUnknownTime, 1, {});
		FAIL() << "expected InternalError";
	} catch (const InternalError &error) {
		EXPECT_NE(std::string(error.what()).find("\"model 7@123\""), std::string::npos) << error.what();
	}
	EXPECT_FALSE(cache.contains("model 7@123"));
}

} // namespace
} // namespace relml
