#include "pg/data/heap_signature.hpp"

#include "pg/boundary/error_bridge.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/rls.h"
}

namespace relml::pg {

namespace {

// Between two interrupt polls.
constexpr int kTuplesPerPoll = 65536;

// Called inside pg_call only: PostgreSQL calls and plain data, so that an error's longjmp crosses no C++ object.
bool stored_in_heap(Oid relid) {
	Relation rel = table_open(relid, AccessShareLock);
	const bool heap = rel->rd_tableam == GetHeapamTableAmRoutine();
	table_close(rel, AccessShareLock);
	return heap;
}

// Adds up to kTuplesPerPoll tuples of `scan` to the counts; false once the scan is done. Called inside pg_call.
bool scan_some(TableScanDesc scan, uint64_t *rows, uint64_t *xmin_sum) {
	for (int i = 0; i < kTuplesPerPoll; ++i) {
		HeapTuple tuple = heap_getnext(scan, ForwardScanDirection);
		if (!tuple) {
			return false;
		}
		*rows += 1;
		*xmin_sum += HeapTupleHeaderGetRawXmin(tuple->t_data);
	}
	return true;
}

} // namespace

// The snapshot is taken as SPI takes one for a query (the transaction's snapshot, a new command), so the signature
// sees no later data than the graph's load, which follows.
std::optional<HeapSignature> heap_signature(const std::string &schema, const std::string &table,
                                            const RunHooks &hooks) {
	List *heaps = NIL;
	bool direct = false;
	pg_call([&] {
		const Oid relid = get_relname_relid(table.c_str(), get_namespace_oid(schema.c_str(), false));
		if (!OidIsValid(relid) || pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		    check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED) {
			return;
		}
		direct = true;
		ListCell *cell;
		foreach (cell, find_all_inheritors(relid, AccessShareLock, nullptr)) {
			const Oid member = lfirst_oid(cell);
			const char kind = get_rel_relkind(member);
			if (kind == RELKIND_PARTITIONED_TABLE) {
				continue;
			}
			if ((kind != RELKIND_RELATION && kind != RELKIND_MATVIEW) || !stored_in_heap(member)) {
				direct = false;
				break;
			}
			heaps = lappend_oid(heaps, member);
		}
	});
	if (!direct) {
		return std::nullopt;
	}
	HeapSignature signature;
	pg_call([] {
		PushActiveSnapshot(GetTransactionSnapshot());
		CommandCounterIncrement();
		UpdateActiveSnapshotCommandId();
	});
	// An interrupt leaves the scan and the snapshot to transaction abort, which always follows.
	for (int i = 0; i < list_length(heaps); ++i) {
		const Oid heap = list_nth_oid(heaps, i);
		Relation rel = nullptr;
		TableScanDesc scan = nullptr;
		pg_call([&] {
			rel = table_open(heap, AccessShareLock);
			scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
		});
		bool more = true;
		while (more) {
			pg_call([&] { more = scan_some(scan, &signature.rows, &signature.xmin_sum); });
			hooks.poll();
		}
		pg_call([&] {
			table_endscan(scan);
			table_close(rel, AccessShareLock);
		});
	}
	pg_call([] { PopActiveSnapshot(); });
	return signature;
}

} // namespace relml::pg
