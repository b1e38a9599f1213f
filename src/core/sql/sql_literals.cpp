#include "sql/sql_literals.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace relml {

namespace {

// Rows per INSERT of task vectors or embeddings: few statements, none of them huge.
constexpr size_t kMaxChunkRows = 5000;
constexpr size_t kMaxChunkValues = 1000000;

// An element of an array literal, quoted: any text survives.
void append_quoted(std::string &out, const std::string &value) {
	out += '"';
	for (char c : value) {
		if (c == '"' || c == '\\') {
			out += '\\';
		}
		out += c;
	}
	out += '"';
}

// Floats as the text of a real[]; %.9g reads back as the same float.
std::string real_array(const float *values, size_t count) {
	std::string out = "{";
	char buffer[32];
	for (size_t i = 0; i < count; ++i) {
		if (i > 0) {
			out += ',';
		}
		if (std::isnan(values[i])) {
			out += "NaN";
		} else if (std::isinf(values[i])) {
			out += values[i] > 0 ? "Infinity" : "-Infinity";
		} else {
			snprintf(buffer, sizeof(buffer), "%.9g", static_cast<double>(values[i]));
			out += buffer;
		}
	}
	return out + "}";
}

} // namespace

std::string text_array(const std::vector<std::string> &values, size_t begin, size_t end) {
	std::string out = "{";
	for (size_t i = begin; i < end; ++i) {
		if (i > begin) {
			out += ',';
		}
		append_quoted(out, values[i]);
	}
	return out + "}";
}

std::string text_array(const std::vector<std::string> &values) {
	return text_array(values, 0, values.size());
}

std::string vector_texts(const std::vector<float> &values, size_t width, size_t begin, size_t end) {
	std::string out = "{";
	for (size_t r = begin; r < end; ++r) {
		if (r > begin) {
			out += ',';
		}
		append_quoted(out, real_array(values.data() + r * width, width));
	}
	return out + "}";
}

size_t chunk_rows(size_t width) {
	return std::max<size_t>(64, std::min(kMaxChunkRows, kMaxChunkValues / std::max<size_t>(width, 1)));
}

std::string iso(const std::string &expression) {
	return "rtrim(rtrim(to_char(" + expression + ", 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')";
}

std::string iso_timestamp_sql() {
	return "SELECT " + iso("$1::timestamp");
}

} // namespace relml
