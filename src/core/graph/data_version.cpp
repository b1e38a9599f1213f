#include "graph/data_version.hpp"

namespace relml {

std::string data_fingerprint(const std::vector<TableVersion> &tables) {
	std::string fingerprint;
	for (const TableVersion &version : tables) {
		fingerprint += version.table + "=";
		if (version.tracked()) {
			fingerprint += "tracked:" + std::to_string(version.relid) + "/" + std::to_string(version.relfilenode) + "/" +
			               version.trigger_rows + "/" + std::to_string(version.inserts) + "+" +
			               std::to_string(version.modifications) + "/" + version.xid_sum;
		} else {
			fingerprint += "rows:" + version.signature;
		}
		fingerprint += ";";
	}
	return fingerprint;
}

std::optional<std::vector<size_t>> appended_tables(const std::vector<TableVersion> &cached,
                                                   const std::vector<TableVersion> &now) {
	if (cached.size() != now.size()) {
		return std::nullopt;
	}
	std::vector<size_t> appended;
	for (size_t t = 0; t < now.size(); ++t) {
		const TableVersion &before = cached[t];
		const TableVersion &after = now[t];
		if (before.table != after.table || !before.tracked() || !after.tracked()) {
			if (data_fingerprint({before}) != data_fingerprint({after})) {
				return std::nullopt;
			}
			continue;
		}
		if (before.relid != after.relid || before.relfilenode != after.relfilenode ||
		    before.trigger_rows != after.trigger_rows || before.modifications != after.modifications ||
		    after.inserts < before.inserts) {
			return std::nullopt;
		}
		if (after.inserts > before.inserts) {
			appended.push_back(t);
		} else if (before.xid_sum != after.xid_sum) {
			return std::nullopt;
		}
	}
	return appended;
}

} // namespace relml
