#include "pg/families/probe/probe_family.hpp"

namespace relml::pg {

// "probe", the method name.
std::string ProbeFamily::name() const {
	return "probe";
}

// The family in one sentence.
std::string ProbeFamily::description() const {
	return "a linear model on the frozen embeddings of a pre-trained RDL encoder (options {\"encoder\": id})";
}

// RDL's options; an encoder is required.
std::unique_ptr<FamilyOptions> ProbeFamily::parse_options(const TrainingOptions &options, const TaskInfo &task) const {
	if (!options.common.encoder) {
		throw InvalidInputError("method probe fits a linear model on a pre-trained encoder's embeddings: pass "
		                        "options {\"encoder\": <id>} (see relml.pretrain)");
	}
	return RdlFamily::parse_options(options, task);
}

// A linear head on the encoder's embeddings of the task's seeds.
RdlTrained ProbeFamily::fit(const RdlApi &api, const RelGraph &graph, const RdlTask &task,
                            const nlohmann::json &options, const RunHooks &hooks) const {
	return api.train_probe(graph, task, options, hooks);
}

// Embeddings are taken as the encoder saw its rows: never late.
bool ProbeFamily::reads_lags() const {
	return false;
}

} // namespace relml::pg
