# Installing virtplan and packaging it as a .deb (scripts/package).
#
# CPack's DEB generator rather than debian/ and dpkg-buildpackage: the build
# is CMake's already, the package holds what `cmake --install` installs, and
# CPack runs dpkg-shlibdeps for Depends: (CPACK_DEBIAN_PACKAGE_SHLIBDEPS), so
# there is no second description of the files to keep in step. What it gives
# up (a source package, lintian-clean policy details) matters for Debian's
# archive, not for operators installing a release.

# The man page and the bash completion are printed by the built binary from
# the CLI11 definitions (cli/man_page.h, cli/bash_completion.h), so the
# package's copies match the binary's --help.
set(VIRTPLAN_GENERATED ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${VIRTPLAN_GENERATED}/virtplan.1.gz ${VIRTPLAN_GENERATED}/virtplan.bash
  COMMAND ${CMAKE_COMMAND} -E make_directory ${VIRTPLAN_GENERATED}
  COMMAND sh -c "$<TARGET_FILE:virtplan> man | gzip -9n > ${VIRTPLAN_GENERATED}/virtplan.1.gz"
  COMMAND sh -c "$<TARGET_FILE:virtplan> completion bash > ${VIRTPLAN_GENERATED}/virtplan.bash"
  DEPENDS virtplan
  COMMENT "virtplan man, virtplan completion bash"
  VERBATIM)
add_custom_target(virtplan-docs ALL DEPENDS ${VIRTPLAN_GENERATED}/virtplan.1.gz ${VIRTPLAN_GENERATED}/virtplan.bash)

install(TARGETS virtplan virtplan-ansible RUNTIME DESTINATION bin)
install(FILES ${VIRTPLAN_GENERATED}/virtplan.1.gz DESTINATION share/man/man1)
install(FILES ${VIRTPLAN_GENERATED}/virtplan.bash DESTINATION share/bash-completion/completions RENAME virtplan)
install(FILES ${PROJECT_SOURCE_DIR}/schema/virtplan-stack.schema.json DESTINATION share/virtplan)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/virtplan)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION share/doc/virtplan/examples)

# The version from git: the last tag (v1.2.3 -> 1.2.3) and the commits
# since, or 0.1.0 and the commit when there is no tag; Debian versions must
# start with a digit.
execute_process(COMMAND git describe --tags --always --dirty
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE VIRTPLAN_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(VIRTPLAN_DESCRIBE MATCHES "^v?([0-9][^-]*)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$")
  set(VIRTPLAN_PACKAGE_VERSION "${CMAKE_MATCH_1}")
  if(CMAKE_MATCH_3)
    string(APPEND VIRTPLAN_PACKAGE_VERSION "+${CMAKE_MATCH_3}.g${CMAKE_MATCH_4}")
  endif()
elseif(VIRTPLAN_DESCRIBE MATCHES "^([0-9a-f]+)(-dirty)?$")
  set(VIRTPLAN_PACKAGE_VERSION "0.1.0+g${CMAKE_MATCH_1}")
else()
  set(VIRTPLAN_PACKAGE_VERSION "0.1.0")
endif()
if(VIRTPLAN_DESCRIBE MATCHES "-dirty$")
  string(APPEND VIRTPLAN_PACKAGE_VERSION ".dirty")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME virtplan)
set(CPACK_PACKAGE_VERSION ${VIRTPLAN_PACKAGE_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "declarative infrastructure as code for KVM/libvirt")
set(CPACK_PACKAGE_DESCRIPTION
    "virtplan plans and applies YAML stacks of libvirt domains, pools, volumes and networks across KVM hosts reached over SSH.")
set(CPACK_PACKAGE_CONTACT "virtplan maintainers <virtplan@invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# virtplan runs virsh on the hosts, not here; ssh's client config is read if present.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libvirt-clients, openssh-client, bash-completion")
include(CPack)
