#include "pg/boundary/spi.hpp"

#include "common/lru_cache.hpp"

#include <cmath>
#include <cstdio>
#include <exception>
#include <utility>

namespace relml::pg {

namespace {

bool is_numeric_oid(Oid type) {
	return type == FLOAT8OID || type == FLOAT4OID || type == INT2OID || type == INT4OID || type == INT8OID ||
	       type == BOOLOID;
}

double datum_to_double(Datum value, Oid type) {
	switch (type) {
	case FLOAT8OID:
		return DatumGetFloat8(value);
	case FLOAT4OID:
		return DatumGetFloat4(value);
	case INT2OID:
		return DatumGetInt16(value);
	case INT4OID:
		return DatumGetInt32(value);
	case INT8OID:
		return static_cast<double>(DatumGetInt64(value));
	case BOOLOID:
		return DatumGetBool(value) ? 1.0 : 0.0;
	default:
		throw InternalError("not a numeric type");
	}
}

// $1..$n as SPI takes them: every parameter typed text, NULLs flagged 'n'.
class TextParams {
public:
	explicit TextParams(const SqlParams &params)
	    : params_(params), types_(params.size(), TEXTOID), values_(params.size(), 0), nulls_(params.size(), ' ') {
	}
	// Makes the text datums in the current memory context: called inside pg_call.
	void bind() {
		for (size_t i = 0; i < params_.size(); ++i) {
			if (params_[i]) {
				values_[i] = CStringGetTextDatum(params_[i]->c_str());
			} else {
				nulls_[i] = 'n';
			}
		}
	}
	int count() const {
		return static_cast<int>(params_.size());
	}
	Oid *types() {
		return types_.data();
	}
	Datum *values() {
		return values_.data();
	}
	const char *nulls() const {
		return nulls_.data();
	}

private:
	const SqlParams &params_;
	std::vector<Oid> types_;
	std::vector<Datum> values_;
	std::vector<char> nulls_;
};

void check_spi_result(int result, const std::string &sql) {
	if (result < 0) {
		throw InternalError(std::string("SPI failed (") + SPI_result_code_string(result) + ") running: " + sql);
	}
}

// Runs SPI_execute_with_args with every parameter typed text. Returns the SPI result code.
// Never read-only: relml's queries must see the rows its earlier statements in the same call wrote.
int run(const std::string &sql, const SqlParams &params) {
	TextParams args(params);
	const char *query = sql.c_str();
	int result = 0;
	pg_call([&] {
		args.bind();
		result = SPI_execute_with_args(query, args.count(), args.types(), args.values(), args.nulls(), false, 0);
	});
	check_spi_result(result, sql);
	return result;
}

// A plan kept for the rest of the session (SPI_keepplan). PostgreSQL's plan cache replans it when what it reads
// changes (a table, the role, the search path).
class KeptPlan {
public:
	explicit KeptPlan(SPIPlanPtr plan) : plan_(plan) {
	}
	KeptPlan(KeptPlan &&other) noexcept : plan_(std::exchange(other.plan_, nullptr)) {
	}
	KeptPlan(const KeptPlan &) = delete;
	KeptPlan &operator=(const KeptPlan &) = delete;
	// SPI_freeplan only releases the plan's memory: it raises no error to catch here.
	~KeptPlan() {
		if (plan_) {
			SPI_freeplan(plan_);
		}
	}
	SPIPlanPtr get() const {
		return plan_;
	}

private:
	SPIPlanPtr plan_;
};

// Distinct statements a session keeps plans for: a prediction runs about a dozen per deployed model.
constexpr size_t kKeptPlans = 256;

// Never destroyed: at process exit PostgreSQL's memory is gone before C++ statics would be.
LruCache<KeptPlan> &kept_plans() {
	static auto *plans = new LruCache<KeptPlan>(kKeptPlans);
	return *plans;
}

// run() through the session's kept plan of `sql`, prepared on first use; `generic` makes PostgreSQL's plan cache
// keep one plan for all parameter values instead of choosing between custom and generic plans.
int run_kept(const std::string &sql, const SqlParams &params, bool generic) {
	TextParams args(params);
	const std::string key = std::string(generic ? "g" : "c") + std::to_string(args.count()) + ":" + sql;
	std::shared_ptr<KeptPlan> plan = kept_plans().get(key, [&] {
		SPIPlanPtr prepared = nullptr;
		pg_call([&] {
			prepared = SPI_prepare_cursor(sql.c_str(), args.count(), args.types(),
			                              generic ? CURSOR_OPT_GENERIC_PLAN : 0);
			if (prepared) {
				SPI_keepplan(prepared);
			}
		});
		if (!prepared) {
			check_spi_result(SPI_result, sql);
		}
		return KeptPlan(prepared);
	});
	int result = 0;
	pg_call([&] {
		args.bind();
		result = SPI_execute_plan(plan->get(), args.values(), args.nulls(), false, 0);
	});
	check_spi_result(result, sql);
	return result;
}

// The rows the last statement returned, copied out of SPI's memory, which is then freed.
SpiResult take_result() {
	SpiResult result = SpiResult::copy_from(SPI_tuptable, SPI_processed);
	pg_call([] { SPI_freetuptable(SPI_tuptable); });
	return result;
}

} // namespace

std::string to_hex_bytea(const uint8_t *bytes, size_t size) {
	static const char *kDigits = "0123456789abcdef";
	std::string text = "\\x";
	text.reserve(2 + size * 2);
	for (size_t i = 0; i < size; ++i) {
		text += kDigits[bytes[i] >> 4];
		text += kDigits[bytes[i] & 15];
	}
	return text;
}

bool SpiResult::is_null(size_t r, size_t c) const {
	const SpiColumn &col = columns_.at(c);
	return col.numeric ? std::isnan(col.numbers.at(r)) : !col.texts.at(r).has_value();
}

double SpiResult::number(size_t r, size_t c) const {
	const SpiColumn &col = columns_.at(c);
	if (!col.numeric) {
		throw InternalError("result column " + col.name + " is not numeric");
	}
	return col.numbers.at(r);
}

std::vector<std::vector<std::string>> SpiResult::text_rows() const {
	std::vector<std::vector<std::string>> out(rows_);
	for (size_t r = 0; r < rows_; ++r) {
		for (size_t c = 0; c < columns_.size(); ++c) {
			out[r].push_back(is_null(r, c) ? std::string() : text(r, c));
		}
	}
	return out;
}

int64_t SpiResult::integer(size_t r, size_t c) const {
	return static_cast<int64_t>(std::llround(number(r, c)));
}

namespace {

std::string exact_number(double value) {
	char buffer[64];
	snprintf(buffer, sizeof(buffer), "%.17g", value);
	return buffer;
}

} // namespace

SqlParam number_param(const std::optional<double> &value) {
	if (!value) {
		return std::nullopt;
	}
	return exact_number(*value);
}

std::string float8_array_param(const std::vector<double> &values) {
	std::string text = "{";
	for (size_t i = 0; i < values.size(); ++i) {
		text += (i ? "," : "") + (std::isfinite(values[i]) ? exact_number(values[i]) : std::string("NaN"));
	}
	return text + "}";
}

std::string int8_array_param(const std::vector<int64_t> &values) {
	std::string text = "{";
	for (size_t i = 0; i < values.size(); ++i) {
		text += (i ? "," : "") + std::to_string(values[i]);
	}
	return text + "}";
}

std::string text_array_param(const std::vector<std::string> &values) {
	std::string text = "{";
	for (size_t i = 0; i < values.size(); ++i) {
		text += i ? ",\"" : "\"";
		for (char c : values[i]) {
			if (c == '"' || c == '\\') {
				text += '\\';
			}
			text += c;
		}
		text += '"';
	}
	return text + "}";
}

std::string SpiResult::text(size_t r, size_t c) const {
	const SpiColumn &col = columns_.at(c);
	if (col.numeric) {
		double v = col.numbers.at(r);
		if (col.type == BOOLOID) {
			return v != 0 ? "t" : "f";
		}
		if (v == std::floor(v) && std::fabs(v) < 1e15) {
			return std::to_string(static_cast<long long>(v));
		}
		return exact_number(v);
	}
	const auto &value = col.texts.at(r);
	if (!value) {
		return std::string();
	}
	return col.binary ? to_hex_bytea(reinterpret_cast<const uint8_t *>(value->data()), value->size()) : *value;
}

std::vector<uint8_t> SpiResult::bytes(size_t r, size_t c) const {
	const SpiColumn &col = columns_.at(c);
	if (!col.binary) {
		throw InternalError("result column " + col.name + " is not bytea");
	}
	const auto &value = col.texts.at(r);
	return value ? std::vector<uint8_t>(value->begin(), value->end()) : std::vector<uint8_t>();
}

SpiResult SpiResult::copy_from(SPITupleTable *table, uint64 rows) {
	SpiResult result;
	result.rows_ = rows;
	if (!table) {
		return result;
	}
	TupleDesc desc = table->tupdesc;
	for (int c = 0; c < desc->natts; ++c) {
		Form_pg_attribute attribute = TupleDescAttr(desc, c);
		SpiColumn column;
		column.name = NameStr(attribute->attname);
		column.type = attribute->atttypid;
		column.numeric = is_numeric_oid(column.type);
		column.binary = column.type == BYTEAOID;
		if (column.numeric) {
			column.numbers.resize(rows);
		} else {
			column.texts.resize(rows);
		}
		Oid output_function = InvalidOid;
		bool varlena = false;
		if (!column.numeric && !column.binary) {
			pg_call([&] { getTypeOutputInfo(column.type, &output_function, &varlena); });
		}
		for (uint64 r = 0; r < rows; ++r) {
			bool is_null = false;
			Datum value = heap_getattr(table->vals[r], c + 1, desc, &is_null);
			if (column.numeric) {
				column.numbers[r] = is_null ? std::nan("") : datum_to_double(value, column.type);
			} else if (!is_null && column.binary) {
				bytea *bytes = nullptr;
				pg_call([&] { bytes = DatumGetByteaPP(value); });
				column.texts[r] = std::string(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
				if (reinterpret_cast<Pointer>(bytes) != DatumGetPointer(value)) {
					pfree(bytes);
				}
			} else if (!is_null) {
				char *text = nullptr;
				pg_call([&] { text = OidOutputFunctionCall(output_function, value); });
				column.texts[r] = std::string(text);
				pfree(text);
			}
		}
		result.columns_.push_back(std::move(column));
	}
	return result;
}

SpiConnection::SpiConnection() : exceptions_at_entry_(std::uncaught_exceptions()) {
	int result = SPI_OK_CONNECT;
	pg_call([&] { result = SPI_connect(); });
	if (result != SPI_OK_CONNECT) {
		throw InternalError(std::string("SPI_connect failed: ") + SPI_result_code_string(result));
	}
}

SpiConnection::~SpiConnection() {
	if (std::uncaught_exceptions() > exceptions_at_entry_ || pg_error_caught()) {
		return;
	}
	try {
		pg_call([] { SPI_finish(); });
	} catch (...) {
		// The error is already in PostgreSQL's hands: the transaction aborts and cleans up SPI.
	}
}

SpiResult SpiConnection::query(const std::string &sql, const SqlParams &params) {
	run(sql, params);
	return take_result();
}

SpiResult SpiConnection::query_kept(const std::string &sql, const SqlParams &params) {
	run_kept(sql, params, false);
	return take_result();
}

SpiResult SpiConnection::query_generic(const std::string &sql, const SqlParams &params) {
	run_kept(sql, params, true);
	return take_result();
}

uint64 SpiConnection::execute(const std::string &sql, const SqlParams &params) {
	run(sql, params);
	uint64 processed = SPI_processed;
	pg_call([] { SPI_freetuptable(SPI_tuptable); });
	return processed;
}

std::optional<std::string> SpiConnection::scalar(const std::string &sql, const SqlParams &params) {
	SpiResult result = query(sql, params);
	if (result.rows() == 0 || result.columns() == 0 || result.is_null(0, 0)) {
		return std::nullopt;
	}
	return result.text(0, 0);
}

} // namespace relml::pg

namespace relml::pg {

void SpiConnection::drop_temp_table(const std::string &name) {
	if (scalar("SELECT to_regclass($1)::text", {"pg_temp." + name})) {
		execute("DROP TABLE pg_temp." + name);
	}
}

} // namespace relml::pg

namespace relml::pg {

SpiCursor::SpiCursor(const std::string &sql, const SqlParams &params)
    : exceptions_at_entry_(std::uncaught_exceptions()) {
	TextParams args(params);
	const char *query = sql.c_str();
	pg_call([&] {
		args.bind();
		portal_ = SPI_cursor_open_with_args(nullptr, query, args.count(), args.types(), args.values(), args.nulls(),
		                                    false, CURSOR_OPT_NO_SCROLL);
	});
}

size_t SpiCursor::columns() const {
	return static_cast<size_t>(portal_->tupDesc->natts);
}

SpiCursor::~SpiCursor() {
	// While an error unwinds, transaction abort closes the portal and frees its tuples.
	if (std::uncaught_exceptions() > exceptions_at_entry_ || pg_error_caught()) {
		return;
	}
	try {
		pg_call([&] {
			if (batch_) {
				SPI_freetuptable(batch_);
			}
			SPI_cursor_close(portal_);
		});
	} catch (...) {
		// Already reported to PostgreSQL: the transaction aborts and cleans up.
	}
}

uint64 SpiCursor::fetch(long rows) {
	uint64 fetched = 0;
	pg_call([&] {
		if (batch_) {
			SPI_freetuptable(batch_);
			batch_ = nullptr;
		}
		SPI_cursor_fetch(portal_, true, rows);
		batch_ = SPI_tuptable;
		fetched = SPI_processed;
	});
	return fetched;
}

} // namespace relml::pg
