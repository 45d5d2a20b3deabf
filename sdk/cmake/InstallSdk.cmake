# Installs the SDK as a CMake package, so a plugin builds out of tree with
#   find_package(ProxySdk 0.1 REQUIRED)
#   proxy_add_plugin(<name> [ABI_ONLY] <sources>...)
# Layout under the prefix: include/proxy/ (headers), <libdir>/cmake/ProxySdk/ (package).
include(CMakePackageConfigHelpers)

set(PROXY_SDK_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ProxySdk")

# The ABI version, read from the header so the two can never disagree.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../include/proxy/sdk/abi.h" abi_lines
     REGEX "^#define PROXY_SDK_ABI_VERSION_(MAJOR|MINOR) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" PROXY_SDK_ABI_MAJOR "${abi_lines}")
string(REGEX REPLACE ".*MINOR ([0-9]+).*" "\\1" PROXY_SDK_ABI_MINOR "${abi_lines}")
set(PROXY_SDK_ABI_VERSION "${PROXY_SDK_ABI_MAJOR}.${PROXY_SDK_ABI_MINOR}")

install(DIRECTORY "${CMAKE_CURRENT_LIST_DIR}/../include/proxy"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT sdk)
install(TARGETS proxy_sdk proxy_sdk_abi EXPORT ProxySdkTargets COMPONENT sdk)
install(EXPORT ProxySdkTargets NAMESPACE ProxySdk:: DESTINATION "${PROXY_SDK_CMAKE_DIR}"
        COMPONENT sdk)

configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/ProxySdkConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/ProxySdkConfig.cmake"
  INSTALL_DESTINATION "${PROXY_SDK_CMAKE_DIR}")
# 0.x releases: only the same minor is promised compatible. The plugin ABI has its own
# version (PROXY_SDK_ABI_VERSION), checked by the host at load.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/ProxySdkConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/ProxySdkConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/ProxySdkConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/ProxyPlugin.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/plugin.map"
  DESTINATION "${PROXY_SDK_CMAKE_DIR}" COMPONENT sdk)
