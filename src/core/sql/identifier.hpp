// Quoting for SQL text built in the core. Identifiers are always quoted; values are bound parameters, the
// only literals spliced into SQL are numbers and interval texts the core itself formats.
#pragma once

#include "common/no_postgres.hpp"

#include <string>

namespace relml {

// "name" with embedded quotes doubled, as PostgreSQL's quote_identifier does when quoting is needed.
std::string quote_ident(const std::string &identifier);
// "schema"."table"
std::string qualified_name(const std::string &schema, const std::string &table);
// 'text' with embedded quotes doubled; only for text relml itself produced (never user values).
std::string quote_literal(const std::string &text);

} // namespace relml
