// relml_rdl.so: the LibTorch model family behind a C entry point, loaded by relml.so on first use.
#include "rdl/api/rdl_api.hpp"
#include "rdl/c10d_training_store.hpp"
#include "rdl/network_cache.hpp"
#include "rdl/rdl_pretrainer.hpp"
#include "rdl/rdl_runtime.hpp"
#include "rdl/rdl_trainer.hpp"

namespace {

// Networks a session predicts with; a few, for a session that serves several tasks.
constexpr size_t kCachedNetworks = 4;

relml::NetworkCache &networks() {
	static relml::NetworkCache cache(kCachedNetworks);
	return cache;
}

std::vector<double> predict(const std::string &key, const relml::RelGraph &graph, int entity_table,
                            const nlohmann::json &config, const std::vector<uint8_t> &weights,
                            const std::vector<relml::Seed> &seeds, const relml::SeedFeatures &features,
                            relml::EpochMicros input_cutoff, int threads, const relml::RunHooks &hooks) {
	if (key.empty()) {
		return relml::predict_rdl(graph, entity_table, config, weights, seeds, input_cutoff, threads, hooks, features);
	}
	return relml::predict_rdl(networks(), key, graph, entity_table, config, weights, seeds, input_cutoff, threads,
	                          hooks, features);
}

bool holds_network(const std::string &key) {
	return networks().contains(key);
}

// Options this machine can run: parsed, and a device that exists.
relml::RdlOptions runnable(const nlohmann::json &options) {
	relml::RdlOptions parsed = relml::RdlOptions::from_json(options);
	relml::require_device_available(parsed);
	return parsed;
}

relml::PretrainOptions runnable_pretrain(const nlohmann::json &options) {
	relml::PretrainOptions parsed = relml::PretrainOptions::from_json(options);
	relml::require_device_available(parsed.backbone);
	return parsed;
}

nlohmann::json normalize_options(const nlohmann::json &options) {
	return runnable(options).to_json();
}

relml::RdlTrained train(const relml::RelGraph &graph, const relml::RdlTask &task, const nlohmann::json &options,
                        const relml::RunHooks &hooks) {
	return relml::train_rdl(graph, task, runnable(options), hooks);
}

relml::RdlTrained train_probe(const relml::RelGraph &graph, const relml::RdlTask &task,
                              const nlohmann::json &options, const relml::RunHooks &hooks) {
	return relml::train_probe(graph, task, runnable(options), hooks);
}

nlohmann::json normalize_pretrain_options(const nlohmann::json &options) {
	return runnable_pretrain(options).to_json();
}

relml::Pretrained pretrain(const relml::RelGraph &graph, const relml::PretrainTask &task,
                           const nlohmann::json &options, const relml::RunHooks &hooks) {
	return relml::pretrain_rdl(graph, task, runnable_pretrain(options), hooks);
}

std::unique_ptr<relml::TrainingStore> serve_training_store(const std::string &prefix, int timeout_seconds) {
	return relml::translated_errors([&] { return relml::serve_training_store(prefix, timeout_seconds); });
}

std::unique_ptr<relml::TrainingStore> join_training_store(const std::string &host, int port,
                                                          const std::string &prefix, int timeout_seconds) {
	return relml::translated_errors([&] { return relml::join_training_store(host, port, prefix, timeout_seconds); });
}

const relml::RdlApi kApi = {relml::kRdlApiVersion,
                            normalize_options,
                            train,
                            predict,
                            holds_network,
                            train_probe,
                            normalize_pretrain_options,
                            pretrain,
                            relml::embed_rdl,
                            serve_training_store,
                            join_training_store};

} // namespace

extern "C" __attribute__((visibility("default"))) const relml::RdlApi *relml_rdl_api() {
	return &kApi;
}
