// SPI from C++: a scoped connection, queries with text parameters (cast in SQL), and results copied out of
// PostgreSQL memory into C++ columns.
#pragma once

#include "pg/boundary/error_bridge.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relml::pg {

using SqlParam = std::optional<std::string>; // text, or NULL
using SqlParams = std::vector<SqlParam>;

// A float8 parameter that reads back exactly (%.17g), or NULL.
SqlParam number_param(const std::optional<double> &value);
// A float8[] parameter's text, each value exact.
std::string float8_array_param(const std::vector<double> &values);

// An int8[] parameter's text.
std::string int8_array_param(const std::vector<int64_t> &values);

// A text[] (or name[]) parameter's text: every element double-quoted, its quotes and backslashes escaped.
std::string text_array_param(const std::vector<std::string> &values);

// bytea's hex text format ("\\x" then two digits a byte), as its output function writes it and its input reads it.
std::string to_hex_bytea(const uint8_t *bytes, size_t size);

// One result column. Numeric types (int, float, bool) decode into `numbers` (NaN = NULL); bytea into `texts` as
// its raw bytes (model weights are megabytes: no hex round trip); every other type into `texts` through its
// output function.
struct SpiColumn {
	std::string name;
	Oid type = InvalidOid;
	bool numeric = false;
	bool binary = false; // bytea
	std::vector<double> numbers;
	std::vector<std::optional<std::string>> texts;
};

class SpiResult {
public:
	size_t rows() const {
		return rows_;
	}
	size_t columns() const {
		return columns_.size();
	}
	const SpiColumn &column(size_t c) const {
		return columns_.at(c);
	}
	bool is_null(size_t r, size_t c) const;
	double number(size_t r, size_t c) const;      // numeric columns
	std::string text(size_t r, size_t c) const;   // any column; numbers are formatted, bytea in hex
	std::vector<uint8_t> bytes(size_t r, size_t c) const; // bytea columns
	int64_t integer(size_t r, size_t c) const;    // numeric columns holding integers
	// Every row as texts (NULL as an empty string).
	std::vector<std::vector<std::string>> text_rows() const;

	static SpiResult copy_from(SPITupleTable *table, uint64 rows);

private:
	size_t rows_ = 0;
	std::vector<SpiColumn> columns_;
};

// A scoped SPI connection. On normal exit it disconnects; while an exception unwinds it leaves the
// connection to transaction abort, which always follows.
class SpiConnection {
public:
	SpiConnection();
	~SpiConnection();
	SpiConnection(const SpiConnection &) = delete;
	SpiConnection &operator=(const SpiConnection &) = delete;

	// Runs `sql` with $1..$n bound to `params` (all text); returns the rows it produced.
	SpiResult query(const std::string &sql, const SqlParams &params = {});
	// query() through a plan the session keeps for `sql` (prepared on first use, replanned by PostgreSQL when what
	// it reads changes): for the queries every prediction runs, whose planning would cost more than running them.
	SpiResult query_kept(const std::string &sql, const SqlParams &params = {});
	// query_kept() with one generic plan for every parameter value: for a statement whose best plan does not
	// depend on them, which PostgreSQL would otherwise plan anew on every call (a custom plan per call).
	SpiResult query_generic(const std::string &sql, const SqlParams &params = {});
	// Runs a statement, returns the number of rows it processed.
	uint64 execute(const std::string &sql, const SqlParams &params = {});
	// Drops a temporary table of this session if it exists, without a NOTICE.
	void drop_temp_table(const std::string &name);
	// The first column of the single row `sql` returns (or NULL).
	std::optional<std::string> scalar(const std::string &sql, const SqlParams &params = {});

private:
	int exceptions_at_entry_;
};

// A server-side cursor over a query ($1..$n bound to `params`, all text), read in batches of binary datums:
// bulk reads that hold one batch at a time and never go through the types' text output functions. Open only
// inside an SpiConnection.
class SpiCursor {
public:
	explicit SpiCursor(const std::string &sql, const SqlParams &params = {});
	~SpiCursor();
	SpiCursor(const SpiCursor &) = delete;
	SpiCursor &operator=(const SpiCursor &) = delete;

	// Fetches up to `rows` rows into batch(), freeing the previous batch; returns how many came (0 at the end).
	uint64 fetch(long rows);
	SPITupleTable *batch() const {
		return batch_;
	}
	// Columns of the query's rows.
	size_t columns() const;

private:
	Portal portal_ = nullptr;
	SPITupleTable *batch_ = nullptr;
	int exceptions_at_entry_;
};

} // namespace relml::pg
