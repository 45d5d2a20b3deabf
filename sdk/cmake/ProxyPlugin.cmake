# proxy_add_plugin(<name> [ABI_ONLY] <sources>...)
# Builds a plugin as a MODULE library the host can load: hidden visibility so only the
# export macro's symbols are visible, C++20, and the output name `lib<name>.so`.
# ABI_ONLY: the plugin is written against the C ABI (proxy/sdk/abi.h) alone, e.g. in
# C: it links ProxySdk::abi instead of the C++ SDK and needs no C++ compiler.
function(proxy_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 plugin "ABI_ONLY" "" "")
  # Only the four ABI entry points are exported; see plugin.map.
  set(version_script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin.map")
  add_library(${name} MODULE ${plugin_UNPARSED_ARGUMENTS})
  if(plugin_ABI_ONLY)
    target_link_libraries(${name} PRIVATE ProxySdk::abi)
  else()
    target_link_libraries(${name} PRIVATE ProxySdk::sdk)
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "${name}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON)
  if(DEFINED PROXY_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${PROXY_PLUGIN_OUTPUT_DIR}")
  endif()
  target_link_options(${name} PRIVATE "LINKER:--no-undefined"
    "LINKER:--version-script=${version_script}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${version_script}")
endfunction()
