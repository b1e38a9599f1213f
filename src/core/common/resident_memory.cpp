#include "common/resident_memory.hpp"

#include <fstream>
#include <string>

namespace relml {

std::optional<double> peak_resident_megabytes() {
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line)) {
		if (line.rfind("VmHWM:", 0) == 0) {
			return std::stod(line.substr(6)) / 1024.0;
		}
	}
	return std::nullopt;
}

nlohmann::json peak_resident_json() {
	const std::optional<double> peak = peak_resident_megabytes();
	return peak ? nlohmann::json(*peak) : nlohmann::json(nullptr);
}

} // namespace relml
