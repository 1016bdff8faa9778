// swift-tools-version:5.9
// The platform-free streaming core of the iOS demo (Foundation only): manifest, StepRunner, sessions.
// `swift test` runs on Linux against the golden traces in ../../tests/golden; the Core ML runner stays in the app.
// Where ONNX Runtime's C API is installed (Debian: libonnxruntime-dev), a second test target runs the core
// over the real runtime with the golden onnx-int8 models.
import Foundation
import PackageDescription

let withOnnxRuntime = FileManager.default.fileExists(atPath: "/usr/include/onnxruntime/onnxruntime_c_api.h")

var targets: [Target] = [
    .target(name: "F3EdgeCore", exclude: []),
    .testTarget(name: "F3EdgeCoreTests", dependencies: ["F3EdgeCore"]),
]
if withOnnxRuntime {
    targets += [
        .systemLibrary(name: "COnnxRuntime"),
        .testTarget(name: "F3EdgeOnnxRuntimeTests", dependencies: ["F3EdgeCore", "COnnxRuntime"]),
    ]
}

let package = Package(
    name: "F3EdgeCore",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [.library(name: "F3EdgeCore", targets: ["F3EdgeCore"])],
    targets: targets
)
