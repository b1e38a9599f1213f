// The model families relml.train knows, in the order relml.methods lists them. A new family adds its line.
#include "pg/families/dfs/dfs_family.hpp"
#include "pg/families/ensemble/ensemble_family.hpp"
#include "pg/families/probe/probe_family.hpp"
#include "pg/families/rdl/rdl_family.hpp"
#include "pg/families/rdl_dfs/rdl_dfs_family.hpp"

namespace relml::pg {

std::vector<std::unique_ptr<ModelFamily>> register_families() {
	std::vector<std::unique_ptr<ModelFamily>> families;
	families.push_back(make_dfs_family());
	families.push_back(make_rdl_family());
	families.push_back(make_probe_family());
	families.push_back(make_rdl_dfs_family());
	families.push_back(make_ensemble_family());
	return families;
}

} // namespace relml::pg
