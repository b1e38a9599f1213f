// Batch DFS features from the cached relational graph instead of SQL (core/dfs/graph_feature_evaluator.hpp),
// as relml.dfs_batch_features allows: the graph is loaded (or reused) as RDL loads it, each categorical column
// that features compare is described from the catalog (collation, sort order of its values), and a sample of
// every batch is computed by the SQL feature queries too; any difference sends the batch, and later batches of
// the model in this session, to SQL with a NOTICE that names the feature.
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/data/seed_table.hpp"

#include "common/hooks.hpp"
#include "dfs/feature_spec.hpp"
#include "model/dense_matrix.hpp"
#include "schema/schema_graph.hpp"

#include <cstdint>

namespace relml::pg {

// The features of prediction seeds for model `model_id`: from the graph when the setting allows it and the
// graph computes them as SQL does (a large batch in the seed table, features the graph can reproduce, a graph within
// relml.max_graph_memory, a checked sample that agrees), else by the feature queries over the seeds' relation.
DenseMatrix prediction_features(SpiConnection &spi, FeatureSpec &spec, const SchemaGraph &model_graph,
                                const TaskInfo &task, int64_t model_id, const SeedFrame &seeds, int threads,
                                const RunHooks &hooks);

} // namespace relml::pg
