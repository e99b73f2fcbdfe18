// The translation unit of the targets that only make the precompiled headers
// every other target reuses (virtplan_precompile in CMakeLists.txt).
