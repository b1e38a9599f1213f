// The module: its magic block and the settings (GUCs) it defines. Nothing heavy happens at load time: the
// library may be loaded into the postmaster, which must never start threads.
#include "pg/boundary/module.hpp"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

namespace relml::pg {

int threads_setting = 1;
int max_feature_mb_setting = 4096;
char *fault_injection_setting = nullptr;
int max_training_jobs_setting = 2;
int max_graph_mb_setting = 2048;
char *device_setting = nullptr;
int dfs_batch_features_setting = DFS_BATCH_FEATURES_AUTO;

namespace {

const struct config_enum_entry dfs_batch_features_options[] = {{"auto", DFS_BATCH_FEATURES_AUTO, false},
                                                               {"sql", DFS_BATCH_FEATURES_SQL, false},
                                                               {"graph", DFS_BATCH_FEATURES_GRAPH, false},
                                                               {nullptr, 0, false}};

} // namespace

} // namespace relml::pg

void _PG_init(void) {
	DefineCustomIntVariable("relml.threads", "Threads relml uses for training and prediction.",
	                        "Applies to XGBoost and LibTorch; threads start only when a backend first trains. More than 1 pays off "
	                        "only on cores that are otherwise idle: waiting OpenMP threads spin.",
	                        &relml::pg::threads_setting, 1, 1, 256, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("relml.max_feature_memory", "Largest feature matrix relml builds, in megabytes.",
	                        "Training and batch prediction fail with a clear error instead of exhausting memory.",
	                        &relml::pg::max_feature_mb_setting, 4096, 16, 1024 * 1024, PGC_USERSET, GUC_UNIT_MB,
	                        nullptr, nullptr, nullptr);
	DefineCustomIntVariable("relml.max_graph_memory", "Largest relational graph an RDL model loads, in megabytes.",
	                        "The graph of a registered database (rows, columns, adjacencies) is kept per backend while "
	                        "its data is unchanged; loading past this fails with an error naming the table.",
	                        &relml::pg::max_graph_mb_setting, 2048, 1, 1024 * 1024, PGC_USERSET, GUC_UNIT_MB, nullptr,
	                        nullptr, nullptr);
	DefineCustomStringVariable("relml.device", "Device RDL models train and predict on: cpu or cuda.",
	                           "cuda needs a LibTorch build with CUDA and a GPU; the option \"device\" of relml.train "
	                           "overrides it for one model.",
	                           &relml::pg::device_setting, "cpu", PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomEnumVariable("relml.dfs_batch_features",
	                         "Where batch predictions of DFS models compute their features: auto, sql or graph.",
	                         "graph computes them in memory from the relational graph (loaded once per backend and kept "
	                         "while the data is unchanged, within relml.max_graph_memory) after checking a sample "
	                         "of the batch against SQL; sql runs the feature queries; auto uses the graph for "
	                         "batches of 10000 seeds or more, and loads it for one of at least a seed per 200 rows.",
	                         &relml::pg::dfs_batch_features_setting, relml::pg::DFS_BATCH_FEATURES_AUTO,
	                         relml::pg::dfs_batch_features_options, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("relml.max_training_jobs", "Training jobs that run at once in one database.",
	                        "Jobs beyond it wait in the queue (state queued) and start when a running one ends.",
	                        &relml::pg::max_training_jobs_setting, 2, 1, 64, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomStringVariable("relml.fault_injection", "Makes relml fail on purpose, for testing its error handling.",
	                           "'cxx_exception_after_polls:N' throws a C++ exception at the N-th interrupt poll of a "
	                           "call, deep inside training; 'graph_features_differ' changes a DFS feature computed from the "
	                           "graph before its check against SQL. Superuser only; empty disables it.",
	                           &relml::pg::fault_injection_setting, "", PGC_SUSET, GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL,
	                           nullptr, nullptr, nullptr);
	MarkGUCPrefixReserved("relml");
}
