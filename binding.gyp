{
  "targets": [
    {
      "target_name": "llgi",
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); s.addon.concat(s.runtime, s.platform[process.platform]).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "runtime/include",
        "runtime/src/<!(node -p process.platform)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-g", "-fvisibility=hidden"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17", "-Wno-unused-parameter"],
      "cflags!": ["-fno-exceptions"],
      "ldflags": ["-Wl,-z,now"],
      "libraries": ["-ldl", "-lm"]
    }
  ]
}
