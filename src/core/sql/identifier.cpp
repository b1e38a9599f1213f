#include "sql/identifier.hpp"

namespace relml {

namespace {

std::string quote_with(const std::string &text, char quote) {
	std::string result(1, quote);
	for (char c : text) {
		if (c == quote) {
			result += quote;
		}
		result += c;
	}
	result += quote;
	return result;
}

} // namespace

std::string quote_ident(const std::string &identifier) {
	return quote_with(identifier, '"');
}

std::string qualified_name(const std::string &schema, const std::string &table) {
	return quote_ident(schema) + "." + quote_ident(table);
}

std::string quote_literal(const std::string &text) {
	return quote_with(text, '\'');
}

} // namespace relml
