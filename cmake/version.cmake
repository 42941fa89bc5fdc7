# The git revision is baked into build_info so reports and /metrics can name it.
execute_process(
  COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE ROSEYD_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT ROSEYD_GIT_REVISION)
  set(ROSEYD_GIT_REVISION "unknown")
endif()
