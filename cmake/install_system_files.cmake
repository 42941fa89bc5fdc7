# Run by `cmake --install` (cmake/install.cmake), with CMAKE_INSTALL_PREFIX the
# prefix of this install: installs deploy/package/roseyd.yaml as
# <etc>/roseyd/roseyd.yaml (etc: /etc for the /usr prefix, else <prefix>/etc)
# and deploy/systemd/roseyd.service, whose /usr/bin/roseyd, /etc/roseyd/ and
# /usr/share/doc/roseyd/ become this install's. DESTDIR applies to both.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc "/etc")
else()
  set(etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()
file(INSTALL "${ROSEYD_SOURCE_DIR}/deploy/package/roseyd.yaml" DESTINATION "${etc}/roseyd")

file(READ "${ROSEYD_SOURCE_DIR}/deploy/systemd/roseyd.service" unit)
foreach(pair
    "ExecStart=/usr/bin/roseyd |ExecStart=${CMAKE_INSTALL_PREFIX}/${ROSEYD_INSTALL_BINDIR}/roseyd "
    " /etc/roseyd/roseyd.yaml| ${etc}/roseyd/roseyd.yaml"
    "file:///usr/share/doc/roseyd/|file://${CMAKE_INSTALL_PREFIX}/${ROSEYD_INSTALL_DOCDIR}/")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  string(FIND "${unit}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "deploy/systemd/roseyd.service no longer has '${from}'; "
                        "update cmake/install_system_files.cmake")
  endif()
  string(REPLACE "${from}" "${to}" unit "${unit}")
endforeach()
set(generated "${ROSEYD_BINARY_DIR}/install/roseyd.service")
file(WRITE "${generated}" "${unit}")
file(INSTALL "${generated}" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
