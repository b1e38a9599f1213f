#include "rdl/api/rdl_types.hpp"

namespace relml {

namespace {

// An epoch's line: the loss, its validation figure under `val_name`, and its speed.
template <class Epoch, class Value>
nlohmann::json epochs_as_json(const std::vector<Epoch> &epochs, const char *val_name, Value Epoch::*val) {
	nlohmann::json out = nlohmann::json::array();
	for (const Epoch &epoch : epochs) {
		out.push_back({{"epoch", epoch.epoch},
		               {"train_loss", epoch.train_loss},
		               {val_name, epoch.*val},
		               {"seconds", epoch.seconds},
		               {"samples_per_second", epoch.samples_per_second}});
	}
	return out;
}

} // namespace

nlohmann::json epochs_json(const std::vector<RdlEpoch> &epochs) {
	return epochs_as_json(epochs, "val_metric", &RdlEpoch::val_metric);
}

nlohmann::json epochs_json(const std::vector<PretrainEpoch> &epochs) {
	return epochs_as_json(epochs, "val_loss", &PretrainEpoch::val_loss);
}

} // namespace relml
