// The arguments relml.train and relml.train_async share: (task, method, options).
#pragma once

#include "pg/boundary/args.hpp"

namespace relml::pg {

struct TrainingRequest {
	std::string task;
	std::string method;
	nlohmann::json options;
};

inline TrainingRequest training_request(FunctionCallInfo fcinfo) {
	return {text_arg(fcinfo, 0, "task"), text_arg(fcinfo, 1, "method"), jsonb_arg(fcinfo, 2, "options")};
}

} // namespace relml::pg
