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

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME virtplan)
# cmake/version.cmake: the same version as `virtplan --version`.
set(CPACK_PACKAGE_VERSION ${VIRTPLAN_VERSION})
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
