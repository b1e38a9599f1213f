// Included first by every core header. The core library is compiled without PostgreSQL's include path, so
// postgres.h cannot be included there at all; this check also catches a core source that gets the path
// through some other target and includes postgres.h before a core header.
#pragma once

#if defined(RELML_CORE_ZONE) && defined(PG_VERSION_NUM)
#error "src/core must not include postgres.h: move the PostgreSQL call into src/pg"
#endif
