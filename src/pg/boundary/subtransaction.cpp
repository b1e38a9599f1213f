#include "pg/boundary/subtransaction.hpp"

#include "pg/boundary/error_bridge.hpp"

#include "utils/resowner.h"

namespace relml::pg {

namespace {

// Whether an error means "stop everything" rather than "this piece failed".
bool is_stop_request(const PgError &error) {
	const int code = error.data()->sqlerrcode;
	return code == ERRCODE_QUERY_CANCELED || code == ERRCODE_ADMIN_SHUTDOWN;
}

} // namespace

std::optional<std::string> run_contained(const std::function<void()> &work) {
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	pg_call([] { BeginInternalSubTransaction(nullptr); });
	MemoryContextSwitchTo(context);
	// Rolls the subtransaction back and puts the caller's memory context and resource owner back in place.
	auto roll_back = [&] {
		pg_call([] { RollbackAndReleaseCurrentSubTransaction(); });
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		clear_pg_error_caught();
	};
	std::string message;
	try {
		work();
		pg_call([] { ReleaseCurrentSubTransaction(); });
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		return std::nullopt;
	} catch (const CanceledError &) {
		roll_back();
		throw;
	} catch (const PgError &e) {
		message = e.what();
		if (is_stop_request(e)) {
			// The error's data lives in the subtransaction's memory, which the rollback frees.
			roll_back();
			throw CanceledError(message);
		}
	} catch (const std::bad_alloc &) {
		message = "out of memory";
	} catch (const std::exception &e) {
		message = e.what();
	}
	roll_back();
	return message;
}

} // namespace relml::pg
