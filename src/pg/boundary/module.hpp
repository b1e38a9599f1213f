// Settings of the module, read by the entry points.
#pragma once

#include "pg/boundary/pg_headers.hpp"

namespace relml::pg {

extern int threads_setting;        // relml.threads
extern int max_feature_mb_setting; // relml.max_feature_memory
extern char *fault_injection_setting; // relml.fault_injection
extern int max_training_jobs_setting; // relml.max_training_jobs
extern int max_graph_mb_setting;      // relml.max_graph_memory
extern char *device_setting;          // relml.device
extern int dfs_batch_features_setting; // relml.dfs_batch_features: one of DfsBatchFeatures

// Where predict_batch computes a DFS model's features.
enum DfsBatchFeatures { DFS_BATCH_FEATURES_AUTO, DFS_BATCH_FEATURES_SQL, DFS_BATCH_FEATURES_GRAPH };

} // namespace relml::pg
