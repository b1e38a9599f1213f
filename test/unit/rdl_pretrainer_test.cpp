#include "common/error.hpp"
#include "model/metrics.hpp"
#include "rdl/input_corruption.hpp"
#include "rdl/rdl_pretrainer.hpp"
#include "rdl/rdl_trainer.hpp"
#include "rdl_shop.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace relml {
namespace {

using nlohmann::json;
using namespace relml::testing;

constexpr int kWidth = 3;

// The shop's task vectors as the SQL side would build them: orders in (t, t + 30 days] (scaled by 6), their
// mean amount (scaled by 100) and the no-event flag.
PretrainRows task_vectors(const Shop &shop, const std::vector<Order> &orders, const std::vector<int> &days) {
	PretrainRows rows;
	for (int day : days) {
		for (int64_t customer = 0; customer < kCustomers; ++customer) {
			const EpochMicros t = day * kDay;
			double count = 0;
			double amount = 0;
			for (const Order &order : orders) {
				if (order.customer == customer && order.at > t && order.at <= t + 30 * kDay) {
					count += 1;
					amount += order.amount;
				}
			}
			rows.seeds.push_back({shop.row_of_customer[customer], t});
			rows.events.push_back(count > 0);
			rows.vectors.push_back(float(std::min(count / 6, 1.0)));
			rows.vectors.push_back(count > 0 ? float(amount / count / 100) : 0.0f);
			rows.vectors.push_back(count > 0 ? 0.0f : 1.0f);
		}
	}
	return rows;
}

PretrainOptions pretrain_options(json extra = json::object()) {
	json options = {{"channels", 16}, {"encoder_layers", 1},     {"fanouts", {8, 4}}, {"batch_size", 64},
	                {"epochs", 4},    {"patience", 4},           {"learning_rate", 0.01}, {"seed", 5},
	                {"aggregation", "sum"}, {"rows_per_epoch", 400}};
	options.update(extra);
	return PretrainOptions::from_json(options);
}

class RdlPretrainerTest : public ShopTest {
protected:
	static void SetUpTestSuite() {
		ShopTest::SetUpTestSuite();
		task_ = new PretrainTask();
		task_->entity_table = shop().customers;
		task_->fit_cutoff = 120 * kDay;
		task_->width = kWidth;
		task_->train = task_vectors(shop(), orders(), {30, 45, 60, 75});
		task_->val = task_vectors(shop(), orders(), {90});
	}
	static void TearDownTestSuite() {
		delete task_;
		ShopTest::TearDownTestSuite();
	}

	static const PretrainTask &task() {
		return *task_;
	}
	static std::vector<Seed> val_seeds() {
		return task_->val.seeds;
	}

private:
	static PretrainTask *task_;
};

PretrainTask *RdlPretrainerTest::task_ = nullptr;

TEST_F(RdlPretrainerTest, TveLearnsTheNextWindowAndKeepsTheBestValEpoch) {
	std::vector<std::string> reports;
	RunHooks hooks;
	hooks.progress = [&](const std::string &line) { reports.push_back(line); };
	const Pretrained pretrained = pretrain_rdl(shop().graph, task(), pretrain_options(), hooks);
	ASSERT_EQ(pretrained.epochs.size(), 4u);
	double lowest = pretrained.epochs[0].val_loss;
	for (const PretrainEpoch &epoch : pretrained.epochs) {
		EXPECT_TRUE(std::isfinite(epoch.train_loss));
		lowest = std::min(lowest, epoch.val_loss);
	}
	EXPECT_DOUBLE_EQ(pretrained.best_val_loss, lowest);
	EXPECT_LT(pretrained.best_val_loss, pretrained.epochs[0].val_loss);
	EXPECT_EQ(pretrained.config.at("outputs"), kWidth);
	EXPECT_EQ(pretrained.config.at("pretraining").at("method"), "tve");
	EXPECT_EQ(reports.size(), 5u); // one line per epoch, then the kept epoch
	EXPECT_NE(reports.back().find("keeping epoch"), std::string::npos);
}

TEST_F(RdlPretrainerTest, SameSeedSameEncoder) {
	const PretrainOptions options = pretrain_options({{"epochs", 1}});
	const Pretrained a = pretrain_rdl(shop().graph, task(), options, RunHooks());
	const Pretrained b = pretrain_rdl(shop().graph, task(), options, RunHooks());
	EXPECT_EQ(a.weights, b.weights);
	EXPECT_DOUBLE_EQ(a.best_val_loss, b.best_val_loss);
}

TEST_F(RdlPretrainerTest, EveryMethodTrains) {
	for (const char *method : {"tve+ctr", "tve+mae", "ctr", "mae"}) {
		SCOPED_TRACE(method);
		PretrainTask self_supervised = task();
		if (std::string(method).rfind("tve", 0) != 0) {
			self_supervised.width = 0;
			self_supervised.train.vectors.clear();
			self_supervised.val.vectors.clear();
		}
		const Pretrained pretrained =
		    pretrain_rdl(shop().graph, self_supervised, pretrain_options({{"method", method}, {"epochs", 2}}),
		                 RunHooks());
		ASSERT_EQ(pretrained.epochs.size(), 2u);
		EXPECT_TRUE(std::isfinite(pretrained.best_val_loss));
		EXPECT_GT(pretrained.epochs[0].train_loss, 0);
	}
}

TEST_F(RdlPretrainerTest, EmbeddingsDependOnTheSeedOnly) {
	const Pretrained pretrained = pretrain_rdl(shop().graph, task(), pretrain_options({{"epochs", 1}}), RunHooks());
	const std::vector<Seed> seeds = val_seeds();
	const std::vector<float> all =
	    embed_rdl(shop().graph, shop().customers, pretrained.config, pretrained.weights, seeds, kUnknownTime, 1,
	              RunHooks());
	ASSERT_EQ(all.size(), seeds.size() * 16);
	// The last seed alone embeds as it did in its batch, up to the rounding of matrix products of other shapes.
	const std::vector<float> last = embed_rdl(shop().graph, shop().customers, pretrained.config, pretrained.weights,
	                                          {seeds.back()}, kUnknownTime, 1, RunHooks());
	ASSERT_EQ(last.size(), 16u);
	for (size_t i = 0; i < last.size(); ++i) {
		EXPECT_NEAR(last[i], all[all.size() - 16 + i], 1e-5) << i;
	}
}

TEST_F(RdlPretrainerTest, FineTuningStartsFromTheBackbone) {
	const Pretrained pretrained = pretrain_rdl(shop().graph, task(), pretrain_options(), RunHooks());
	const PretrainedEncoder encoder{pretrained.config, pretrained.weights};
	RdlTask downstream = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	downstream.encoder = &encoder;
	std::vector<std::string> reports;
	RunHooks hooks;
	hooks.progress = [&](const std::string &line) { reports.push_back(line); };
	// Architecture options of the user's are the encoder's: 32 channels would not fit a 16-channel backbone.
	const RdlTrained trained = train_rdl(shop().graph, downstream, small_options({{"channels", 32}}), hooks);
	EXPECT_EQ(reports.front(), "starting from the pre-trained encoder's backbone");
	EXPECT_EQ(trained.config.at("options").at("channels"), 16);
	EXPECT_GT(trained.best_val_metric, 0.7);
	const std::vector<double> again = predict_rdl(shop().graph, shop().customers, trained.config, trained.weights,
	                                              downstream.val.seeds, kUnknownTime, 1, RunHooks());
	EXPECT_EQ(again, trained.val_predictions);
}

TEST_F(RdlPretrainerTest, LinearProbeOnFrozenEmbeddings) {
	const Pretrained pretrained = pretrain_rdl(shop().graph, task(), pretrain_options(), RunHooks());
	const PretrainedEncoder encoder{pretrained.config, pretrained.weights};
	RdlTask downstream = make_task(shop(), orders(), TaskType::BinaryClassification, busy);
	EXPECT_THROW(train_probe(shop().graph, downstream, small_options(), RunHooks()), InvalidInputError);
	downstream.encoder = &encoder;
	const RdlTrained probe = train_probe(shop().graph, downstream, small_options(), RunHooks());
	EXPECT_EQ(probe.config.at("options").at("head"), "linear");
	EXPECT_EQ(probe.epochs.size(), 3u); // one fit per L2 penalty
	EXPECT_GT(probe.best_val_metric, 0.6);
	const std::vector<double> again = predict_rdl(shop().graph, shop().customers, probe.config, probe.weights,
	                                              downstream.val.seeds, kUnknownTime, 1, RunHooks());
	ASSERT_EQ(again.size(), probe.val_predictions.size());
	for (size_t i = 0; i < again.size(); ++i) {
		EXPECT_NEAR(again[i], probe.val_predictions[i], 1e-5);
	}
	// Regression fits least squares on standardised labels.
	RdlTask counts = make_task(shop(), orders(), TaskType::Regression, identity);
	counts.encoder = &encoder;
	const RdlTrained regression = train_probe(shop().graph, counts, small_options(), RunHooks());
	EXPECT_TRUE(std::isfinite(regression.best_val_metric));
	// A recency half-life reaches the least-squares fit: nearly only the latest timestamp's rows count.
	const RdlTrained recent =
	    train_probe(shop().graph, counts, small_options({{"recency_half_life_days", 3}}), RunHooks());
	EXPECT_TRUE(std::isfinite(recent.best_val_metric));
	EXPECT_NE(recent.val_predictions, regression.val_predictions);
}

TEST_F(RdlPretrainerTest, CancellationStopsPretraining) {
	RunHooks hooks;
	int polls = 0;
	hooks.check_interrupt = [&] {
		if (++polls == 3) {
			throw CanceledError("canceling statement due to user request");
		}
	};
	EXPECT_THROW(pretrain_rdl(shop().graph, task(), pretrain_options(), hooks), CanceledError);
}

TEST_F(RdlPretrainerTest, BadTasksAreRejected) {
	PretrainTask missing_vectors = task();
	missing_vectors.train.vectors.pop_back();
	EXPECT_THROW(pretrain_rdl(shop().graph, missing_vectors, pretrain_options(), RunHooks()), InternalError);
	PretrainTask no_width = task();
	no_width.width = 0;
	no_width.train.vectors.clear();
	no_width.val.vectors.clear();
	EXPECT_THROW(pretrain_rdl(shop().graph, no_width, pretrain_options(), RunHooks()), InvalidInputError);
	PretrainTask empty = task();
	empty.train = PretrainRows();
	EXPECT_THROW(pretrain_rdl(shop().graph, empty, pretrain_options(), RunHooks()), InvalidInputError);
}

TEST(PretrainOptionsTest, ReadsItsKeysAndPassesTheRestToTheBackbone) {
	const PretrainOptions options = PretrainOptions::from_json(
	    {{"method", "tve+ctr"}, {"non_event_weight", 0.1}, {"channels", 32}, {"paths", {"orders"}},
	     {"pretrain_cutoff", "2020-01-01"}});
	EXPECT_EQ(options.method, "tve+ctr");
	EXPECT_DOUBLE_EQ(options.non_event_weight, 0.1);
	EXPECT_EQ(options.backbone.channels, 32);
	EXPECT_TRUE(options.uses_task_vectors());
	const json stored = options.to_json();
	EXPECT_FALSE(stored.contains("paths"));
	EXPECT_FALSE(stored.contains("head"));
	EXPECT_FALSE(stored.contains("lag_augmentation"));
	EXPECT_EQ(options.backbone.lag_augmentation, 0);
	EXPECT_FALSE(stored.contains("average_checkpoints"));
	EXPECT_FALSE(options.backbone.average_checkpoints);
	EXPECT_FALSE(stored.contains("dropout"));
	EXPECT_EQ(options.backbone.dropout, 0);
	EXPECT_DOUBLE_EQ(options.backbone.learning_rate, 0.005);
	EXPECT_DOUBLE_EQ(PretrainOptions::from_json({{"learning_rate", 0.001}}).backbone.learning_rate, 0.001);
	EXPECT_EQ(PretrainOptions::from_json(stored).to_json(), stored);
	EXPECT_FALSE(PretrainOptions::from_json({{"method", "mae"}}).uses_task_vectors());
}

TEST(PretrainOptionsTest, BadOptionsNameTheKey) {
	auto message = [](const json &options) {
		try {
			PretrainOptions::from_json(options);
		} catch (const InvalidInputError &error) {
			return std::string(error.what());
		}
		return std::string("no error");
	};
	EXPECT_NE(message({{"method", "bert"}}).find("\"method\""), std::string::npos);
	EXPECT_NE(message({{"non_event_weight", 2}}).find("\"non_event_weight\""), std::string::npos);
	EXPECT_NE(message({{"temperature", 0}}).find("\"temperature\""), std::string::npos);
	EXPECT_NE(message({{"head", "linear"}}).find("unknown option \"head\" for pre-training"), std::string::npos);
	EXPECT_NE(message({{"lag_augmentation", 0.5}}).find("unknown option \"lag_augmentation\""), std::string::npos);
	EXPECT_NE(message({{"dropout", 0.1}}).find("unknown option \"dropout\""), std::string::npos);
	EXPECT_NE(message({{"average_checkpoints", true}}).find("unknown option \"average_checkpoints\""),
	          std::string::npos);
	EXPECT_NE(message({{"chanels", 3}}).find("\"chanels\""), std::string::npos);
}

RowInputs rows_of(int64_t count) {
	RowInputs rows;
	rows.rows = count;
	rows.numeric = torch::arange(count * 3, torch::kFloat32).view({count, 3});
	rows.categorical = torch::arange(count, torch::kInt64).view({count, 1}) + 1;
	RowInputs::Text text;
	std::vector<int64_t> offsets;
	std::vector<int64_t> buckets;
	for (int64_t row = 0; row < count; ++row) {
		offsets.push_back(int64_t(buckets.size()));
		for (int64_t token = 0; token <= row % 3; ++token) {
			buckets.push_back(100 * row + token);
		}
	}
	text.offsets = torch::tensor(offsets, torch::kInt64);
	text.buckets = torch::tensor(buckets, torch::kInt64);
	rows.text.push_back(text);
	return rows;
}

TEST(InputCorruptionTest, SwapsWholeCellsAcrossRows) {
	const RowInputs rows = rows_of(6);
	const std::vector<int64_t> widths = {2, 1}; // a numeric column of two features, then one of one
	const RowInputs same = swap_cells(rows, widths, 0, 1);
	EXPECT_TRUE(torch::equal(same.numeric, rows.numeric));
	const RowInputs swapped = swap_cells(rows, widths, 1, 1);
	for (int64_t row = 0; row < 6; ++row) {
		// Every cell comes from another row, and the two features of the first column travel together.
		const int64_t donor = int64_t(swapped.numeric[row][0].item<float>()) / 3;
		EXPECT_NE(donor, row);
		EXPECT_EQ(swapped.numeric[row][1].item<float>(), float(donor * 3 + 1));
		EXPECT_NE(swapped.categorical[row][0].item<int64_t>(), row + 1);
	}
	// Text rows move whole: every row's tokens are another row's.
	const RowInputs::Text &text = swapped.text[0];
	ASSERT_EQ(text.offsets.size(0), 6);
	for (int64_t row = 0; row < 6; ++row) {
		const int64_t begin = text.offsets[row].item<int64_t>();
		const int64_t end = row + 1 < 6 ? text.offsets[row + 1].item<int64_t>() : text.buckets.size(0);
		ASSERT_GT(end, begin);
		const int64_t donor = text.buckets[begin].item<int64_t>() / 100;
		EXPECT_NE(donor, row);
		EXPECT_EQ(end - begin, donor % 3 + 1);
	}
	EXPECT_TRUE(torch::equal(swap_cells(rows, widths, 0.5, 9).numeric, swap_cells(rows, widths, 0.5, 9).numeric));
	EXPECT_FALSE(torch::equal(rows.numeric, swap_cells(rows, widths, 0.5, 9).numeric));
}

TEST(InputCorruptionTest, MasksOnlyTheSeedRows) {
	RdlBatch batch;
	batch.seed_count = 2;
	RdlBatch::Table table;
	table.rows = rows_of(5);
	table.nodes = 4;
	table.unique_index = torch::tensor(std::vector<int64_t>{3, 1, 0, 1}, torch::kInt64);
	batch.tables.push_back(table);
	const torch::Tensor clean = table.rows.numeric.clone();
	const MaskedCells cells = mask_seed_rows(batch, 0, {2, 1}, 1, 4);
	EXPECT_EQ(cells.masked, 2 * 3); // two seed rows, two numeric cells and one categorical each
	EXPECT_TRUE(torch::equal(cells.seed_rows, torch::tensor(std::vector<int64_t>{3, 1}, torch::kInt64)));
	const torch::Tensor &numeric = batch.tables[0].rows.numeric;
	EXPECT_EQ(numeric[3].abs().sum().item<float>(), 0);
	EXPECT_EQ(numeric[1].abs().sum().item<float>(), 0);
	EXPECT_TRUE(torch::equal(numeric[0], clean[0]));
	EXPECT_TRUE(torch::equal(cells.numeric_target, clean));
	EXPECT_EQ(batch.tables[0].rows.categorical[3][0].item<int64_t>(), 0);
	EXPECT_EQ(batch.tables[0].rows.categorical[2][0].item<int64_t>(), 3);
}

} // namespace
} // namespace relml
