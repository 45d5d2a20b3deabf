# proxy_add_plugin(<name> <sources>...)
# Builds a plugin as a MODULE library the host can load: hidden visibility so only the
# export macro's symbols are visible, C++20, and the output name `lib<name>.so`.
function(proxy_add_plugin name)
  # Only the four ABI entry points are exported; see plugin.map.
  set(version_script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin.map")
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE ProxySdk::sdk)
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
