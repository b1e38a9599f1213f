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

std::string table_versions_sql() {
	return "SELECT table_name::text, relid::int8, relfilenode::int8, trigger_row, inserts, modifications, unfolded, "
	       "reason FROM relml._table_versions($1, $2::name[])";
}

std::vector<std::string> install_change_tracking_sql(const std::string &schema, const std::string &table) {
	const std::string name = qualified_name(schema, table);
	return {"CREATE OR REPLACE TRIGGER relml_track_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + name +
	            " FOR EACH STATEMENT EXECUTE FUNCTION relml._note_table_change()",
	        "ALTER TABLE " + name + " ENABLE ALWAYS TRIGGER relml_track_changes"};
}

std::string can_track_sql() {
	return "SELECT c.relkind = 'r' AND NOT c.relhassubclass AND pg_has_role(c.relowner, 'USAGE') "
	       "FROM pg_class c WHERE c.oid = $1::regclass";
}

std::string fold_table_changes_sql() {
	return "SELECT relml.fold_table_changes()";
}

} // namespace relml
