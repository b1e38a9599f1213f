#include "rdl/input_corruption.hpp"

#include "rdl/rdl_runtime.hpp"

namespace relml {

namespace {

// A stream of uniform numbers in [0, 1) and indices, from splitmix64.
class Draws {
public:
	explicit Draws(uint64_t seed) : state_(seed) {
	}
	double uniform() {
		state_ = mix64(state_);
		return double(state_ >> 11) * 0x1.0p-53;
	}
	int64_t index(int64_t count) {
		state_ = mix64(state_);
		return int64_t(state_ % uint64_t(count));
	}

private:
	uint64_t state_;
};

// Per row: itself, or with probability `rate` another row of the batch.
torch::Tensor donors(int64_t rows, double rate, Draws &draws) {
	torch::Tensor index = torch::arange(rows, torch::kInt64);
	int64_t *data = index.data_ptr<int64_t>();
	for (int64_t row = 0; row < rows; ++row) {
		if (draws.uniform() < rate) {
			const int64_t other = draws.index(rows - 1);
			data[row] = other < row ? other : other + 1;
		}
	}
	return index;
}

} // namespace

RowInputs swap_cells(const RowInputs &rows, const std::vector<int64_t> &numeric_widths, double rate, uint64_t seed) {
	if (rows.rows < 2 || rate <= 0) {
		return rows;
	}
	Draws draws(seed);
	RowInputs out = rows;
	out.numeric = rows.numeric.clone();
	int64_t offset = 0;
	for (int64_t width : numeric_widths) {
		const torch::Tensor from = donors(rows.rows, rate, draws);
		out.numeric.narrow(1, offset, width).copy_(rows.numeric.narrow(1, offset, width).index_select(0, from));
		offset += width;
	}
	out.categorical = rows.categorical.clone();
	for (int64_t column = 0; column < rows.categorical.size(1); ++column) {
		const torch::Tensor from = donors(rows.rows, rate, draws);
		out.categorical.select(1, column).copy_(rows.categorical.select(1, column).index_select(0, from));
	}
	for (size_t column = 0; column < rows.text.size(); ++column) {
		const torch::Tensor from = donors(rows.rows, rate, draws);
		const RowInputs::Text &text = rows.text[column];
		const int64_t *offsets = text.offsets.data_ptr<int64_t>();
		const int64_t *buckets = text.buckets.data_ptr<int64_t>();
		const int64_t total = text.buckets.size(0);
		const int64_t *donor_of = from.data_ptr<int64_t>();
		std::vector<int64_t> new_offsets;
		std::vector<int64_t> new_buckets;
		for (int64_t row = 0; row < rows.rows; ++row) {
			const int64_t donor = donor_of[row];
			const int64_t end = donor + 1 < rows.rows ? offsets[donor + 1] : total;
			new_offsets.push_back(int64_t(new_buckets.size()));
			new_buckets.insert(new_buckets.end(), buckets + offsets[donor], buckets + end);
		}
		out.text[column].offsets = torch::tensor(new_offsets, torch::kInt64);
		out.text[column].buckets = torch::tensor(new_buckets, torch::kInt64);
	}
	return out;
}

MaskedCells mask_seed_rows(RdlBatch &batch, int entity_table, const std::vector<int64_t> &numeric_widths,
                           double rate, uint64_t seed) {
	RdlBatch::Table &table = batch.tables[entity_table];
	RowInputs &rows = table.rows;
	MaskedCells cells;
	cells.seed_rows = table.unique_index.narrow(0, 0, batch.seed_count).clone();
	cells.numeric_target = rows.numeric.clone();
	cells.categorical_target = rows.categorical.clone();
	cells.numeric_mask = torch::zeros_like(rows.numeric);
	cells.categorical_mask = torch::zeros(rows.categorical.sizes(), torch::kBool);
	std::vector<bool> is_seed_row(size_t(rows.rows), false);
	const int64_t *seed_rows = cells.seed_rows.data_ptr<int64_t>();
	for (int64_t s = 0; s < batch.seed_count; ++s) {
		is_seed_row[size_t(seed_rows[s])] = true;
	}
	Draws draws(seed);
	rows.numeric = rows.numeric.clone();
	rows.categorical = rows.categorical.clone();
	for (int64_t row = 0; row < rows.rows; ++row) {
		if (!is_seed_row[size_t(row)]) {
			continue;
		}
		int64_t offset = 0;
		for (int64_t width : numeric_widths) {
			if (draws.uniform() < rate) {
				rows.numeric[row].narrow(0, offset, width).zero_();
				cells.numeric_mask[row].narrow(0, offset, width).fill_(1);
				++cells.masked;
			}
			offset += width;
		}
		for (int64_t column = 0; column < rows.categorical.size(1); ++column) {
			if (draws.uniform() < rate) {
				rows.categorical[row][column] = 0;
				cells.categorical_mask[row][column] = true;
				++cells.masked;
			}
		}
	}
	return cells;
}

} // namespace relml
