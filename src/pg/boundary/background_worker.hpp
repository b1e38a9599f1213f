// The dynamic background workers of relml.train_async: started for one job now or when the submitting
// transaction commits, and their C-style main function (relml_job_worker_main), which runs the job's steps as
// SQL calls of relml's own functions (relml._job_claim, _job_run, _job_finish), each in its own transaction.
#pragma once

#include "pg/boundary/pg_headers.hpp"
#include "pg/boundary/spi.hpp"

#include <string>

#include <cstdint>

extern "C" {
PGDLLEXPORT void relml_job_worker_main(Datum main_arg);
}

namespace relml::pg {

// Starts the worker of job `job_id`, connecting to this database as `role`. False when PostgreSQL has no
// worker slot left; a PostgreSQL error becomes PgError.
bool launch_job_worker(int64_t job_id, Oid role);

// Starts the worker of job `job_id` when the current transaction commits (nothing at abort). A job whose
// worker does not start then stays queued, for the next wait_job or finishing job to start.
void launch_job_worker_at_commit(int64_t job_id, Oid role);

// Whether this session started a worker for job `job_id` in the last few seconds: wait_job polls, and one
// launch per poll would flood the server with workers that find the job taken.
bool job_worker_launched_recently(int64_t job_id);

// The WARNING that no worker slot is free for job `job_id`, with its hint.
void warn_no_worker_slot(int64_t job_id);

// The job id of this process when it is a relml training worker, else 0.
int64_t job_of_this_worker();

// The registration of a relml background worker: connected to a database, started once the server accepts
// connections, never restarted; `function` is its main function in relml.so, `name` and `type` what
// pg_stat_activity shows. bgw_extra, bgw_main_arg and bgw_notify_pid are the caller's.
BackgroundWorker relml_worker_registration(const char *function, const std::string &name, const char *type);

// std::terminate's handler in relml's background workers: a C++ exception that escapes anywhere ends the worker
// (logged), never the server.
void exit_on_uncaught_exception();

// Fails unless the caller's role may log in: relml's background workers connect as the role that starts them
// (PostgreSQL 15 refuses roles without LOGIN). `instead` says what the caller may do instead.
void require_login_for_workers(SpiConnection &spi, const std::string &instead);

} // namespace relml::pg
