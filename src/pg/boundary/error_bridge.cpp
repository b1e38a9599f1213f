#include "pg/boundary/error_bridge.hpp"

#include "pg/boundary/module.hpp"

#include <cstring>
#include <new>
#include <stdexcept>

namespace relml::pg {

namespace {

bool error_caught = false;
long polls_in_call = 0;

// relml.fault_injection = 'cxx_exception_after_polls:N': a plain C++ exception from deep inside the work,
// the kind a library bug would throw, to prove the entry point contains it.
void inject_fault() {
	const char *setting = fault_injection_setting;
	const char *prefix = "cxx_exception_after_polls:";
	if (!setting || strncmp(setting, prefix, strlen(prefix)) != 0) {
		return;
	}
	if (++polls_in_call >= atol(setting + strlen(prefix))) {
		throw std::logic_error("relml.fault_injection: injected C++ exception at interrupt poll " +
		                       std::to_string(polls_in_call));
	}
}

// What run_entry raises once the C++ frames are gone. Plain data only: it outlives the catch blocks.
struct PendingError {
	int sqlstate = 0;
	char message[2048] = {0};
	ErrorData *pg_error = nullptr;
	bool canceled = false;
};

void remember(PendingError &pending, int sqlstate, const char *message) {
	pending.sqlstate = sqlstate;
	strncpy(pending.message, message ? message : "unknown error", sizeof(pending.message) - 1);
}

} // namespace

bool pg_error_caught() {
	return error_caught;
}

void note_pg_error_caught() {
	error_caught = true;
}

void clear_pg_error_caught() {
	error_caught = false;
}

void shorten_error_context(ErrorData *error) {
	constexpr size_t kMaxContext = 400;
	if (error->context && strlen(error->context) > kMaxContext) {
		strcpy(error->context + kMaxContext - 4, " ...");
	}
}

void rethrow_user_query_error(const PgError &error, const std::string &prefix) {
	ErrorData *data = error.data();
	const char *text = prefix.c_str();
	pg_call([&] {
		data->message = psprintf("%s: %s", text, data->message ? data->message : "error");
		data->context = nullptr;
		data->internalquery = nullptr;
		data->internalpos = 0;
		data->cursorpos = 0;
	});
	throw PgError(data);
}

void check_interrupts() {
	inject_fault();
	if (InterruptPending && (QueryCancelPending || ProcDiePending)) {
		throw CanceledError("canceling relml work on request");
	}
}

void notice(const std::string &message) {
	const char *text = message.c_str();
	pg_call([&] { ereport(NOTICE, (errmsg("%s", text))); });
}

RunHooks backend_hooks() {
	RunHooks hooks;
	hooks.check_interrupt = check_interrupts;
	hooks.progress = notice;
	return hooks;
}

Datum run_entry(FunctionCallInfo fcinfo, EntryBody body) {
	PendingError pending;
	error_caught = false;
	polls_in_call = 0;
	try {
		return body(fcinfo);
	} catch (const PgError &e) {
		pending.pg_error = e.data();
	} catch (const CanceledError &e) {
		pending.canceled = true;
		remember(pending, ERRCODE_QUERY_CANCELED, e.what());
	} catch (const InvalidInputError &e) {
		remember(pending, ERRCODE_INVALID_PARAMETER_VALUE, e.what());
	} catch (const NotFoundError &e) {
		remember(pending, ERRCODE_UNDEFINED_OBJECT, e.what());
	} catch (const DuplicateError &e) {
		remember(pending, ERRCODE_DUPLICATE_OBJECT, e.what());
	} catch (const ConflictError &e) {
		remember(pending, ERRCODE_LOCK_NOT_AVAILABLE, e.what());
	} catch (const PermissionError &e) {
		remember(pending, ERRCODE_INSUFFICIENT_PRIVILEGE, e.what());
	} catch (const NotSupportedError &e) {
		remember(pending, ERRCODE_FEATURE_NOT_SUPPORTED, e.what());
	} catch (const ResourceError &e) {
		remember(pending, ERRCODE_PROGRAM_LIMIT_EXCEEDED, e.what());
	} catch (const WorkerError &e) {
		remember(pending, ERRCODE_SYSTEM_ERROR, e.what());
	} catch (const std::bad_alloc &) {
		remember(pending, ERRCODE_OUT_OF_MEMORY, "relml ran out of memory");
	} catch (const std::exception &e) {
		remember(pending, ERRCODE_INTERNAL_ERROR, e.what());
	} catch (...) {
		remember(pending, ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
	}
	// Every C++ object of the call is destroyed now; longjmp is safe again.
	if (pending.pg_error) {
		ReThrowError(pending.pg_error);
	}
	if (pending.canceled) {
		CHECK_FOR_INTERRUPTS();
	}
	ereport(ERROR, (errcode(pending.sqlstate), errmsg("%s", pending.message)));
	pg_unreachable();
}

} // namespace relml::pg
