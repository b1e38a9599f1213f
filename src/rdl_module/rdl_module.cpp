// relml_rdl.so: the LibTorch model family behind a C entry point, loaded by relml.so on first use.
#include "rdl/rdl_api.hpp"

namespace {

nlohmann::json normalize_options(const nlohmann::json &options) {
	return relml::RdlOptions::from_json(options).to_json();
}

relml::RdlTrained train(const relml::RelGraph &graph, const relml::RdlTask &task, const nlohmann::json &options,
                        const relml::RunHooks &hooks) {
	return relml::train_rdl(graph, task, relml::RdlOptions::from_json(options), hooks);
}

relml::RdlTrained train_probe(const relml::RelGraph &graph, const relml::RdlTask &task,
                              const nlohmann::json &options, const relml::RunHooks &hooks) {
	return relml::train_probe(graph, task, relml::RdlOptions::from_json(options), hooks);
}

nlohmann::json normalize_pretrain_options(const nlohmann::json &options) {
	return relml::PretrainOptions::from_json(options).to_json();
}

relml::Pretrained pretrain(const relml::RelGraph &graph, const relml::PretrainTask &task,
                           const nlohmann::json &options, const relml::RunHooks &hooks) {
	return relml::pretrain_rdl(graph, task, relml::PretrainOptions::from_json(options), hooks);
}

const relml::RdlApi kApi = {relml::kRdlApiVersion, normalize_options,          train,    relml::predict_rdl,
                            train_probe,           normalize_pretrain_options, pretrain, relml::embed_rdl};

} // namespace

extern "C" __attribute__((visibility("default"))) const relml::RdlApi *relml_rdl_api() {
	return &kApi;
}
