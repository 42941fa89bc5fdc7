# What `cmake --install` puts where, relative to the prefix (/usr/local by
# default; /usr in the Debian package, cmake/package.cmake):
#   bin/roseyd                   (daemon/app/CMakeLists.txt)
#   etc/roseyd/roseyd.yaml       deploy/package/roseyd.yaml: /etc/roseyd/ for the
#                                /usr prefix, as GNUInstallDirs puts SYSCONFDIR
#   lib/systemd/system/roseyd.service   deploy/systemd/roseyd.service
#   share/roseyd/dashboards/     the Grafana dashboards
#   share/roseyd/prometheus/     alerts.yml and a scrape config (prometheus.yml)
#   share/doc/roseyd/            README.md, docs/INSTALL.md
# The config and the unit are placed at install time, so that the unit names
# the binary and the config where this install put them, `--prefix` included
# (cmake/install_system_files.cmake).

install(DIRECTORY ${PROJECT_SOURCE_DIR}/dashboards/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/roseyd/dashboards)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/prometheus/alerts.yml
              ${PROJECT_SOURCE_DIR}/deploy/prometheus/prometheus.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/roseyd/prometheus)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/INSTALL.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(CODE "
  set(ROSEYD_SOURCE_DIR [[${PROJECT_SOURCE_DIR}]])
  set(ROSEYD_BINARY_DIR [[${PROJECT_BINARY_DIR}]])
  set(ROSEYD_INSTALL_BINDIR [[${CMAKE_INSTALL_BINDIR}]])
  set(ROSEYD_INSTALL_DOCDIR [[${CMAKE_INSTALL_DOCDIR}]])
  include([[${PROJECT_SOURCE_DIR}/cmake/install_system_files.cmake]])
")

# `make install` and CPack (scripts/package.sh) install what is built without
# building the whole tree first: packaging needs roseyd, not the tests and
# benchmarks of a test build folder. Build before installing.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
