#include "pg/owner_context.hpp"

namespace relml::pg {

AsExtensionOwner::AsExtensionOwner(SpiConnection &spi) {
	auto owner = spi.scalar("SELECT nspowner::int8 FROM pg_namespace WHERE nspname = 'relml'");
	if (!owner) {
		throw InternalError("schema relml is missing: is the extension installed?");
	}
	GetUserIdAndSecContext(&saved_user_, &saved_context_);
	SetUserIdAndSecContext(static_cast<Oid>(std::stoll(*owner)), saved_context_ | SECURITY_LOCAL_USERID_CHANGE);
}

AsExtensionOwner::~AsExtensionOwner() {
	SetUserIdAndSecContext(saved_user_, saved_context_);
}

} // namespace relml::pg
