# relml: PostgreSQL-facing entry point. Compilation is CMake's (core library, module, unit tests); install
# and installcheck follow PGXS conventions so that `make && make install && make installcheck` works as for
# any extension.
PG_CONFIG ?= pg_config
BUILD_DIR ?= build
CMAKE_BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

EXTENSION = relml
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" relml.control)
DATA_built = $(BUILD_DIR)/relml--$(EXTVERSION).sql

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/[0-9]*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=relml --dbname=relml_regress

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

.PHONY: cmake-build unittest clean-build

all: cmake-build

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) -DPG_CONFIG=$(PG_CONFIG)

cmake-build: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j$(JOBS)

$(DATA_built): cmake-build

install: install-module
install-module: cmake-build
	$(INSTALL_SHLIB) $(BUILD_DIR)/relml.so '$(DESTDIR)$(pkglibdir)/relml.so'
	$(INSTALL_SHLIB) $(BUILD_DIR)/relml_rdl.so '$(DESTDIR)$(pkglibdir)/relml_rdl.so'

unittest: cmake-build
	cd $(BUILD_DIR) && ctest --output-on-failure

clean-build:
	rm -rf $(BUILD_DIR)
