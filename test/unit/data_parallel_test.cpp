#include "common/error.hpp"
#include "rdl/c10d_training_store.hpp"
#include "rdl/data_parallel.hpp"
#include "rdl/rdl_trainer.hpp"
#include "rdl_shop.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <thread>
#include <vector>

namespace relml {
namespace {

using namespace relml::testing;

TEST(DataParallelShare, EveryRowOfABatchGoesToExactlyOneWorker) {
	const std::vector<size_t> batch = {10, 11, 12, 13, 14};
	EXPECT_EQ(share_of(batch, 0, 1), batch);
	EXPECT_EQ(share_of(batch, 0, 2), (std::vector<size_t>{10, 12, 14}));
	EXPECT_EQ(share_of(batch, 1, 2), (std::vector<size_t>{11, 13}));
	EXPECT_EQ(share_of(batch, 2, 3), (std::vector<size_t>{12}));
	// More workers than rows: the last ones train on nothing in this batch, and still take the step.
	EXPECT_TRUE(share_of({7}, 1, 2).empty());
}

TEST(DataParallelStore, WorkersReadWhatTheCoordinatorWroteUnderItsPrefixOnly) {
	std::unique_ptr<TrainingStore> coordinator = serve_training_store("a1/", 10);
	ASSERT_GT(coordinator->port(), 0);
	coordinator->set("request", std::string("{\"task\": \"churn\"}\0binary", 25));
	std::unique_ptr<TrainingStore> worker = join_training_store("127.0.0.1", coordinator->port(), "a1/", 10);
	EXPECT_EQ(worker->wait("request"), std::string("{\"task\": \"churn\"}\0binary", 25));
	EXPECT_EQ(worker->add("events", 2), 2);
	EXPECT_EQ(coordinator->add("events", 0), 2);
	// Another prefix (another training, or a client that does not know it) sees none of it.
	std::unique_ptr<TrainingStore> stranger = join_training_store("127.0.0.1", coordinator->port(), "b2/", 10);
	EXPECT_FALSE(stranger->find("request").has_value());
	EXPECT_FALSE(coordinator->find("result").has_value());
}

TEST(DataParallelStore, AnUnreachableCoordinatorIsAWorkerError) {
	int port = 0;
	{
		std::unique_ptr<TrainingStore> gone = serve_training_store("x/", 10);
		port = gone->port();
	}
	EXPECT_THROW(join_training_store("127.0.0.1", port, "x/", 1), WorkerError);
}

using DataParallelTrainingTest = ShopTest;

// Trains `task` as each of `workers` ranks, one thread per rank, over one store.
std::vector<RdlTrained> train_on_ranks(const Shop &shop, RdlTask task, const RdlOptions &options, int workers) {
	std::unique_ptr<TrainingStore> server = serve_training_store("test/", 30);
	std::vector<std::unique_ptr<TrainingStore>> stores;
	for (int rank = 0; rank < workers; ++rank) {
		stores.push_back(join_training_store("127.0.0.1", server->port(), "test/", 30));
	}
	std::vector<RdlTrained> trained(static_cast<size_t>(workers));
	std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
	std::vector<std::thread> threads;
	for (int rank = 0; rank < workers; ++rank) {
		threads.emplace_back([&, rank] {
			RdlTask own = task;
			own.parallel = DataParallelRank{stores[size_t(rank)].get(), "127.0.0.1", rank, workers, 30};
			try {
				trained[size_t(rank)] = train_rdl(shop.graph, own, options, {});
			} catch (...) {
				errors[size_t(rank)] = std::current_exception();
			}
		});
	}
	for (std::thread &thread : threads) {
		thread.join();
	}
	for (const std::exception_ptr &error : errors) {
		if (error) {
			std::rethrow_exception(error);
		}
	}
	return trained;
}

// Two workers, each on half of every batch, average their gradients: they end with one network, and it is the
// network training alone reaches, up to the order of floating-point sums.
TEST_F(DataParallelTrainingTest, TwoWorkersEndWithTheNetworkTrainingAloneReaches) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	const RdlTrained alone = train_rdl(shop().graph, task, small_options(), {});
	const std::vector<RdlTrained> ranks = train_on_ranks(shop(), task, small_options({{"workers", 2}}), 2);
	EXPECT_EQ(ranks[0].weights, ranks[1].weights);
	EXPECT_EQ(ranks[0].val_predictions, ranks[1].val_predictions);
	EXPECT_EQ(ranks[0].best_epoch, alone.best_epoch);
	EXPECT_NEAR(ranks[0].best_val_metric, alone.best_val_metric, 1e-3);
	ASSERT_EQ(ranks[0].val_predictions.size(), alone.val_predictions.size());
	for (size_t i = 0; i < alone.val_predictions.size(); ++i) {
		EXPECT_NEAR(ranks[0].val_predictions[i], alone.val_predictions[i], 1e-3) << i;
	}
	ASSERT_EQ(ranks[0].epochs.size(), alone.epochs.size());
	for (size_t i = 0; i < alone.epochs.size(); ++i) {
		EXPECT_NEAR(ranks[0].epochs[i].train_loss, alone.epochs[i].train_loss, 1e-4) << "epoch " << i + 1;
	}
}

TEST_F(DataParallelTrainingTest, AWorkerWhosePeerNeverComesFailsWithAWorkerError) {
	RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	std::unique_ptr<TrainingStore> server = serve_training_store("lonely/", 2);
	std::unique_ptr<TrainingStore> store = join_training_store("127.0.0.1", server->port(), "lonely/", 2);
	task.parallel = DataParallelRank{store.get(), "127.0.0.1", 0, 2, 2};
	EXPECT_THROW(train_rdl(shop().graph, task, small_options({{"workers", 2}}), {}), WorkerError);
}

TEST_F(DataParallelTrainingTest, OptionsAndTheProcessMustAgreeOnTheWorkers) {
	const RdlTask task = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	EXPECT_THROW(train_rdl(shop().graph, task, small_options({{"workers", 2}}), {}), InternalError);
}

} // namespace
} // namespace relml
