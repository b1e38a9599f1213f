#include "dfs/feature_spec.hpp"

#include "common/error.hpp"

#include <cmath>

namespace relml {

namespace {

const std::vector<std::pair<Aggregate, const char *>> kAggregateNames = {
    {Aggregate::Value, "value"},       {Aggregate::Count, "count"},
    {Aggregate::Sum, "sum"},           {Aggregate::Mean, "mean"},
    {Aggregate::Min, "min"},           {Aggregate::Max, "max"},
    {Aggregate::Stddev, "stddev"},     {Aggregate::CountDistinct, "count_distinct"},
    {Aggregate::Mode, "mode"},         {Aggregate::Share, "share"},
    {Aggregate::DaysSinceLast, "days_since_last"}, {Aggregate::DaysSinceFirst, "days_since_first"},
    {Aggregate::AgeDays, "age_days"}};

nlohmann::json path_to_json(const FeaturePath &path) {
	nlohmann::json hops = nlohmann::json::array();
	for (auto &hop : path.hops) {
		hops.push_back({{"table", hop.table}, {"fk_table", hop.fk_table}, {"fk_column", hop.fk_column},
		                {"backward", hop.backward}});
	}
	nlohmann::json features = nlohmann::json::array();
	for (auto &f : path.features) {
		nlohmann::json feature = {{"name", f.name},     {"aggregate", to_string(f.aggregate)},
		                          {"column", f.column}, {"window", f.window},
		                          {"categorical", f.categorical}, {"zero_if_missing", f.zero_if_missing}};
		if (f.aggregate == Aggregate::Share) {
			feature["share_value"] = f.share_value;
		}
		if (f.categorical) {
			feature["vocab"] = f.vocab;
		}
		features.push_back(feature);
	}
	return {{"name", path.name}, {"hops", hops}, {"aggregated", path.aggregated}, {"features", features}};
}

FeaturePath path_from_json(const nlohmann::json &json) {
	FeaturePath path;
	path.name = json.at("name").get<std::string>();
	path.aggregated = json.at("aggregated").get<bool>();
	for (auto &hop : json.at("hops")) {
		path.hops.push_back({hop.at("table").get<std::string>(), hop.at("fk_table").get<std::string>(),
		                     hop.at("fk_column").get<std::string>(), hop.at("backward").get<bool>()});
	}
	for (auto &f : json.at("features")) {
		Feature feature;
		feature.name = f.at("name").get<std::string>();
		feature.aggregate = parse_aggregate(f.at("aggregate").get<std::string>());
		feature.column = f.at("column").get<std::string>();
		feature.window = f.at("window").get<int>();
		feature.categorical = f.at("categorical").get<bool>();
		feature.zero_if_missing = f.at("zero_if_missing").get<bool>();
		if (f.contains("share_value")) {
			feature.share_value = f.at("share_value").get<std::string>();
		}
		if (f.contains("vocab")) {
			feature.vocab = f.at("vocab").get<std::vector<std::string>>();
		}
		path.features.push_back(std::move(feature));
	}
	return path;
}

} // namespace

std::string to_string(Aggregate aggregate) {
	for (auto &entry : kAggregateNames) {
		if (entry.first == aggregate) {
			return entry.second;
		}
	}
	throw InternalError("unknown aggregate");
}

Aggregate parse_aggregate(const std::string &text) {
	for (auto &entry : kAggregateNames) {
		if (text == entry.second) {
			return entry.first;
		}
	}
	throw InvalidInputError("unknown aggregate \"" + text + "\" in feature specification");
}

size_t FeatureSpec::feature_count() const {
	size_t count = own.features.size() + (seed_date_parts ? 2 : 0) + (observation_lag ? 1 : 0);
	for (auto &path : paths) {
		count += path.features.size();
	}
	return count;
}

std::vector<std::string> FeatureSpec::feature_names() const {
	std::vector<std::string> names;
	for (auto &f : own.features) {
		names.push_back(f.name);
	}
	if (seed_date_parts) {
		names.push_back("seed.month");
		names.push_back("seed.day_of_week");
	}
	if (observation_lag) {
		names.push_back("seed.observation_lag_days");
	}
	for (auto &path : paths) {
		for (auto &f : path.features) {
			names.push_back(f.name);
		}
	}
	return names;
}

std::string FeatureSpec::window_label(int window) const {
	if (window < 0) {
		return "all";
	}
	double days = window_days.at(window);
	return "last_" + std::to_string(static_cast<long>(std::lround(days))) + "d";
}

nlohmann::json FeatureSpec::to_json() const {
	nlohmann::json paths_json = nlohmann::json::array();
	for (auto &path : paths) {
		paths_json.push_back(path_to_json(path));
	}
	return {{"schema", schema},           {"entity_table", entity_table}, {"entity_key", entity_key},
	        {"window_days", window_days}, {"own", path_to_json(own)},     {"paths", paths_json},
	        {"seed_date_parts", seed_date_parts}, {"observation_lag", observation_lag}};
}

FeatureSpec FeatureSpec::from_json(const nlohmann::json &json) {
	FeatureSpec spec;
	spec.schema = json.at("schema").get<std::string>();
	spec.entity_table = json.at("entity_table").get<std::string>();
	spec.entity_key = json.at("entity_key").get<std::string>();
	spec.window_days = json.at("window_days").get<std::vector<double>>();
	spec.own = path_from_json(json.at("own"));
	for (auto &path : json.at("paths")) {
		spec.paths.push_back(path_from_json(path));
	}
	spec.seed_date_parts = json.at("seed_date_parts").get<bool>();
	// Models stored before observation lags existed have none.
	spec.observation_lag = json.value("observation_lag", false);
	return spec;
}

} // namespace relml
