// swift-tools-version:6.0
// Earshot — always-on gunshot detector for Linux. See README.md and the module map in it.
import PackageDescription

/// One system-library module per C library: modulemap + umbrella header (`shim.h`), found through pkg-config,
/// with the Debian package that provides it.
func cLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([apt])])
}

/// The convolution kernels' modules are compiled for their CPU level, and optimised in debug builds too
/// (unoptimised SIMD code is ~100× slower, which doubled the debug test suite's time).
#if arch(x86_64)
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512", "-O"])]
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-O"])]
#else
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-O"])]
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-O"])]
#endif

let package = Package(
    name: "Earshot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "earshot", targets: ["earshot"]),
        .executable(name: "earshotd", targets: ["earshotd"]),
        .executable(name: "earshot-train", targets: ["earshot-train"]),
        // the three in one binary, chosen by argv[0]: what the Debian package ships (scripts/package-deb.sh)
        .executable(name: "earshot-multicall", targets: ["earshot-multicall"]),
        .library(name: "EarshotDSP", targets: ["EarshotDSP"]),
        .library(name: "EarshotNN", targets: ["EarshotNN"]),
        .library(name: "EarshotDetect", targets: ["EarshotDetect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C libraries (Debian -dev packages)
        cLibrary("CALSA", pkgConfig: "alsa", apt: "libasound2-dev"),
        cLibrary("CFFTW", pkgConfig: "fftw3f", apt: "libfftw3-dev"),
        cLibrary("COpenBLAS", pkgConfig: "openblas", apt: "libopenblas-dev"),
        cLibrary("CSystemd", pkgConfig: "libsystemd", apt: "libsystemd-dev"),
        cLibrary("CSndfile", pkgConfig: "sndfile", apt: "libsndfile1-dev"),
        cLibrary("CSoxr", pkgConfig: "soxr", apt: "libsoxr-dev"),

        // Libraries
        .target(name: "EarshotDSP", dependencies: ["CFFTW", "CSndfile", "CSoxr"]),
        .target(name: "EarshotNN", dependencies: ["COpenBLAS", "EarshotDSP", "EarshotAVX512", "EarshotAVX2"]),
        // The streamed convolution's own kernels: each module alone is compiled for its CPU level, and EarshotNN
        // calls it only on a CPU whose flags have it (ConvKernel.selected).
        .target(name: "EarshotAVX512", dependencies: ["EarshotAVX2"], swiftSettings: avx512Flags),
        .target(name: "EarshotAVX2", swiftSettings: avx2Flags),
        .target(name: "EarshotDetect", dependencies: ["EarshotDSP", "EarshotNN"]),
        .target(name: "EarshotTrain", dependencies: ["EarshotDSP", "EarshotNN", "EarshotDetect"]),
        .target(name: "EarshotDaemon", dependencies: [
            "CALSA", "CSystemd", "EarshotDSP", "EarshotDetect",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // The programs' commands: argument parsing and wiring only, each started by its `…CommandMain`
        .target(name: "EarshotCLI", dependencies: [
            "EarshotDSP", "EarshotNN", "EarshotDetect", "EarshotDaemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "EarshotDaemonCLI", dependencies: [
            "EarshotDaemon", "EarshotDSP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "EarshotTrainCLI", dependencies: [
            "EarshotTrain", "EarshotDSP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Executables: a main.swift each that calls its command's entry point; earshot-multicall is all three
        .executableTarget(name: "earshot", dependencies: ["EarshotCLI"]),
        .executableTarget(name: "earshotd", dependencies: ["EarshotDaemonCLI"]),
        .executableTarget(name: "earshot-train", dependencies: ["EarshotTrainCLI"]),
        .executableTarget(name: "earshot-multicall", dependencies: ["EarshotCLI", "EarshotDaemonCLI", "EarshotTrainCLI"]),
        .executableTarget(name: "earshot-bench", dependencies: [
            "EarshotDSP", "EarshotNN", "EarshotDetect", "EarshotTrain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests mirror targets; EarshotTestSupport holds the paths every test target shares
        .target(name: "EarshotTestSupport", path: "Tests/EarshotTestSupport"),
        .testTarget(name: "EarshotDSPTests", dependencies: ["EarshotTestSupport", "EarshotDSP"]),
        .testTarget(name: "EarshotNNTests", dependencies: ["EarshotTestSupport", "EarshotNN", "EarshotAVX2"]),
        .testTarget(name: "EarshotDetectTests", dependencies: ["EarshotTestSupport", "EarshotDetect"]),
        .testTarget(name: "EarshotTrainTests", dependencies: ["EarshotTestSupport", "EarshotTrain"]),
        .testTarget(name: "EarshotDaemonTests", dependencies: ["EarshotTestSupport", "EarshotDaemon", "EarshotDSP", "EarshotDetect", "EarshotNN"], exclude: ["Scripts"]),
        .testTarget(name: "EarshotCLITests", dependencies: ["EarshotTestSupport", "EarshotDSP"]),
    ],
    swiftLanguageModes: [.v5]
)
