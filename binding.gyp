{
  "targets": [
    {
      "target_name": "llgi",
      "sources": [
        "native/addon.cc",
        "native/crash.cc",
        "native/interpose.cc",
        "native/live.cc",
        "native/llgo.cc",
        "native/mprof.cc",
        "runtime/src/crash.c",
        "runtime/src/embed.c",
        "runtime/src/image.c",
        "runtime/src/interpose.c",
        "runtime/src/llgo.c",
        "runtime/src/membuildid.c",
        "runtime/src/mprof.c",
        "runtime/src/procmaps.c",
        "runtime/src/registry.c",
        "runtime/src/saferead.c",
        "runtime/src/stackmap.c",
        "runtime/src/table.c",
        "runtime/src/table_write.c",
        "runtime/src/trace.c",
        "runtime/src/walk.c"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "runtime/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-g", "-fvisibility=hidden"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17", "-Wno-unused-parameter"],
      "cflags!": ["-fno-exceptions"],
      "libraries": ["-ldl", "-lm"]
    }
  ]
}
