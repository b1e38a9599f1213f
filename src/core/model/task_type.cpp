#include "model/task_type.hpp"

#include "common/error.hpp"

namespace relml {

TaskType parse_task_type(const std::string &name) {
	if (name == "binary_classification" || name == "binary") {
		return TaskType::BinaryClassification;
	}
	if (name == "regression") {
		return TaskType::Regression;
	}
	if (name == "multiclass_classification" || name == "multiclass") {
		return TaskType::MulticlassClassification;
	}
	throw InvalidInputError("unknown task type \"" + name +
	                        "\"; expected one of binary_classification (or binary), regression, "
	                        "multiclass_classification (or multiclass)");
}

std::string to_string(TaskType task) {
	switch (task) {
	case TaskType::BinaryClassification:
		return "binary_classification";
	case TaskType::Regression:
		return "regression";
	case TaskType::MulticlassClassification:
		return "multiclass_classification";
	}
	throw InternalError("invalid TaskType value");
}

} // namespace relml
