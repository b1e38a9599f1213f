// Data-parallel RDL training ({"workers": N}): the coordinator's half and the workers' SQL entry
// (relml._training_worker). The coordinator serves the training's store (c10d's TCPStore), exports its
// snapshot, starts N background workers (pg/boundary/training_workers) and relays their progress until rank 0
// leaves the fitted model in the store; the workers load the graph under that snapshot, train together with
// c10d's ProcessGroupGloo (rdl/data_parallel), and rank 0 predicts val and test. The coordinator then stores
// the model in its own transaction, as a training in one process does.
#pragma once

#include "pg/families/model_family.hpp"

#include <string>

namespace relml::pg {

// Trains `method` (an RDL family) for `run` on `workers` background workers and returns rank 0's model.
FittedModel train_on_workers(const TrainingRun &run, const std::string &method, int workers);

} // namespace relml::pg
