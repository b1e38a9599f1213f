// A row-major float matrix: the hand-off format between feature assembly (DFS frames, encoders) and models.
// Floats because XGBoost and LibTorch consume them without conversion; NaN marks a missing value.
#pragma once

#include "common/no_postgres.hpp"

#include <cstddef>
#include <limits>
#include <vector>

namespace relml {

struct DenseMatrix {
	size_t rows = 0;
	size_t cols = 0;
	// rows * cols values, row after row; NaN = missing.
	std::vector<float> values;

	// A rows x cols matrix with every cell set to fill (missing by default), ready to be written with at().
	static DenseMatrix filled(size_t rows, size_t cols, float fill = std::numeric_limits<float>::quiet_NaN()) {
		DenseMatrix m;
		m.rows = rows;
		m.cols = cols;
		m.values.assign(rows * cols, fill);
		return m;
	}

	float at(size_t r, size_t c) const { return values[r * cols + c]; }
	float &at(size_t r, size_t c) { return values[r * cols + c]; }

	// Whether values holds exactly rows * cols cells; consumers check it before handing the buffer to a library.
	bool consistent() const { return values.size() == rows * cols; }
};

// Consecutive rows of a DenseMatrix (all of them by default), read in place: a split of a matrix whose rows are
// ordered by split goes to XGBoost without a copy.
struct MatrixRows {
	const float *data = nullptr;
	size_t rows = 0;
	size_t cols = 0;

	MatrixRows() = default;
	MatrixRows(const DenseMatrix &m) : data(m.values.data()), rows(m.rows), cols(m.cols) {} // NOLINT: a view of all
	// Rows begin .. end - 1 of `m`.
	MatrixRows(const DenseMatrix &m, size_t begin, size_t end)
	    : data(m.values.data() + begin * m.cols), rows(end - begin), cols(m.cols) {}

	float at(size_t r, size_t c) const { return data[r * cols + c]; }
	size_t size() const { return rows * cols; }
};

} // namespace relml
