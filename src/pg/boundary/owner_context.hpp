// Catalog writes run as the owner of schema relml: callers get SELECT on the catalog, never direct writes,
// while their label and feature queries keep running with their own privileges. While switched, search_path
// is pg_catalog, pg_temp, so that no object of the caller's (an operator, a function) can run with the
// owner's rights.
#pragma once

#include "pg/boundary/spi.hpp"

namespace relml::pg {

class AsExtensionOwner {
public:
	explicit AsExtensionOwner(SpiConnection &spi);
	~AsExtensionOwner();
	AsExtensionOwner(const AsExtensionOwner &) = delete;
	AsExtensionOwner &operator=(const AsExtensionOwner &) = delete;

private:
	Oid saved_user_;
	int saved_context_;
	int guc_nest_level_;
};

// Fails with PermissionError unless the caller is `owner` or a member of it.
void require_member_of(SpiConnection &spi, const std::string &owner, const std::string &what);

} // namespace relml::pg
