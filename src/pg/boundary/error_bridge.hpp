// The one crossing between C++ and PostgreSQL errors, in both directions.
//
// PostgreSQL raises errors with longjmp, which must never cross a C++ frame that owns objects; C++
// exceptions must never reach PostgreSQL. So:
//  - every SQL-callable function runs its body through run_entry(), which catches every exception, lets
//    all C++ objects die, and only then raises the PostgreSQL error (or processes a pending interrupt);
//  - every PostgreSQL call made under C++ frames goes through pg_call(), which turns a PostgreSQL error
//    into a PgError exception. Its callable may call PostgreSQL only: nothing in it may throw.
#pragma once

#include "pg/boundary/pg_headers.hpp"

#include "common/error.hpp"
#include "common/hooks.hpp"

#include <exception>
#include <utility>

namespace relml::pg {

// A PostgreSQL error caught under C++ frames; the entry point re-raises it unchanged (SQLSTATE, detail,
// hint, context). The ErrorData lives in the memory context of the function call.
class PgError : public std::exception {
public:
	explicit PgError(ErrorData *data) : data_(data) {
	}
	ErrorData *data() const {
		return data_;
	}
	const char *what() const noexcept override {
		return data_ && data_->message ? data_->message : "PostgreSQL error";
	}

private:
	ErrorData *data_;
};

// Set once a PostgreSQL error was caught in this call: the transaction is doomed and SPI must not be used
// (or closed) again; transaction abort cleans it up.
bool pg_error_caught();
void note_pg_error_caught();
// The transaction is usable again: the subtransaction the error doomed has been rolled back.
void clear_pg_error_caught();

// Long generated SQL in an error's CONTEXT buries the message: keep its start only.
void shorten_error_context(ErrorData *error);

template <class F>
void pg_call(F &&f) {
	MemoryContext context = CurrentMemoryContext;
	ErrorData *error = nullptr;
	PG_TRY();
	{
		f();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		error = CopyErrorData();
		FlushErrorState();
		shorten_error_context(error);
	}
	PG_END_TRY();
	if (error) {
		note_pg_error_caught();
		throw PgError(error);
	}
}

// Re-throws a PostgreSQL error raised by a query the user wrote (a label or seeds query) with `prefix` in
// front of its message, so that the error says which query failed; the SQLSTATE stays.
[[noreturn]] void rethrow_user_query_error(const PgError &error, const std::string &prefix);

// Throws CanceledError when a query cancel or backend termination is pending. Never processes the
// interrupt itself (that would longjmp): run_entry does, after unwinding.
void check_interrupts();

// Hooks for core work: interrupt polling and NOTICE progress lines.
RunHooks backend_hooks();

// Sends a NOTICE (guarded).
void notice(const std::string &message);

using EntryBody = Datum (*)(FunctionCallInfo);
Datum run_entry(FunctionCallInfo fcinfo, EntryBody body);

} // namespace relml::pg

// Declares a SQL-callable function `name` whose body is `name##_body(FunctionCallInfo)`.
#define RELML_SQL_FUNCTION(name)                                                                                    \
	static Datum name##_body(FunctionCallInfo fcinfo);                                                                \
	extern "C" {                                                                                                      \
	PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                                                         \
	PG_FUNCTION_INFO_V1(name);                                                                                        \
	Datum name(PG_FUNCTION_ARGS) {                                                                                    \
		return relml::pg::run_entry(fcinfo, name##_body);                                                             \
	}                                                                                                                 \
	}                                                                                                                 \
	static Datum name##_body(FunctionCallInfo fcinfo)
