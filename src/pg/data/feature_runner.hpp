// Runs DFS feature queries through SPI over the seed relation (seed_table.hpp) and assembles the feature matrix.
#pragma once

#include "pg/boundary/spi.hpp"
#include "pg/data/seed_table.hpp"

#include "common/hooks.hpp"
#include "dfs/dfs_planner.hpp"
#include "model/dense_matrix.hpp"

#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

// Plans DFS features for `entity_table`, profiling categorical columns on rows up to `profile_until`.
FeatureSpec plan_features(SpiConnection &spi, const SchemaGraph &graph, const std::string &entity_table,
                          const DfsOptions &options, const std::string &profile_until);

// ResourceError when a matrix of `rows` x `features` floats and `also_mb` (what the caller adds on top of it,
// `also_what`) would exceed relml.max_feature_memory.
void check_feature_memory(size_t rows, size_t features, double also_mb = 0, const std::string &also_what = "");

// Computes the matrix for the seeds `row_ids` of `seeds` (matrix rows in the order of row_ids). With fit_rows,
// categorical vocabularies are fitted on those rows and stored in `spec`; without, the spec's vocabularies are
// used. ResourceError before any query when the matrix and `also_mb` (what the caller will add on top of it,
// such as a model's copies of the rows) would exceed relml.max_feature_memory.
DenseMatrix compute_features(SpiConnection &spi, FeatureSpec &spec, const SchemaGraph &graph,
                             const std::vector<int64_t> &row_ids, const SeedRelation &seeds,
                             const std::vector<bool> *fit_rows, const RunHooks &hooks, double also_mb = 0,
                             const std::string &also_what = "");

// Fails naming the table and column when the live schema no longer has what `graph`'s features read.
void check_schema_unchanged(SpiConnection &spi, const FeatureSpec &spec, const SchemaGraph &graph,
                            const std::string &model_label);

} // namespace relml::pg
