// Catalog writes run as the owner of schema relml: callers get SELECT on the catalog, never direct writes,
// while their label and feature queries keep running with their own privileges.
#pragma once

#include "pg/spi.hpp"

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
};

} // namespace relml::pg
