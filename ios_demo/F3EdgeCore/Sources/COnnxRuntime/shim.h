// ONNX Runtime's C API (Debian's libonnxruntime-dev), for the real-runtime test of the streaming core on Linux.
#include <onnxruntime/onnxruntime_c_api.h>
