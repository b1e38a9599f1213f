#include "graph/data_version.hpp"

namespace relml {

std::string data_fingerprint(const std::vector<TableVersion> &tables) {
	std::string fingerprint;
	for (const TableVersion &version : tables) {
		fingerprint += version.table + "=";
		if (version.tracked()) {
			fingerprint += "tracked:" + std::to_string(version.relid) + "/" + std::to_string(version.relfilenode) + "/" +
			               version.trigger_row + "/" + std::to_string(version.inserts) + "+" +
			               std::to_string(version.modifications);
		} else {
			fingerprint += "rows:" + version.signature;
		}
		fingerprint += ";";
	}
	return fingerprint;
}

} // namespace relml
