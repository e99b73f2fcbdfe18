# virtplan's version, from git at configure time: the last tag (v1.2.3 ->
# 1.2.3) and the commits since, or the project's version and the commit when
# there is no tag, or the project's version alone outside git (a source
# tarball). Debian versions must start with a digit; the same string is the
# .deb's version, the Galaxy collection's and `virtplan --version`'s, so the
# three never disagree. A commit made after configuring shows up at the next
# configure, which a commit or checkout triggers: CMake watches git's HEAD
# and the branch it names (not uncommitted edits: scripts/package
# reconfigures every time).
execute_process(COMMAND git describe --tags --always --dirty
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE VIRTPLAN_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git rev-parse HEAD
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE VIRTPLAN_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
# No tag: describe prints the abbreviated commit alone, which is tested
# first since it may start with a digit ("8d7f25a" is no version 8).
if(VIRTPLAN_DESCRIBE MATCHES "^([0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+)(-dirty)?$")
  set(VIRTPLAN_VERSION "${PROJECT_VERSION}+g${CMAKE_MATCH_1}")
elseif(VIRTPLAN_DESCRIBE MATCHES "^v?([0-9][^-]*)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$")
  set(VIRTPLAN_VERSION "${CMAKE_MATCH_1}")
  if(CMAKE_MATCH_3)
    string(APPEND VIRTPLAN_VERSION "+${CMAKE_MATCH_3}.g${CMAKE_MATCH_4}")
  endif()
else()
  set(VIRTPLAN_VERSION "${PROJECT_VERSION}")
endif()
if(VIRTPLAN_DESCRIBE MATCHES "-dirty$")
  string(APPEND VIRTPLAN_VERSION ".dirty")
  set(VIRTPLAN_GIT_COMMIT "${VIRTPLAN_GIT_COMMIT} (with uncommitted changes)")
endif()
execute_process(COMMAND git rev-parse --git-path HEAD
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE git_head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git symbolic-ref -q HEAD
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE git_branch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(git_branch)
  execute_process(COMMAND git rev-parse --git-path ${git_branch}
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE git_branch_file OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
# (Not in script mode: tests/version runs this file with cmake -P.)
if(CMAKE_SCRIPT_MODE_FILE)
  set(git_head "")
  set(git_branch_file "")
endif()
foreach(watched ${git_head} ${git_branch_file})
  get_filename_component(watched ${watched} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
  if(EXISTS ${watched})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${watched})
  endif()
endforeach()
if(NOT VIRTPLAN_GIT_COMMIT)
  set(VIRTPLAN_GIT_COMMIT "unknown (not built from git)")
endif()
message(STATUS "virtplan version ${VIRTPLAN_VERSION}")

# The versions of the libraries found here, for `virtplan version` (libssh's
# and libxml2's come from their headers' macros, in cli/version.cc, as the
# compiler saw them).
set(VIRTPLAN_YAML_CPP_VERSION "${yaml-cpp_VERSION}")
set(VIRTPLAN_LIBISOFS_VERSION "${LIBISOFS_VERSION}")
# (VIRTPLAN_BUILD_INFO_DIR: where tests/version's `cmake -P` wants it.)
if(NOT VIRTPLAN_BUILD_INFO_DIR)
  set(VIRTPLAN_BUILD_INFO_DIR ${CMAKE_BINARY_DIR}/generated)
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.h.in ${VIRTPLAN_BUILD_INFO_DIR}/build_info.h @ONLY)
