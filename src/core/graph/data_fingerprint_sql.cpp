#include "graph/data_fingerprint_sql.hpp"

#include "sql/identifier.hpp"

namespace relml {

std::string stores_rows_sql() {
	return "SELECT relkind IN ('r', 'p', 'm') FROM pg_class WHERE oid = $1::regclass";
}

std::string table_signature_sql(const std::string &schema, const std::string &table, bool stores_rows) {
	const std::string name = qualified_name(schema, table);
	if (stores_rows) {
		return "SELECT count(*)::text || ':' || coalesce(sum(xmin::text::int8), 0)::text FROM " + name;
	}
	return "SELECT count(*)::text || '#' || coalesce(sum(hashtext(t::text)::int8), 0)::text FROM " + name + " t";
}

} // namespace relml
