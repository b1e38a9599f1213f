#include "common/error.hpp"
#include "rdl/api/rdl_options.hpp"
#include "rdl/rdl_runtime.hpp"
#include "rdl/api/stored_options.hpp"

#include <gtest/gtest.h>

#include <torch/cuda.h>

#include <string>

namespace relml {
namespace {

using nlohmann::json;

// The message of the InvalidInputError that `options` raises, or "" when it raises none.
std::string rejection(const json &options) {
	try {
		RdlOptions::from_json(options);
	} catch (const InvalidInputError &error) {
		return error.what();
	}
	return "";
}

bool contains(const std::string &text, const std::string &part) {
	return text.find(part) != std::string::npos;
}

TEST(RdlOptionsTest, DefaultsFollowTheReferenceModel) {
	const RdlOptions options = RdlOptions::from_json(nullptr);
	EXPECT_EQ(options.channels, 128);
	EXPECT_EQ(options.encoder_layers, 4);
	EXPECT_EQ(options.fanouts, (std::vector<int>{4, 64}));
	EXPECT_EQ(options.batch_size, 512);
	EXPECT_DOUBLE_EQ(options.learning_rate, 0.002);
	EXPECT_EQ(options.strategy, SampleStrategy::MostRecent);
	EXPECT_EQ(options.aggregation, "mean");
	EXPECT_EQ(options.device, "cpu");
	EXPECT_FALSE(options.absolute_year);
	EXPECT_TRUE(options.degree_features);
	EXPECT_DOUBLE_EQ(options.lag_augmentation, 0.5);
	EXPECT_TRUE(options.average_checkpoints);
	EXPECT_EQ(RdlOptions::from_json(json::object()).to_json(), options.to_json());
}

// Models and encoders stored before absolute_year, degree_features, lag_augmentation and dropout existed have no
// such keys; they were trained with the year, without the rest.
TEST(RdlOptionsTest, StoredOptionsWithoutLaterKeysHadNone) {
	json stored = RdlOptions::from_json(nullptr).to_json();
	stored.erase("degree_features");
	stored.erase("lag_augmentation");
	stored.erase("dropout");
	stored.erase("absolute_year");
	EXPECT_FALSE(RdlOptions::from_stored(stored).degree_features);
	EXPECT_EQ(RdlOptions::from_stored(stored).dropout, 0);
	EXPECT_TRUE(RdlOptions::from_stored(stored).absolute_year) << "the year was encoded before the option existed";
	EXPECT_EQ(stored_option(stored, "degree_features"), false);
	EXPECT_EQ(stored_option(stored, "channels"), 128);
	stored.erase("channels");
	EXPECT_THROW(stored_option(stored, "channels"), json::out_of_range);
	EXPECT_EQ(RdlOptions::from_stored(stored).lag_augmentation, 0);
	stored["degree_features"] = true;
	stored["lag_augmentation"] = 0.25;
	EXPECT_TRUE(RdlOptions::from_stored(stored).degree_features);
	EXPECT_EQ(RdlOptions::from_stored(stored).lag_augmentation, 0.25);
}

TEST(RdlOptionsTest, ReadsEveryKeyAndRoundTrips) {
	const json given = {{"channels", 32},         {"encoder_layers", 0},    {"fanouts", {10, 5, 2}},
	                    {"strategy", "uniform"},  {"aggregation", "mean"}, {"batch_size", 100},
	                    {"epochs", 3},            {"patience", 2},          {"learning_rate", 0.01},
	                    {"weight_decay", 1e-5},   {"max_steps_per_epoch", 7}, {"seed", 12345678901LL},
	                    {"threads", 2},           {"device", "cpu"},        {"head", "linear"},
	                    {"absolute_year", true},  {"recency_half_life_days", 365.0},
	                    {"degree_features", false}, {"lag_augmentation", 0.0},
	                    {"average_checkpoints", false}, {"dropout", 0.25}, {"workers", 3}};
	const RdlOptions options = RdlOptions::from_json(given);
	EXPECT_EQ(options.channels, 32);
	EXPECT_EQ(options.encoder_layers, 0);
	EXPECT_EQ(options.fanouts, (std::vector<int>{10, 5, 2}));
	EXPECT_EQ(options.strategy, SampleStrategy::Uniform);
	EXPECT_EQ(options.aggregation, "mean");
	EXPECT_EQ(options.batch_size, 100);
	EXPECT_EQ(options.epochs, 3);
	EXPECT_EQ(options.patience, 2);
	EXPECT_DOUBLE_EQ(options.learning_rate, 0.01);
	EXPECT_DOUBLE_EQ(options.weight_decay, 1e-5);
	EXPECT_EQ(options.max_steps_per_epoch, 7);
	EXPECT_EQ(options.seed, 12345678901ULL);
	EXPECT_EQ(options.threads, 2);
	EXPECT_EQ(options.head, "linear");
	EXPECT_TRUE(options.absolute_year);
	EXPECT_DOUBLE_EQ(options.recency_half_life_days, 365);
	EXPECT_FALSE(options.degree_features);
	EXPECT_EQ(options.lag_augmentation, 0);
	EXPECT_FALSE(options.average_checkpoints);
	EXPECT_DOUBLE_EQ(options.dropout, 0.25);
	EXPECT_EQ(options.workers, 3);
	EXPECT_EQ(options.to_json(), given);
	EXPECT_EQ(RdlOptions::from_json(options.to_json()).to_json(), given);
}

// The SQL side takes its own keys (deploy, encoder) before the options reach here: none passes silently.
TEST(RdlOptionsTest, RejectsTheSqlSidesKeys) {
	for (const char *key : {"method", "deploy", "encoder"}) {
		const std::string message = rejection({{key, 1}, {"epochs", 2}});
		EXPECT_TRUE(contains(message, "unknown option \"" + std::string(key) + "\"")) << message;
	}
}

TEST(RdlOptionsTest, RejectsUnknownKeysByName) {
	const std::string message = rejection({{"hidden_channels", 64}});
	EXPECT_TRUE(contains(message, "\"hidden_channels\"")) << message;
	EXPECT_TRUE(contains(message, "channels")) << message;
	EXPECT_TRUE(contains(rejection(json::array({1, 2})), "JSON object"));
}

TEST(RdlOptionsTest, RejectsBadValuesNamingTheKeyAndTheExpectation) {
	const std::vector<std::pair<json, std::string>> cases = {
	    {{{"channels", 0}}, "\"channels\" must be an integer in [1, 4096]"},
	    {{{"channels", 8.5}}, "\"channels\""},
	    {{{"channels", "64"}}, "\"channels\""},
	    {{{"encoder_layers", -1}}, "\"encoder_layers\""},
	    {{{"fanouts", json::array()}}, "\"fanouts\" must be an array"},
	    {{{"fanouts", {8, 0}}}, "\"fanouts\""},
	    {{{"fanouts", {1, 1, 1, 1, 1, 1, 1}}}, "\"fanouts\""},
	    {{{"fanouts", 8}}, "\"fanouts\""},
	    {{{"strategy", "random"}}, "\"strategy\" must be one of \"uniform\", \"most_recent\""},
	    {{{"aggregation", "max"}}, "\"aggregation\" must be one of \"sum\", \"mean\""},
	    {{{"batch_size", 0}}, "\"batch_size\""},
	    {{{"epochs", 0}}, "\"epochs\""},
	    {{{"patience", 0}}, "\"patience\""},
	    {{{"learning_rate", 0}}, "\"learning_rate\" must be a number in (0, 1]"},
	    {{{"learning_rate", 2}}, "\"learning_rate\""},
	    {{{"weight_decay", -0.1}}, "\"weight_decay\" must be a number >= 0"},
	    {{{"max_steps_per_epoch", -1}}, "\"max_steps_per_epoch\""},
	    {{{"seed", -1}}, "\"seed\""},
	    {{{"seed", 0.5}}, "\"seed\""},
	    {{{"threads", 0}}, "\"threads\""},
	    {{{"device", "tpu"}}, "\"device\" must be one of \"cpu\", \"cuda\""},
	    {{{"device", 1}}, "\"device\""},
	    {{{"absolute_year", 1}}, "\"absolute_year\" must be true or false"},
	    {{{"absolute_year", "yes"}}, "\"absolute_year\""},
	    {{{"recency_half_life_days", -1}}, "\"recency_half_life_days\" must be a number >= 0"},
	    {{{"degree_features", "no"}}, "\"degree_features\" must be true or false"},
	    {{{"lag_augmentation", true}}, "\"lag_augmentation\" must be a number in [0, 1]"},
	    {{{"lag_augmentation", 1.5}}, "\"lag_augmentation\""},
	    {{{"dropout", 0.95}}, "\"dropout\" must be a number in [0, 0.9]"},
	    {{{"dropout", "some"}}, "\"dropout\""},
	};
	for (const auto &[options, expected] : cases) {
		const std::string message = rejection(options);
		EXPECT_TRUE(contains(message, expected)) << options.dump() << " gave: " << message;
	}
}

TEST(RdlOptionsTest, CudaWithoutCudaIsNotSupported) {
	if (torch::cuda::is_available()) {
		GTEST_SKIP() << "this machine has CUDA";
	}
	try {
		require_device_available(RdlOptions::from_json({{"device", "cuda"}}));
		FAIL() << "expected NotSupportedError";
	} catch (const NotSupportedError &error) {
		EXPECT_TRUE(contains(error.what(), "CUDA")) << error.what();
	}
}

} // namespace
} // namespace relml
