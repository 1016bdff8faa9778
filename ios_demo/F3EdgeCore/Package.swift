// swift-tools-version:5.9
// The platform-free streaming core of the iOS demo (Foundation only): manifest, StepRunner, sessions.
// `swift test` runs on Linux against the golden traces in ../../tests/golden; the Core ML runner stays in the app.
import PackageDescription

let package = Package(
    name: "F3EdgeCore",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [.library(name: "F3EdgeCore", targets: ["F3EdgeCore"])],
    targets: [
        .target(name: "F3EdgeCore"),
        .testTarget(name: "F3EdgeCoreTests", dependencies: ["F3EdgeCore"]),
    ]
)
