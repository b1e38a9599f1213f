// The RDL model family: the registered database as a graph, a temporal heterogeneous GraphSAGE trained end to
// end on the task's seeds (from a pre-trained encoder when the options name one), and prediction with the
// stored weights and encoders. The network lives in relml_rdl.so, reached through rdl_api().
#pragma once

#include "pg/families/model_family.hpp"

#include "rdl/api/rdl_api.hpp"

namespace relml::pg {

class RdlFamily : public ModelFamily {
public:
	std::string name() const override;
	std::string description() const override;
	std::vector<std::string> common_keys() const override;
	std::vector<std::string> own_keys() const override;
	std::unique_ptr<FamilyOptions> parse_options(const TrainingOptions &options, const TaskInfo &task) const override;
	FittedModel train(const TrainingRun &run, const FamilyOptions &options) const override;
	PredictionValues predict(const PredictionRun &run) const override;
	nlohmann::json describe(const StoredModel &model, const nlohmann::json &metrics) const override;
	nlohmann::json training_options(const nlohmann::json &stored) const override;

protected:
	// Fits the family's network on the task's seeds: end to end here, a linear head for probe.
	virtual RdlTrained fit(const RdlApi &api, const RelGraph &graph, const RdlTask &task,
	                       const nlohmann::json &options, const RunHooks &hooks) const;
	// Whether training rows may be observed late (lag_augmentation): the end-to-end network reads the lag.
	virtual bool reads_lags() const;
};

} // namespace relml::pg
