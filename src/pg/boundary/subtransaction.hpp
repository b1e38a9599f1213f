// Work that may fail without failing the caller's transaction: one trial of a routed training, the optional
// signals of a trial. Like a PL/pgSQL EXCEPTION block, the work runs in a subtransaction that is rolled back on
// error, so whatever it wrote disappears while earlier work of the transaction stays.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace relml::pg {

// Runs `work` in a subtransaction. On success it is committed into the transaction and nullopt returned; on
// an error (PostgreSQL's or C++'s) it is rolled back and the error's message returned. A cancel or termination
// request is never contained: it is rethrown after the rollback.
std::optional<std::string> run_contained(const std::function<void()> &work);

} // namespace relml::pg
