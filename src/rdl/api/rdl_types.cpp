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

SeedFeatures SeedFeatures::select(const std::vector<size_t> &positions) const {
	SeedFeatures out;
	out.width = width;
	if (width == 0) {
		return out;
	}
	out.values.reserve(positions.size() * size_t(width));
	for (size_t position : positions) {
		const auto row = values.begin() + std::ptrdiff_t(position * size_t(width));
		out.values.insert(out.values.end(), row, row + width);
	}
	return out;
}

SeedFeatures SeedFeatures::slice(size_t begin, size_t end) const {
	SeedFeatures out;
	out.width = width;
	out.values.assign(values.begin() + std::ptrdiff_t(begin * size_t(width)),
	                  values.begin() + std::ptrdiff_t(end * size_t(width)));
	return out;
}

nlohmann::json epochs_json(const std::vector<RdlEpoch> &epochs) {
	return epochs_as_json(epochs, "val_metric", &RdlEpoch::val_metric);
}

nlohmann::json epochs_json(const std::vector<PretrainEpoch> &epochs) {
	return epochs_as_json(epochs, "val_loss", &PretrainEpoch::val_loss);
}

} // namespace relml
