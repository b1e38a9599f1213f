// Exceptions of the core. The PostgreSQL adapter maps each kind to a SQLSTATE at the entry point, so the kind
// says what went wrong for the user (bad input, cancellation, resources), not where.
#pragma once

#include "common/no_postgres.hpp"

#include <stdexcept>
#include <string>

namespace relml {

class Error : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// The user's input (arguments, schema, task definition, label rows) is invalid.
class InvalidInputError : public Error {
public:
	using Error::Error;
};

// An object the user named does not exist.
class NotFoundError : public Error {
public:
	using Error::Error;
};

// An object with that name already exists.
class DuplicateError : public Error {
public:
	using Error::Error;
};

// Another session holds what this call needs (e.g. the task is being trained).
class ConflictError : public Error {
public:
	using Error::Error;
};

// The caller's role may not do this.
class PermissionError : public Error {
public:
	using Error::Error;
};

// Valid input that relml does not support (yet).
class NotSupportedError : public Error {
public:
	using Error::Error;
};

// A limit (memory budget, sizes) was exceeded.
class ResourceError : public Error {
public:
	using Error::Error;
};

// The caller asked to stop (query cancel, statement_timeout, backend termination).
class CanceledError : public Error {
public:
	using Error::Error;
};

// A process relml started for the work (a data-parallel training's worker) failed, stopped or could not be
// reached.
class WorkerError : public Error {
public:
	using Error::Error;
};

// An invariant of relml itself failed: a bug, never the user's fault.
class InternalError : public Error {
public:
	using Error::Error;
};

} // namespace relml
