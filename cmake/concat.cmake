# Concatenates the install-script parts (PARTS_DIR/*.sql, in name order) into OUT.
file(GLOB parts ${PARTS_DIR}/*.sql)
list(SORT parts)
file(WRITE ${OUT} "-- Generated from sql/install/*.sql: edit those files, not this one.\n")
foreach(part ${parts})
  file(READ ${part} text)
  get_filename_component(name ${part} NAME)
  file(APPEND ${OUT} "\n-- ---- ${name} ----\n${text}")
endforeach()
