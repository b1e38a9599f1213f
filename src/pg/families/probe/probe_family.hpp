// The probe model family: a linear (or logistic) model on the frozen embeddings of a pre-trained RDL encoder,
// its penalty chosen on val. It measures what pre-training alone learnt; it is stored and served as an RDL
// network with a linear head.
#pragma once

#include "pg/families/rdl/rdl_family.hpp"

namespace relml::pg {

class ProbeFamily : public RdlFamily {
public:
	std::string name() const override;
	std::string description() const override;
	std::unique_ptr<FamilyOptions> parse_options(const TrainingOptions &options, const TaskInfo &task) const override;

protected:
	RdlTrained fit(const RdlApi &api, const RelGraph &graph, const RdlTask &task, const nlohmann::json &options,
	               const RunHooks &hooks) const override;
	bool reads_lags() const override;
};

} // namespace relml::pg
