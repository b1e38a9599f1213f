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
#include <optional>

namespace relml::pg {

// The feature matrix of `seeds` (in the seed table) for model `model_id`, computed from the graph; nothing when
// SQL must compute it (a small batch under auto, the setting sql, features the graph cannot reproduce, a graph
// over relml.max_graph_memory, or a sample that differs).
std::optional<DenseMatrix> features_from_graph(SpiConnection &spi, const FeatureSpec &spec,
                                               const SchemaGraph &model_graph, const TaskInfo &task, int64_t model_id,
                                               const SeedFrame &seeds, int threads, const RunHooks &hooks);

} // namespace relml::pg
