#include "pg/boundary/owner_context.hpp"

namespace relml::pg {

AsExtensionOwner::AsExtensionOwner(SpiConnection &spi) {
	auto owner = spi.scalar("SELECT nspowner::int8 FROM pg_catalog.pg_namespace WHERE nspname = 'relml'");
	if (!owner) {
		throw InternalError("schema relml is missing: is the extension installed?");
	}
	GetUserIdAndSecContext(&saved_user_, &saved_context_);
	pg_call([&] {
		guc_nest_level_ = NewGUCNestLevel();
		set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
		                  false);
	});
	SetUserIdAndSecContext(static_cast<Oid>(std::stoll(*owner)), saved_context_ | SECURITY_LOCAL_USERID_CHANGE);
}

AsExtensionOwner::~AsExtensionOwner() {
	SetUserIdAndSecContext(saved_user_, saved_context_);
	try {
		pg_call([&] { AtEOXact_GUC(true, guc_nest_level_); });
	} catch (...) {
		// Transaction abort, which follows any error, restores the setting.
	}
}

void require_member_of(SpiConnection &spi, const std::string &owner, const std::string &what) {
	auto allowed = spi.scalar("SELECT relml._is_member_of($1::name)", {owner});
	if (!allowed || *allowed != "t") {
		throw PermissionError("permission denied: only role " + owner + " (or its members) may " + what);
	}
}

} // namespace relml::pg
