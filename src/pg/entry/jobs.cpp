// Asynchronous training: relml.train_async queues a job and, when its transaction commits, starts a dynamic
// background worker that connects to the same database as the submitting role and runs the training there.
//
// The worker's main function is C-style on purpose: it runs PostgreSQL transactions whose errors longjmp,
// so it owns no C++ object. Each step is an SQL call of one of relml's own functions (relml._job_claim,
// _job_run, _job_finish), which go through the usual entry wrapper; they refuse to run outside the job's
// own worker.
#include "pg/boundary/args.hpp"
#include "pg/boundary/module.hpp"
#include "pg/boundary/owner_context.hpp"
#include "pg/families/training.hpp"

#include <chrono>
#include <exception>
#include <map>

extern "C" {
PGDLLEXPORT void relml_job_worker_main(Datum main_arg);
}

namespace relml::pg {

namespace {

constexpr const char *kWorkerType = "relml training";
// Advisory lock class serialising job claims of one database (the concurrency cap).
constexpr int kJobLockClass = 0x7e2;
// Advisory lock class (2019) a worker holds, keyed by its job, for as long as it lives: relml.jobs tells a
// running job from a dead worker by it (relml._job_worker_alive).
constexpr int kJobAliveLockClass = 0x7e3;

struct PendingLaunch {
	int64_t job_id;
	Oid role;
};

// Jobs submitted by the current transaction, launched when it commits.
std::vector<PendingLaunch> pending_launches;
// When this session last launched a worker for a queued job, to not launch one per wait_job poll.
std::map<int64_t, std::chrono::steady_clock::time_point> recent_launches;
bool callback_registered = false;

// Starts one worker for `job_id`, connecting as `role`. False when PostgreSQL has no worker slot left.
bool launch_worker(int64_t job_id, Oid role) {
	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "relml");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "relml_job_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "relml training job %lld", static_cast<long long>(job_id));
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", kWorkerType);
	worker.bgw_main_arg = Int64GetDatum(job_id);
	Oid ids[2] = {MyDatabaseId, role};
	memcpy(worker.bgw_extra, ids, sizeof(ids));
	worker.bgw_notify_pid = 0;
	return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

void warn_no_slot(int64_t job_id) {
	ereport(WARNING, (errmsg("relml: no background worker slot is free for job %lld; it stays queued and starts "
	                         "when a slot frees",
	                         static_cast<long long>(job_id)),
	                  errhint("Raise max_worker_processes (and restart the server) to run more jobs at once.")));
}

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
			for (auto &launch : pending_launches) {
				if (launch_worker(launch.job_id, launch.role)) {
					recent_launches[launch.job_id] = std::chrono::steady_clock::now();
				} else {
					warn_no_slot(launch.job_id);
				}
			}
		}
		pending_launches.clear();
	} catch (...) {
		pending_launches.clear();
	}
}

// The job id of this process when it is a relml training worker, else 0.
int64_t own_job() {
	if (MyBgworkerEntry == nullptr || strcmp(MyBgworkerEntry->bgw_type, kWorkerType) != 0) {
		return 0;
	}
	return DatumGetInt64(MyBgworkerEntry->bgw_main_arg);
}

void require_own_job(int64_t job_id) {
	if (own_job() != job_id) {
		throw PermissionError("relml job steps run only in the job's own background worker");
	}
}

// Progress of the running job, published as this worker's pg_stat_activity query text (JSON).
struct JobProgress {
	int64_t job_id = 0;
	std::string phase = "starting";
	double fraction = 0;
	long round = 0;
	std::string message;

	void publish() {
		// pg_stat_activity keeps track_activity_query_size bytes (1 kB by default): stay well inside it.
		if (message.size() > 400) {
			message = message.substr(0, 397) + "...";
		}
		// Task table and planning take little; features and training share the rest.
		double overall = phase == "features" ? 0.05 + 0.45 * fraction : phase == "training" ? 0.5 + 0.45 * fraction
		                                                                                     : 0.0;
		nlohmann::json report = {{"job", job_id}, {"phase", phase}, {"fraction", overall}, {"message", message}};
		if (phase == "training") {
			report["round"] = round;
		}
		std::string text = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
		pg_call([&] { pgstat_report_activity(STATE_RUNNING, text.c_str()); });
	}
};

} // namespace

} // namespace relml::pg

using namespace relml;
using namespace relml::pg;

RELML_SQL_FUNCTION(relml_train_async) {
	std::string task_name = text_arg(fcinfo, 0, "task");
	std::string method = text_arg(fcinfo, 1, "method");
	nlohmann::json options = jsonb_arg(fcinfo, 2, "options");
	require_known_method(method);
	int64_t job_id = 0;
	{
		SpiConnection spi;
		load_task(spi, task_name);
		std::string caller = current_role(spi);
		auto can_login = spi.scalar("SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = current_user");
		if (!can_login || *can_login != "t") {
			throw PermissionError("role " + caller + " cannot log in, and a background training job connects as the "
			                      "role that submits it: submit it as a role with LOGIN, or train with relml.train");
		}
		AsExtensionOwner owner(spi);
		job_id = std::stoll(*spi.scalar("INSERT INTO relml.job_rows (owner, task, method, options) "
		                                "VALUES ($1, $2, $3, $4::jsonb) RETURNING job_id",
		                                {caller, task_name, method, options.dump()}));
	}
	if (!callback_registered) {
		pg_call([] { RegisterXactCallback(launch_at_commit, nullptr); });
		callback_registered = true;
	}
	pending_launches.push_back({job_id, GetUserId()});
	PG_RETURN_INT64(job_id);
}

RELML_SQL_FUNCTION(relml_start_queued_jobs) {
	bool force = PG_GETARG_BOOL(0);
	int started = 0;
	{
		SpiConnection spi;
		AsExtensionOwner owner(spi);
		SpiResult queued = spi.query(
		    "SELECT j.job_id, r.oid::int8 FROM relml.job_rows j JOIN pg_catalog.pg_roles r ON r.rolname = j.owner "
		    "WHERE j.state = 'queued' ORDER BY j.job_id LIMIT $1::int",
		    {std::to_string(max_training_jobs_setting)});
		auto now = std::chrono::steady_clock::now();
		for (size_t r = 0; r < queued.rows(); ++r) {
			int64_t job_id = queued.integer(r, 0);
			auto last = recent_launches.find(job_id);
			if (!force && last != recent_launches.end() && now - last->second < std::chrono::seconds(5)) {
				continue;
			}
			if (!launch_worker(job_id, static_cast<Oid>(queued.integer(r, 1)))) {
				warn_no_slot(job_id);
				break;
			}
			recent_launches[job_id] = now;
			++started;
		}
	}
	PG_RETURN_INT32(started);
}

RELML_SQL_FUNCTION(relml_cancel_job) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	bool stopped = false;
	{
		SpiConnection spi;
		SpiResult job = spi.query("SELECT state, worker_pid FROM relml.jobs WHERE job_id = $1::int8",
		                          {std::to_string(job_id)});
		if (job.rows() == 0) {
			throw NotFoundError("job " + std::to_string(job_id) + " does not exist or is not visible to role " +
			                    current_role(spi));
		}
		std::string state = job.text(0, 0);
		if (state == "queued") {
			AsExtensionOwner owner(spi);
			stopped = spi.execute("UPDATE relml.job_rows SET state = 'canceled', finished_at = pg_catalog.now(), "
			                      "error = 'canceled before it started' WHERE job_id = $1::int8 AND state = 'queued'",
			                      {std::to_string(job_id)}) > 0;
		}
		if (!stopped && (state == "running" || state == "queued")) {
			// Either it was running, or it started between the two statements: stop its worker.
			AsExtensionOwner owner(spi); // the caller may see the job (checked above), not job_rows
			auto signaled = spi.scalar("SELECT pg_catalog.pg_cancel_backend(worker_pid) FROM relml.job_rows "
			                           "WHERE job_id = $1::int8 AND state = 'running' AND worker_pid IS NOT NULL",
			                           {std::to_string(job_id)});
			stopped = signaled && *signaled == "t";
		}
	}
	PG_RETURN_BOOL(stopped);
}

// Claims the job for this worker: queued -> running, unless the concurrency cap is reached (the job then stays
// queued for the next worker that frees a slot). Returns whether this worker runs the job.
RELML_SQL_FUNCTION(relml_job_claim) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	require_own_job(job_id);
	bool claimed = false;
	{
		SpiConnection spi;
		AsExtensionOwner owner(spi);
		spi.execute("SELECT pg_catalog.pg_advisory_xact_lock($1::int, 0)", {std::to_string(kJobLockClass)});
		auto running = spi.scalar("SELECT count(*) FROM relml.job_rows WHERE state = 'running' "
		                          "AND relml._job_worker_alive(worker_pid, job_id)");
		// A second job of a task that is being trained waits for the first instead of failing on its lock.
		auto same_task = spi.scalar("SELECT count(*) FROM relml.job_rows r WHERE r.state = 'running' "
		                            "AND r.task = (SELECT q.task FROM relml.job_rows q WHERE q.job_id = $1::int8) "
		                            "AND relml._job_worker_alive(r.worker_pid, r.job_id)",
		                            {std::to_string(job_id)});
		if (std::stoll(*running) < max_training_jobs_setting && std::stoll(*same_task) == 0) {
			spi.execute("SELECT pg_catalog.pg_advisory_lock($1::int, $2::int)",
			            {std::to_string(kJobAliveLockClass), std::to_string(job_id % 4294967296LL)});
			claimed = spi.execute("UPDATE relml.job_rows SET state = 'running', worker_pid = pg_catalog.pg_backend_pid(), "
			                      "started_at = pg_catalog.clock_timestamp() WHERE job_id = $1::int8 AND state = 'queued'",
			                      {std::to_string(job_id)}) > 0;
		}
	}
	PG_RETURN_BOOL(claimed);
}

// Runs the job's training as the submitting role and, in the same transaction, marks it succeeded: the model
// and the job's outcome commit together.
RELML_SQL_FUNCTION(relml_job_run) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	require_own_job(job_id);
	int64_t model_id = 0;
	{
		SpiConnection spi;
		SpiResult job = spi.query("SELECT task, method, options::text FROM relml.jobs WHERE job_id = $1::int8",
		                          {std::to_string(job_id)});
		if (job.rows() == 0) {
			throw NotFoundError("job " + std::to_string(job_id) + " does not exist");
		}
		JobProgress progress;
		progress.job_id = job_id;
		RunHooks hooks = backend_hooks();
		hooks.progress = [&](const std::string &message) {
			progress.message = message;
			progress.publish();
		};
		hooks.advance = [&](const std::string &phase, double fraction, long step) {
			progress.phase = phase;
			progress.fraction = fraction;
			progress.round = step;
			progress.publish();
		};
		progress.publish();
		TrainOutcome outcome =
		    train_task(spi, job.text(0, 0), job.text(0, 1), nlohmann::json::parse(job.text(0, 2)), hooks);
		model_id = outcome.model_id;
		nlohmann::json final_progress = {{"phase", "done"}, {"fraction", 1.0}, {"round", progress.round},
		                                 {"message", progress.message}};
		AsExtensionOwner owner(spi);
		spi.execute("UPDATE relml.job_rows SET state = 'succeeded', model_id = $2::int8, "
		            "finished_at = pg_catalog.clock_timestamp(), "
		            "final_progress = $3::jsonb WHERE job_id = $1::int8",
		            {std::to_string(job_id), std::to_string(model_id), final_progress.dump()});
	}
	PG_RETURN_INT64(model_id);
}

// Records a job that did not succeed: state failed or canceled, with the error.
RELML_SQL_FUNCTION(relml_job_finish) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	require_own_job(job_id);
	std::string state = text_arg(fcinfo, 1, "state");
	auto error = optional_text_arg(fcinfo, 2);
	{
		SpiConnection spi;
		AsExtensionOwner owner(spi);
		spi.execute("UPDATE relml.job_rows SET state = $2, error = $3, finished_at = pg_catalog.clock_timestamp() "
		            "WHERE job_id = $1::int8 AND state = 'running'",
		            {std::to_string(job_id), state, error});
	}
	PG_RETURN_VOID();
}

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

// A C++ exception that escapes anywhere in the worker ends the worker, never the server.
void worker_terminate() {
	ereport(LOG, (errmsg("relml training worker: unhandled C++ exception, exiting")));
	proc_exit(1);
}

} // namespace

void relml_job_worker_main(Datum main_arg) {
	int64_t job_id = DatumGetInt64(main_arg);
	Oid ids[2];
	memcpy(ids, MyBgworkerEntry->bgw_extra, sizeof(ids));
	std::set_terminate(worker_terminate);
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
	if (!run_job_step("SELECT relml._job_run($1)", job_id, nullptr, nullptr, nullptr, &sqlstate, message,
	                  sizeof(message))) {
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
