// The kind of prediction a task asks for. It picks the XGBoost objective, the metrics and the shape of
// predictions, so every component that trains or evaluates a model agrees on it through this one enum.
#pragma once

#include "common/no_postgres.hpp"

#include <string>

namespace relml {

enum class TaskType { BinaryClassification, Regression, MulticlassClassification };

// Parses a user-supplied task type; accepts the long names and the short aliases "binary" and "multiclass".
TaskType parse_task_type(const std::string &name);

// The long name, as stored in the catalog and accepted by parse_task_type.
std::string to_string(TaskType task);

} // namespace relml
