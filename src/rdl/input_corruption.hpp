// The input noise of self-supervised pre-training, applied to a built mini-batch: swapping cells across the
// rows of a table (each cell, with a given probability, takes the value of the same column in another row of
// the batch), and masking cells of the seeds' own rows for masked-feature reconstruction.
#pragma once

#include "common/no_postgres.hpp"
#include "rdl/rdl_batch.hpp"
#include "rdl/table_encoding.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace relml {

// A cell is a column: a numeric column's whole group of features (value and missing flag, or a timestamp's
// parts), a categorical column's index, a text column's tokens. Tables with fewer than two rows stay as
// they are. Deterministic in `seed`.
RowInputs swap_cells(const RowInputs &rows, const std::vector<int64_t> &numeric_widths, double rate, uint64_t seed);

// What masking hid from the entity table's rows, to be reconstructed from the seeds' embeddings.
struct MaskedCells {
	torch::Tensor seed_rows;         // [seeds] int64: each seed's row among the entity table's batch rows
	torch::Tensor numeric_target;    // [rows, numeric_width] the clean values
	torch::Tensor numeric_mask;      // [rows, numeric_width] float 1 where masked
	torch::Tensor categorical_target;// [rows, categorical columns] int64 the clean indices
	torch::Tensor categorical_mask;  // [rows, categorical columns] bool
	int64_t masked = 0;              // masked cells in all
};

// Masks each cell of the rows the seeds stand on (in `batch.tables[entity_table]`) with probability `rate`:
// numeric groups become 0, categorical indices 0 (unknown). Changes `batch` in place.
MaskedCells mask_seed_rows(RdlBatch &batch, int entity_table, const std::vector<int64_t> &numeric_widths,
                           double rate, uint64_t seed);

} // namespace relml
