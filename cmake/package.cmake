# The Debian package, roseyd_<version>_amd64.deb, built by CPack from the
# install rules (cmake/install.cmake) with the /usr prefix: `cpack -G DEB`
# in a build folder, or scripts/package.sh, which also builds. What it
# depends on and why, and what its maintainer scripts do: docs/INSTALL.md.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME roseyd)
set(CPACK_PACKAGE_VENDOR roseyd)
set(CPACK_PACKAGE_CONTACT "roseyd <dev@roseyd.local>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "drop-in DatabaseService for the Rosey CyTube bot, on NATS")
set(CPACK_PACKAGE_DESCRIPTION
    "roseyd answers the Rosey bot's database subjects on NATS (the classic ones and
the plugin storage API) with the same payloads, replies and SQLite file as
Rosey's Python DatabaseService, or Rosey's PostgreSQL database, and counts
everything on a Prometheus /metrics endpoint. The package installs the
daemon, /etc/roseyd/roseyd.yaml, a hardened systemd unit (not enabled), and
the Grafana dashboards and Prometheus alert rules in /usr/share/roseyd.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The binary without its debug information (the build is RelWithDebInfo,
# the build the README's figures were measured on).
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # roseyd_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries roseyd links, found by dpkg-shlibdeps in the built binary;
# adduser for the postinst. CPack joins the two lists.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# The installed config connects to the nats-server of Debian's package (its
# service listens on 127.0.0.1:4222); a site with its own NATS does without.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nats-server")
# The alert rules and scrape config of /usr/share/roseyd/prometheus; the
# instruction counts of `roseyd bench --suite cost` (callgrind).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, valgrind")

set(package_dir ${PROJECT_SOURCE_DIR}/deploy/package)
file(WRITE ${PROJECT_BINARY_DIR}/package/conffiles "/etc/roseyd/roseyd.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/package/conffiles
    ${package_dir}/postinst ${package_dir}/prerm ${package_dir}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
