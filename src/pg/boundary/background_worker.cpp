#include "pg/boundary/background_worker.hpp"

#include "pg/boundary/error_bridge.hpp"

#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <vector>

namespace relml::pg {

namespace {

constexpr const char *kWorkerType = "relml training";
// wait_job starts no second worker for a job within this time of the first.
constexpr std::chrono::seconds kRelaunchAfter(5);

struct PendingLaunch {
	int64_t job_id;
	Oid role;
};

// Jobs submitted by the current transaction, launched when it commits.
std::vector<PendingLaunch> pending_launches;
// When this session last launched a worker for a job.
std::map<int64_t, std::chrono::steady_clock::time_point> recent_launches;
bool callback_registered = false;

// At commit, start the workers of the jobs this transaction submitted; at abort, forget them. Called by
// PostgreSQL's C code: nothing may throw out of it (a job whose worker did not start stays queued, and the
// next wait_job or finishing job starts it).
void launch_at_commit(XactEvent event, void *) {
	// A prepared transaction's jobs stay queued until something starts them (wait_job, a finishing job).
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE) {
		return;
	}
	try {
		if (event == XACT_EVENT_COMMIT) {
			for (const PendingLaunch &launch : pending_launches) {
				if (!launch_job_worker(launch.job_id, launch.role)) {
					warn_no_worker_slot(launch.job_id);
				}
			}
		}
		pending_launches.clear();
	} catch (...) {
		pending_launches.clear();
	}
}

} // namespace

BackgroundWorker relml_worker_registration(const char *function, const std::string &name, const char *type) {
	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "relml");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name.c_str());
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
	return worker;
}

bool launch_job_worker(int64_t job_id, Oid role) {
	BackgroundWorker worker = relml_worker_registration(
	    "relml_job_worker_main", "relml training job " + std::to_string(job_id), kWorkerType);
	worker.bgw_main_arg = Int64GetDatum(job_id);
	Oid ids[2] = {MyDatabaseId, role};
	memcpy(worker.bgw_extra, ids, sizeof(ids));
	worker.bgw_notify_pid = 0;
	bool registered = false;
	pg_call([&] { registered = RegisterDynamicBackgroundWorker(&worker, nullptr); });
	if (registered) {
		recent_launches[job_id] = std::chrono::steady_clock::now();
	}
	return registered;
}

void launch_job_worker_at_commit(int64_t job_id, Oid role) {
	if (!callback_registered) {
		pg_call([] { RegisterXactCallback(launch_at_commit, nullptr); });
		callback_registered = true;
	}
	pending_launches.push_back({job_id, role});
}

bool job_worker_launched_recently(int64_t job_id) {
	auto last = recent_launches.find(job_id);
	return last != recent_launches.end() && std::chrono::steady_clock::now() - last->second < kRelaunchAfter;
}

void warn_no_worker_slot(int64_t job_id) {
	const long long id = static_cast<long long>(job_id);
	pg_call([&] {
		ereport(WARNING, (errmsg("relml: no background worker slot is free for job %lld; it stays queued and starts "
		                         "when a slot frees",
		                         id),
		                  errhint("Raise max_worker_processes (and restart the server) to run more jobs at once.")));
	});
}

void require_login_for_workers(SpiConnection &spi, const std::string &instead) {
	auto role = spi.scalar("SELECT rolname || ' ' || rolcanlogin::text FROM pg_catalog.pg_roles "
	                       "WHERE rolname = current_user");
	if (!role || role->size() < 2 || role->substr(role->size() - 4) != "true") {
		const std::string name = role ? role->substr(0, role->rfind(' ')) : "current_user";
		throw PermissionError("role " + name + " cannot log in, and relml's background workers connect as the role "
		                      "that starts them: " + instead);
	}
}

int64_t job_of_this_worker() {
	if (MyBgworkerEntry == nullptr || strcmp(MyBgworkerEntry->bgw_type, kWorkerType) != 0) {
		return 0;
	}
	return DatumGetInt64(MyBgworkerEntry->bgw_main_arg);
}

} // namespace relml::pg

// The worker's main function is C-style on purpose: it runs PostgreSQL transactions whose errors longjmp,
// so it owns no C++ object. Each step is an SQL call of one of relml's own functions (relml._job_claim,
// _job_run, _job_finish), which go through the usual entry wrapper; they refuse to run outside the job's
// own worker.
namespace {

// Runs `sql` with the job id as $1 (and `text`, when given, as $2) in its own transaction. Returns false (and
// fills sqlstate and message) when it raised an error; the transaction is then aborted.
bool run_job_step(const char *sql, int64_t job_id, const char *text, Datum *result, bool *is_null, int *sqlstate,
                  char *message, size_t message_size) {
	MemoryContext context = CurrentMemoryContext;
	volatile bool ok = true;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		Oid types[2] = {INT8OID, TEXTOID};
		Datum values[2] = {Int64GetDatum(job_id), text ? CStringGetTextDatum(text) : 0};
		SPI_execute_with_args(sql, text ? 2 : 1, types, values, nullptr, false, 1);
		if (result && SPI_processed > 0) {
			*result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, is_null);
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		ErrorData *error = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		*sqlstate = error->sqlerrcode;
		snprintf(message, message_size, "%s", error->message ? error->message : "error");
		FreeErrorData(error);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

} // namespace

void relml::pg::exit_on_uncaught_exception() {
	ereport(LOG, (errmsg("relml background worker: unhandled C++ exception, exiting")));
	proc_exit(1);
}

void relml_job_worker_main(Datum main_arg) {
	int64_t job_id = DatumGetInt64(main_arg);
	Oid ids[2];
	memcpy(ids, MyBgworkerEntry->bgw_extra, sizeof(ids));
	std::set_terminate(relml::pg::exit_on_uncaught_exception);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(ids[0], ids[1], 0);
	// Names the worker's pg_stat_activity row after its job, for whoever looks at the server's activity.
	char name[NAMEDATALEN];
	snprintf(name, sizeof(name), "relml job %lld", static_cast<long long>(job_id));
	pgstat_report_appname(name);

	Datum value = 0;
	bool is_null = true;
	int sqlstate = 0;
	char message[2048];
	if (!run_job_step("SELECT relml._job_claim($1)", job_id, nullptr, &value, &is_null, &sqlstate, message,
	                  sizeof(message))) {
		ereport(LOG, (errmsg("relml training job %lld could not be claimed: %s", static_cast<long long>(job_id), message)));
		proc_exit(1);
	}
	if (is_null || !DatumGetBool(value)) {
		proc_exit(0); // already taken, canceled, or the cap is reached: it stays queued
	}
	// A routed job returns NULL after each step of its route: each step is a transaction of its own.
	bool ran = true;
	do {
		is_null = true;
		ran = run_job_step("SELECT relml._job_run($1)", job_id, nullptr, &value, &is_null, &sqlstate, message,
		                   sizeof(message));
	} while (ran && is_null);
	if (!ran) {
		const char *sql = sqlstate == ERRCODE_QUERY_CANCELED ? "SELECT relml._job_finish($1, 'canceled', $2)"
		                                                      : "SELECT relml._job_finish($1, 'failed', $2)";
		char error[2048];
		snprintf(error, sizeof(error), "%s", message);
		if (!run_job_step(sql, job_id, error, nullptr, nullptr, &sqlstate, message, sizeof(message))) {
			ereport(LOG, (errmsg("relml training job %lld: could not record its failure: %s",
			                     static_cast<long long>(job_id), message)));
		}
	}
	run_job_step("SELECT relml._start_queued_jobs(true)", job_id, nullptr, nullptr, nullptr, &sqlstate, message,
	             sizeof(message));
	proc_exit(0);
}
