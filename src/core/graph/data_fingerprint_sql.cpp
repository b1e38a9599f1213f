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
	return "SELECT table_name::text, relid::int8, relfilenode::int8, trigger_rows, inserts, modifications, xid_sum, "
	       "unfolded, reason, pg_current_snapshot()::text FROM relml._table_versions($1, $2::name[])";
}

std::vector<std::string> install_change_tracking_sql(const std::string &schema, const std::string &table,
                                                     const std::string &primary_key) {
	const std::string name = qualified_name(schema, table);
	return {"CREATE OR REPLACE TRIGGER relml_track_inserts AFTER INSERT ON " + name +
	            " REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION relml._note_table_insert(" +
	            (primary_key.empty() ? "" : quote_literal(primary_key)) + ")",
	        "CREATE OR REPLACE TRIGGER relml_track_changes AFTER UPDATE OR DELETE OR TRUNCATE ON " + name +
	            " FOR EACH STATEMENT EXECUTE FUNCTION relml._note_table_change()",
	        "ALTER TABLE " + name + " ENABLE ALWAYS TRIGGER relml_track_inserts",
	        "ALTER TABLE " + name + " ENABLE ALWAYS TRIGGER relml_track_changes"};
}

std::string inserts_since_sql() {
	return "SELECT count(*), count(*) FILTER (WHERE keys IS NULL) FROM relml.table_inserts "
	       "WHERE relid = $1::oid AND NOT pg_visible_in_snapshot(xid, $2::pg_snapshot)";
}

std::string appended_rows_sql(const std::string &load_sql, const std::string &primary_key,
                              const std::string &key_type, uint32_t relid, const std::string &snapshot) {
	return load_sql + " WHERE " + quote_ident(primary_key) + " IN (SELECT k::" + key_type +
	       " FROM relml.table_inserts i, unnest(i.keys) AS k WHERE i.relid = " + std::to_string(relid) +
	       "::oid AND NOT pg_visible_in_snapshot(i.xid, " + quote_literal(snapshot) + "::pg_snapshot))";
}

std::string can_track_sql() {
	return "SELECT c.relkind = 'r' AND NOT c.relhassubclass AND pg_has_role(c.relowner, 'USAGE') "
	       "FROM pg_class c WHERE c.oid = $1::regclass";
}

std::string fold_table_changes_sql() {
	return "SELECT relml.fold_table_changes()";
}

} // namespace relml
