// Asynchronous training: relml.train_async queues a job and, when its transaction commits, starts a dynamic
// background worker that connects to the same database as the submitting role and runs the training there
// (pg/boundary/background_worker). The worker's steps are the SQL functions below (relml._job_claim, _job_run,
// _job_finish); they refuse to run outside the job's own worker.
#include "pg/boundary/args.hpp"
#include "pg/boundary/background_worker.hpp"
#include "pg/boundary/module.hpp"
#include "pg/catalog/job_store.hpp"
#include "pg/catalog/route_store.hpp"
#include "pg/catalog/task_catalog.hpp"
#include "pg/entry/training_request.hpp"
#include "pg/families/training.hpp"
#include "pg/routing/router.hpp"

namespace relml::pg {

namespace {

// Fails unless this process is the background worker of job `job_id`.
void require_own_job(int64_t job_id) {
	if (job_of_this_worker() != job_id) {
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

	// Sets this worker's pg_stat_activity query text to the progress.
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

	// Hooks that publish every progress line and step of the training.
	RunHooks hooks() {
		RunHooks hooks = backend_hooks();
		hooks.progress = [this](const std::string &line) {
			message = line;
			publish();
		};
		hooks.advance = [this](const std::string &new_phase, double new_fraction, long step) {
			phase = new_phase;
			fraction = new_fraction;
			round = step;
			publish();
		};
		return hooks;
	}

	// What relml.jobs shows once the job is done.
	nlohmann::json final_report() const {
		return {{"phase", "done"}, {"fraction", 1.0}, {"round", round}, {"message", message}};
	}
};

} // namespace

// relml.train_async: queues the job; its worker starts when this transaction commits.
RELML_SQL_FUNCTION(relml_train_async) {
	const TrainingRequest request = training_request(fcinfo);
	// An unknown method or bad route options fail now, not in the worker.
	if (request.method == "auto") {
		validate_route_options(request.options);
	} else {
		find_family(request.method);
	}
	int64_t job_id = 0;
	{
		SpiConnection spi;
		load_task(spi, request.task);
		std::string caller = current_role(spi);
		require_login_for_workers(spi, "submit the job as a role with LOGIN, or train with relml.train");
		job_id = queue_job(spi, caller, JobRequest{request.task, request.method, request.options});
	}
	launch_job_worker_at_commit(job_id, GetUserId());
	PG_RETURN_INT64(job_id);
}

// relml._start_queued_jobs: starts workers for queued jobs, up to the cap; returns how many it started.
// Without `force`, a job whose worker this session started a moment ago is left to it.
RELML_SQL_FUNCTION(relml_start_queued_jobs) {
	bool force = PG_GETARG_BOOL(0);
	int started = 0;
	std::vector<QueuedJob> queued;
	{
		SpiConnection spi;
		queued = queued_jobs(spi, max_training_jobs_setting);
	}
	for (const QueuedJob &job : queued) {
		if (!force && job_worker_launched_recently(job.job_id)) {
			continue;
		}
		if (!launch_job_worker(job.job_id, job.role)) {
			warn_no_worker_slot(job.job_id);
			break;
		}
		++started;
	}
	PG_RETURN_INT32(started);
}

// relml.cancel_job: cancels a queued job or stops a running one; returns whether it did.
RELML_SQL_FUNCTION(relml_cancel_job) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	bool stopped = false;
	{
		SpiConnection spi;
		stopped = cancel_job(spi, job_id);
	}
	PG_RETURN_BOOL(stopped);
}

// relml._job_claim: claims the job for this worker: queued -> running, unless the concurrency cap is reached
// (the job then stays queued for the next worker that frees a slot). Returns whether this worker runs the job.
RELML_SQL_FUNCTION(relml_job_claim) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	require_own_job(job_id);
	bool claimed = false;
	{
		SpiConnection spi;
		claimed = claim_job(spi, job_id, max_training_jobs_setting);
	}
	PG_RETURN_BOOL(claimed);
}

// relml._job_run: runs the job's training as the submitting role and, in the same transaction, marks it
// succeeded: the model and the job's outcome commit together. A routed job ('auto') runs one step of its route
// per call and returns NULL until the route has finished, so that every trial commits on its own.
RELML_SQL_FUNCTION(relml_job_run) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	require_own_job(job_id);
	std::optional<int64_t> model_id;
	{
		SpiConnection spi;
		JobRequest job = load_job(spi, job_id);
		JobProgress progress;
		progress.job_id = job_id;
		RunHooks hooks = progress.hooks();
		progress.publish();
		if (job.method != "auto") {
			model_id = train_task(spi, job.task, job.method, job.options, hooks).model_id;
		} else if (std::optional<Route> route = route_of_job(spi, job_id)) {
			RouteResult result = run_route_step(spi, route->route_id, hooks);
			if (result.finished) {
				model_id = result.model_id;
			}
		} else {
			start_route(spi, job.task, job.options, job_id, hooks);
		}
		if (model_id) {
			record_job_success(spi, job_id, *model_id, progress.final_report());
		}
	}
	if (!model_id) {
		PG_RETURN_NULL();
	}
	PG_RETURN_INT64(*model_id);
}

// relml._job_finish: records a job that did not succeed: state failed or canceled, with the error.
RELML_SQL_FUNCTION(relml_job_finish) {
	int64_t job_id = int_arg(fcinfo, 0, "job_id");
	require_own_job(job_id);
	std::string state = text_arg(fcinfo, 1, "state");
	auto error = optional_text_arg(fcinfo, 2);
	{
		SpiConnection spi;
		record_job_end(spi, job_id, state, error);
		// A route ends with its job; the trials it finished stay in the bank.
		if (std::optional<Route> route = route_of_job(spi, job_id); route && route->state == "running") {
			finish_route(spi, route->route_id, state, std::nullopt, {{"error", error.value_or(state)}});
		}
	}
	PG_RETURN_VOID();
}

} // namespace relml::pg
