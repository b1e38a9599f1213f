// The DFS model family: SQL aggregate features over the task's seeds (Deep Feature Synthesis), gradient-boosted
// trees on top, prediction with the exact feature specification saved with the model.
#pragma once

#include "pg/families/model_family.hpp"

namespace relml::pg {

class DfsFamily : public ModelFamily {
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
};

} // namespace relml::pg
