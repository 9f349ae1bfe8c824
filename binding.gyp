{
  "targets": [
    {
      "target_name": "pthreading",
      "sources": [
        "native/napi/addon.cc",
        "native/core/parking.cc",
        "native/napi/registry.cc",
        "native/core/threads.cc",
        "native/core/ops.cc",
        "native/core/lock.cc",
        "native/core/semaphore.cc",
        "native/core/event.cc",
        "native/core/condition.cc",
        "native/core/debug.cc",
        "native/core/shm.cc",
        "native/core/shm_sync.cc",
        "native/napi/multiprocessing.cc"
      ],
      "include_dirs": ["native", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED"
      ],
      "configurations": {
        "Debug": { "defines": ["PTHREADING_CHECKS"] }
      },
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags_cc": ["-std=c++20", "-Wall", "-Wextra", "-fvisibility=hidden", "-fno-exceptions"],
      "cflags_cc!": ["-std=gnu++17", "-std=c++17"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++20",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "WARNING_CFLAGS": ["-Wall", "-Wextra"]
          }
        }],
        ["OS=='win'", {
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++20"] } },
          "libraries": ["synchronization.lib"]
        }],
        ["sanitize=='address'", {
          "defines": ["PTHREADING_CHECKS"],
          "cflags": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address"]
        }],
        ["sanitize=='thread'", {
          "defines": ["PTHREADING_CHECKS"],
          "cflags": ["-fsanitize=thread", "-g"],
          "ldflags": ["-fsanitize=thread"]
        }]
      ]
    }
  ],
  "variables": { "sanitize%": "" }
}
